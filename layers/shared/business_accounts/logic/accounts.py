"""Account logic: self-service registration (confirmed by its email), back-office provisioning, reading an account."""

from __future__ import annotations

import hashlib
import json

from business_accounts.logic.issuing import (
    admit,
    decided_on_fresh_reads,
    email_taken,
    issue,
    new_invitation,
    not_suppressed,
    raced_by_another_email,
    sent_event,
    waiting_on,
    waiting_publicly,
)
from business_accounts.logic.services import Services
from business_accounts.logic.store import EmailRecord, MailCounted
from business_accounts.models import api
from business_accounts.models.errors import AccountNotFound, IdempotencyKeyReused, RegistrationNotFound
from business_accounts.models.events import Actor, EventType, NewEvent
from business_accounts.models.items import Account, ExternalReference
from business_accounts.models.languages import chosen
from business_accounts.models.types import (
    AdministratorState,
    Budget,
    CreatedVia,
    InvitationPurpose,
    InvitationStatus,
    sortable_id,
)
from business_accounts.observability import Metric, count, logger, mask_email


def _created(account: Account, actor: Actor) -> NewEvent:
    data: dict[str, object] = {
        "company_name": account.company_name,
        "created_via": account.created_via.value,
        "locale": account.locale,
        "verified": account.verified,
    }
    if account.external_reference:
        data["external_reference"] = account.external_reference
    if account.country:
        data["country"] = account.country
    return NewEvent(EventType.ACCOUNT_CREATED, account.account_id, actor, account.created_at, data)


def _claimed_by_others(record: EmailRecord) -> bool:
    """The email belongs to an account someone else stands behind: a verified administrator, or an invitee."""
    return record.owner is not None and not record.owner.unverified


def register(services: Services, request: api.RegisterRequest, *, accepted: str | None = None) -> api.RegisteredAccount:
    """A new self-service account, unverified until its registrant confirms the email through the link mailed now.

    An unverified claim of the same email (an earlier registration, anyone's) is replaced; an email that
    belongs to an account someone else stands behind answers 409. A suppressed address gets its claim and the
    same answer, but no email (registration tells nobody of a complaint). The account keeps its language: the
    request's `locale`, else the one `accepted` (its Accept-Language).
    """

    def attempt() -> api.RegisteredAccount:
        record = services.store.email_record(request.email)
        now = services.clock()
        if _claimed_by_others(record):
            logger.info("registration met an existing account", extra={"email": mask_email(request.email)})
            raise email_taken(services, record, now)
        language = chosen(request.locale, accepted=accepted)
        account = Account(
            account_id=sortable_id("acc"),
            company_name=request.company_name,
            created_via=CreatedVia.SELF_SERVICE,
            created_at=now,
            country=request.country,
            locale=language.locale,
            verified=False,
        )
        confirmation, token = new_invitation(
            services,
            account=account,
            email=request.email,
            now=now,
            language=language,
            purpose=InvitationPurpose.CONFIRMATION,
        )
        issue(
            services,
            confirmation,
            token,
            record,
            budget=Budget.PUBLIC,
            actor=Actor.SELF,
            reason="registration",
            new_account=account,
            account_events=[_created(account, Actor.SELF)],
        )
        return api.RegisteredAccount(
            account_id=account.account_id,
            company_name=account.company_name,
            administrator_email=request.email,
            expires_at=confirmation.expires_at,
        )

    answer = decided_on_fresh_reads(attempt)
    count(Metric.ACCOUNTS_REGISTERED)
    logger.info("account registered, unverified", extra={"account_id": answer.account_id})
    return answer


def registration(services: Services, *, account_id: str) -> api.RegistrationState:
    """What became of a self-service registration, for the page its registrant waits on: confirmed, or waiting on
    the confirmation mailed to them, and whether that email bounced. The account id is all it takes: only the 201
    gives out an unverified account's (a 409 names accounts that someone else stands behind, or verified ones)."""
    found = services.store.account_with_administrators(account_id)
    if found is None or found[0].created_via is not CreatedVia.SELF_SERVICE:
        raise RegistrationNotFound()
    account, administrators = found
    if account.verified:
        return api.RegistrationState(account_id=account_id, status="verified")
    for administrator in administrators:  # its registrant, invited until they confirm
        record = services.store.email_record(administrator.email)
        if record.owner is not None and record.owner.account_id == account_id and record.owner.unverified:
            waiting = waiting_publicly(services, record, services.clock())
            return api.RegistrationState(account_id=account_id, status="verification_sent", confirmation=waiting)
    raise RegistrationNotFound()  # replaced or removed between the two reads


def provision(
    services: Services, request: api.ProvisionRequest, *, accepted: str | None = None
) -> api.ProvisionedAccount:
    """An account created by sales, a reseller, an upgrade or another product, and its administrator invited.

    An unverified self-service claim of the email is discarded: provisioning names the email with authority.
    The account and the invitation speak the request's `locale`, else the one `accepted` (its Accept-Language).
    A repeat with the same `external_reference` answers as the first did, and mails the invitation again if no
    email of it ever left.
    """
    fingerprint = hashlib.sha256(json.dumps(request.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()
    actor = Actor.provisioning(request.created_via)

    def attempt() -> api.ProvisionedAccount:
        if request.external_reference:
            served = services.store.external_reference(request.external_reference)
            if served is not None:
                if served.request_fingerprint != fingerprint:
                    raise IdempotencyKeyReused()
                answer = api.ProvisionedAccount.model_validate(served.response)
                _mail_again_if_none_left(services, answer, actor)
                return answer
        record = services.store.email_record(request.administrator_email)
        now = services.clock()
        if _claimed_by_others(record):
            raise email_taken(services, record, now)
        not_suppressed(record.suppression)
        language = chosen(request.locale, accepted=accepted)
        account = Account(
            account_id=sortable_id("acc"),
            company_name=request.company_name,
            created_via=request.created_via,
            created_at=now,
            external_reference=request.external_reference,
            locale=language.locale,
        )
        invitation, token = new_invitation(
            services, account=account, email=request.administrator_email, now=now, language=language
        )
        response = api.ProvisionedAccount(
            account_id=account.account_id,
            company_name=account.company_name,
            created_via=account.created_via,
            invitation=api.PendingInvitation(
                invitation_id=invitation.invitation_id, email=invitation.email, expires_at=invitation.expires_at
            ),
        )
        served_now = (
            ExternalReference(
                reference=request.external_reference,
                request_fingerprint=fingerprint,
                response=response.model_dump(mode="json"),
            )
            if request.external_reference
            else None
        )
        issue(
            services,
            invitation,
            token,
            record,
            budget=Budget.BACK_OFFICE,
            actor=actor,
            reason="provisioning",
            new_account=account,
            external_reference=served_now,
            account_events=[_created(account, actor)],
        )
        logger.info("account provisioned", extra={"account_id": account.account_id, "created_via": account.created_via})
        return response

    return decided_on_fresh_reads(attempt)


def _mail_again_if_none_left(services: Services, answer: api.ProvisionedAccount, actor: Actor) -> None:
    """A provisioning retry mails the invitation again when no email of it left: its email was refused, or never
    reached the outbox's sender. Nothing happens once it left, or once the email moved on (accepted, superseded)."""
    record = services.store.email_record(answer.invitation.email)
    owner, now = record.owner, services.clock()
    if owner is None or owner.invitation_id != answer.invitation.invitation_id:
        return
    if owner.invitation_status(now) is not InvitationStatus.PENDING or owner.invitation_token_hash is None:
        return
    if owner.invitation_delivery is not None and owner.invitation_delivery.left:
        return
    invitation = services.store.invitation(owner.invitation_token_hash)
    if invitation is None:
        return
    log = record.log(Budget.BACK_OFFICE)
    again = sent_event(invitation, actor=actor, reason="retry", budget=Budget.BACK_OFFICE, at=now)
    try:
        services.store.mail_again(invitation, log, admit(services, log, now), again)
    except MailCounted as counted:
        raise raced_by_another_email(services) from counted
    logger.info("provisioning retried: its invitation is mailed again", extra={"invitation_id": owner.invitation_id})


def get_account(services: Services, *, account_id: str) -> api.AccountDetails:
    """The account and its administrators; an invited one with the invitation it waits on and its delivery."""
    found = services.store.account_with_administrators(account_id)
    if found is None:
        raise AccountNotFound()
    account, administrators = found
    invited = [admin.email for admin in administrators if admin.state is AdministratorState.INVITED]
    owners = (
        {
            owner.email: owner
            for owner in services.store.ownerships(invited)
            if owner.account_id == account_id and owner.state is AdministratorState.INVITED
        }
        if invited
        else {}
    )
    now = services.clock()
    return api.AccountDetails(
        account_id=account.account_id,
        company_name=account.company_name,
        created_via=account.created_via,
        created_at=account.created_at,
        verified=account.verified,
        locale=account.locale,
        administrators=[
            api.Administrator(
                email=admin.email,
                state=admin.state,
                invitation=waiting_on(owners[admin.email], now) if admin.email in owners else None,
            )
            for admin in administrators
        ],
    )
