"""Invitation logic: join, resend, preview, accept and renew a link; invite, list and revoke (internal)."""

from __future__ import annotations

from datetime import datetime

from business_accounts.logic.issuing import (
    admit,
    decided_on_fresh_reads,
    email_taken,
    issue,
    kept_language,
    new_invitation,
    not_suppressed,
    raced_by_another_email,
    reissue,
    shown,
)
from business_accounts.logic.services import Services
from business_accounts.logic.store import InvitationChanged, MailCounted
from business_accounts.logic.tokens import token_hash
from business_accounts.models import api
from business_accounts.models.errors import (
    AccountNotFound,
    AccountUnverified,
    AlreadyMember,
    ConcurrentUpdate,
    DomainError,
    InvitationAlreadyAccepted,
    InvitationExpired,
    InvitationNotFound,
    InvitationNotInAccount,
    InvitationRevoked,
    InvitationSuperseded,
    NotInvited,
    RegistrationRemoved,
    RegistrationReplaced,
)
from business_accounts.models.events import Actor, EventType, NewEvent
from business_accounts.models.items import Invitation
from business_accounts.models.languages import chosen
from business_accounts.models.types import AdministratorState, Budget, InvitationPurpose, InvitationStatus
from business_accounts.observability import Metric, count, logger, mask_email

_UNUSABLE: dict[InvitationStatus, type[DomainError]] = {
    InvitationStatus.ACCEPTED: InvitationAlreadyAccepted,
    InvitationStatus.EXPIRED: InvitationExpired,
    InvitationStatus.SUPERSEDED: InvitationSuperseded,
    InvitationStatus.REVOKED: InvitationRevoked,
}
_RENEWABLE = frozenset({InvitationStatus.PENDING, InvitationStatus.EXPIRED, InvitationStatus.SUPERSEDED})


def usable(invitation: Invitation | None, now: datetime) -> Invitation:
    """The invitation if its link can be used now; otherwise the error that explains why not."""
    if invitation is None:
        raise InvitationNotFound()
    status = invitation.status_at(now)
    if status in _UNUSABLE:
        raise _UNUSABLE[status]()
    return invitation


def _about(invitation: Invitation) -> dict[str, str]:
    """What every event about one invitation names: which, and for whom."""
    return {"invitation_id": invitation.invitation_id, "email": invitation.email}


# --- Public routes ---


def join(
    services: Services, *, account_id: str, email: str, locale: str | None = None, accepted: str | None = None
) -> api.InvitationSent:
    """The "Join COMPANY" button: a fresh invitation to an account the email is invited to; older links die.

    `locale` is the language the request asks for; `accepted` the one its Accept-Language prefers (kept_language).
    """

    def attempt() -> api.InvitationSent:
        record = services.store.email_record(email)
        owner = record.owner
        if owner is None or owner.account_id != account_id:
            raise NotInvited()
        if owner.state is AdministratorState.ACTIVE:
            raise AlreadyMember()
        not_suppressed(record.suppression)
        language = kept_language(owner, locale=locale, accepted=accepted)
        invitation = reissue(services, record, language=language, actor=Actor.SELF, reason="join")
        return api.InvitationSent(email=email, expires_at=invitation.expires_at)

    return decided_on_fresh_reads(attempt)


def resend(
    services: Services, *, email: str, locale: str | None = None, accepted: str | None = None
) -> api.ResendReceived:
    """The "I did not get the email" link: one answer whatever the email's standing, and limits alike.

    An address with nothing to send (no invitation, an active administrator, a suppressed address) is counted
    in a log of its own, so its answers, 429 included, are those of an address with an invitation, while it
    spends nothing of the budget a real invitation email to it would need.
    """

    def attempt() -> api.ResendReceived:
        record = services.store.email_record(email)
        owner = record.owner
        if owner is None or owner.state is AdministratorState.ACTIVE or record.suppression is not None:
            log = record.log(Budget.NOTHING_TO_SEND)
            try:
                services.store.record_mail(log, admit(services, log, services.clock()))
            except MailCounted as counted:
                raise raced_by_another_email(services) from counted
            standing = "suppressed" if record.suppression is not None else "nothing to send"
            logger.info("resend sends nothing", extra={"email": mask_email(email), "standing": standing})
        else:
            language = kept_language(owner, locale=locale, accepted=accepted)
            reissue(services, record, language=language, actor=Actor.SELF, reason="resend")
        return api.ResendReceived()

    return decided_on_fresh_reads(attempt)


def preview(services: Services, *, token: str) -> api.InvitationPreview:
    invitation = usable(services.store.invitation(token_hash(token)), services.clock())
    return api.InvitationPreview(
        invitation_id=invitation.invitation_id,
        email=invitation.email,
        account_id=invitation.account_id,
        company_name=invitation.company_name,
        created_via=invitation.created_via,
        purpose=invitation.purpose,
        expires_at=invitation.expires_at,
        locale=invitation.locale,
    )


def accept(services: Services, *, token: str) -> api.AcceptedInvitation:
    """The invitee becomes an active administrator, and a confirmation verifies its account: one read, one
    transaction, no check-then-write (read and written again when the transaction raced another)."""

    def attempt() -> Invitation:
        now = services.clock()
        invitation = usable(services.store.invitation(token_hash(token)), now)
        events = [NewEvent(EventType.INVITATION_ACCEPTED, invitation.account_id, Actor.SELF, now, _about(invitation))]
        if invitation.purpose is InvitationPurpose.CONFIRMATION:
            verified = {"email": invitation.email}
            events.append(NewEvent(EventType.ACCOUNT_VERIFIED, invitation.account_id, Actor.SELF, now, verified))
        try:
            services.store.accept(invitation, now, events)
        except InvitationChanged as changed:
            usable(changed.current, now)  # raises what happened to it: accepted, superseded, revoked or expired
            raise ConcurrentUpdate() from changed
        return invitation

    invitation = decided_on_fresh_reads(attempt)
    count(Metric.INVITATIONS_ACCEPTED)
    logger.info(
        "invitation accepted",
        extra={"email": mask_email(invitation.email), "invitation_id": invitation.invitation_id},
    )
    return api.AcceptedInvitation(
        account_id=invitation.account_id, company_name=invitation.company_name, email=invitation.email
    )


def renew(services: Services, *, token: str, accepted: str | None = None) -> api.RenewedInvitation:
    """One click from an expired or superseded link: a new invitation to that invitation's own address, in the
    link's language if someone chose it, else the one its Accept-Language (`accepted`) prefers."""

    def attempt() -> api.RenewedInvitation:
        invitation = services.store.invitation(token_hash(token))
        if invitation is None:
            raise InvitationNotFound()
        status = invitation.status_at(services.clock())
        if status not in _RENEWABLE:
            raise _UNUSABLE[status]()
        record = services.store.email_record(invitation.email)
        owner = record.owner
        if owner is None or owner.account_id != invitation.account_id:
            raise _gone(invitation, status)
        if owner.state is AdministratorState.ACTIVE:
            raise InvitationAlreadyAccepted()  # accepted through a newer link
        not_suppressed(record.suppression)
        language = chosen(None, kept=invitation.locale, kept_chosen=invitation.locale_chosen, accepted=accepted)
        renewed = reissue(services, record, language=language, actor=Actor.SELF, reason="renew")
        return api.RenewedInvitation(expires_at=renewed.expires_at)

    return decided_on_fresh_reads(attempt)


def _gone(invitation: Invitation, status: InvitationStatus) -> DomainError:
    """Why renew cannot bring back a link whose email no longer waits on its account: an invitation's was freed by
    its administrators; a confirmation's registration is gone, as its link says (the cleanup removed it once it
    expired; a newer registration or a business account took the email and superseded it)."""
    if invitation.purpose is not InvitationPurpose.CONFIRMATION:
        return InvitationRevoked()
    return RegistrationReplaced() if status is InvitationStatus.SUPERSEDED else RegistrationRemoved()


# --- Internal routes ---


def invite(
    services: Services,
    *,
    account_id: str,
    email: str,
    invited_by: str | None,
    locale: str | None = None,
    accepted: str | None = None,
) -> api.PendingInvitation:
    """An administrator invites a colleague; a pending invitation for the same email is superseded, and an
    unverified claim of it elsewhere is discarded.

    In the language `locale`, else the one `accepted` (the request's Accept-Language), else English.
    """

    def attempt() -> api.PendingInvitation:
        account = services.store.account(account_id)
        if account is None:
            raise AccountNotFound()
        if not account.verified:
            raise AccountUnverified()
        record = services.store.email_record(email)
        owner = record.owner
        now = services.clock()
        if owner is not None and owner.account_id != account_id and not owner.unverified:
            raise email_taken(services, record, now)
        if owner is not None and owner.account_id == account_id and owner.state is AdministratorState.ACTIVE:
            raise AlreadyMember()
        not_suppressed(record.suppression)
        invitation, token = new_invitation(
            services,
            account=account,
            email=email,
            now=now,
            language=chosen(locale, accepted=accepted),
            invited_by=invited_by,
        )
        issue(
            services,
            invitation,
            token,
            record,
            budget=Budget.BACK_OFFICE,
            actor=Actor.ADMINISTRATOR,
            reason="colleague",
        )
        return api.PendingInvitation(
            invitation_id=invitation.invitation_id, email=email, expires_at=invitation.expires_at
        )

    return decided_on_fresh_reads(attempt)


def list_invitations(
    services: Services, *, account_id: str, status: InvitationStatus | None, next_token: str | None, limit: int
) -> api.InvitationPage:
    """One page of an account's invitations, newest first, with their status as of now; one query per page.

    With `status`, a page holds the matching ones among the next `limit` invitations, so it may hold fewer than
    `limit`, even none, and still have a `next_token`: the listing goes on until `next_token` is null.
    """
    page = services.store.invitations_of(account_id, before_id=next_token, page_size=limit)
    if not page and services.store.account(account_id) is None:  # invitations imply their account
        raise AccountNotFound()
    now = services.clock()
    statuses = [(invitation, invitation.status_at(now)) for invitation in page]
    return api.InvitationPage(
        items=[
            api.InvitationSummary(
                invitation_id=invitation.invitation_id,
                email=invitation.email,
                status=current,
                created_at=invitation.created_at,
                expires_at=invitation.expires_at,
                purpose=invitation.purpose,
                delivery=shown(invitation.delivery) if invitation.delivery else None,
            )
            for invitation, current in statuses
            if status is None or current is status
        ],
        next_token=page[-1].invitation_id if len(page) == limit else None,
    )


def revoke(services: Services, *, account_id: str, invitation_id: str) -> None:
    """Withdraw an invitation: its link answers INVITATION_REVOKED and its email is free again."""

    def attempt() -> None:
        invitation = services.store.find_invitation(account_id, invitation_id)
        if invitation is None:
            raise InvitationNotInAccount()
        if invitation.status is InvitationStatus.REVOKED:
            return  # revoking twice is not an error
        if invitation.status in (InvitationStatus.ACCEPTED, InvitationStatus.SUPERSEDED):
            raise _UNUSABLE[invitation.status]()
        event = NewEvent(
            EventType.INVITATION_REVOKED, account_id, Actor.ADMINISTRATOR, services.clock(), _about(invitation)
        )
        services.store.revoke(invitation, [event])
        logger.info("invitation revoked", extra={"email": mask_email(invitation.email), "invitation_id": invitation_id})

    decided_on_fresh_reads(attempt)
