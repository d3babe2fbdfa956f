"""Account logic: self-service registration, back-office provisioning and reading an account."""

from __future__ import annotations

import hashlib
import json

from business_accounts.logic.delivery import (
    deliver,
    email_taken,
    new_invitation,
    not_suppressed,
    once_more_on_conflict,
    waiting_on,
)
from business_accounts.logic.services import Services
from business_accounts.logic.store import EmailTaken
from business_accounts.models import api
from business_accounts.models.errors import AccountNotFound, IdempotencyKeyReused
from business_accounts.models.items import Account, Administrator, ExternalReference
from business_accounts.models.languages import chosen
from business_accounts.models.types import AdministratorState, CreatedVia, sortable_id
from business_accounts.observability import Metric, count, logger, mask_email


def register(services: Services, request: api.RegisterRequest, *, accepted: str | None = None) -> api.RegisteredAccount:
    """A new self-service account with the email as its active administrator, unless the email has one.

    The account keeps its language: the request's `locale`, else the one `accepted` (its Accept-Language).
    """
    now = services.clock()
    account = Account(
        account_id=sortable_id("acc"),
        company_name=request.company_name,
        created_via=CreatedVia.SELF_SERVICE,
        created_at=now,
        country=request.country,
        locale=chosen(request.locale, accepted=accepted),
    )
    administrator = Administrator(
        account_id=account.account_id,
        email=request.email,
        state=AdministratorState.ACTIVE,
        first_name=request.first_name,
        last_name=request.last_name,
    )

    def attempt() -> EmailTaken | None:
        try:
            services.store.create_account(account, administrator)
        except EmailTaken as taken:
            return taken
        return None

    # A transaction that raced another on the email is tried again: then the email is taken, or it is ours.
    if taken := once_more_on_conflict(attempt):
        logger.info("registration met an existing account", extra={"email": mask_email(request.email)})
        raise email_taken(taken.owner, now) from taken
    count(Metric.ACCOUNTS_REGISTERED)
    logger.info("account registered", extra={"account_id": account.account_id, "email": mask_email(request.email)})
    return api.RegisteredAccount(
        account_id=account.account_id, company_name=account.company_name, administrator_email=request.email
    )


def provision(
    services: Services, request: api.ProvisionRequest, *, accepted: str | None = None
) -> api.ProvisionedAccount:
    """An account created by sales, a reseller, an upgrade or another product, and its administrator invited.

    The account and the invitation speak the request's `locale`, else the one `accepted` (its Accept-Language).
    """
    fingerprint = hashlib.sha256(json.dumps(request.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()

    def attempt() -> api.ProvisionedAccount:
        if request.external_reference:
            served = services.store.external_reference(request.external_reference)
            if served is not None:
                if served.request_fingerprint != fingerprint:
                    raise IdempotencyKeyReused()
                return api.ProvisionedAccount.model_validate(served.response)
        owner, mail_log, suppression = services.store.email_record(request.administrator_email)
        now = services.clock()
        if owner is not None:
            raise email_taken(owner, now)
        not_suppressed(suppression)
        account = Account(
            account_id=sortable_id("acc"),
            company_name=request.company_name,
            created_via=request.created_via,
            created_at=now,
            external_reference=request.external_reference,
            locale=chosen(request.locale, accepted=accepted),
        )
        invitation, token = new_invitation(
            services, account=account, email=request.administrator_email, now=now, locale=account.locale
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
        deliver(
            services,
            invitation,
            token,
            mail_log=mail_log,
            now=now,
            ownership_before=None,
            new_account=account,
            external_reference=served_now,
        )
        logger.info("account provisioned", extra={"account_id": account.account_id, "created_via": account.created_via})
        return response

    return once_more_on_conflict(attempt)


def get_account(services: Services, *, account_id: str) -> api.AccountDetails:
    """The account and its administrators; an invited one with the invitation it waits on and its delivery."""
    found = services.store.account_with_administrators(account_id)
    if found is None:
        raise AccountNotFound()
    account, administrators = found
    invited = [admin.email for admin in administrators if admin.state is AdministratorState.INVITED]
    owners = {
        owner.email: owner
        for owner in services.store.ownerships(invited)
        if owner.account_id == account_id and owner.state is AdministratorState.INVITED
    }
    now = services.clock()
    return api.AccountDetails(
        account_id=account.account_id,
        company_name=account.company_name,
        created_via=account.created_via,
        created_at=account.created_at,
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
