"""Invitation logic: issue and send, join, resend, renew, preview, accept, invite, list and revoke."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from business_accounts import api
from business_accounts.errors import (
    AccountNotFound,
    AlreadyMember,
    AlreadyRegistered,
    ConcurrentUpdate,
    DomainError,
    EmailDeliveryFailed,
    InvitationAlreadyAccepted,
    InvitationExpired,
    InvitationNotFound,
    InvitationNotInAccount,
    InvitationRevoked,
    InvitationSuperseded,
    NotInvited,
    PendingInvitationExists,
    RateLimited,
)
from business_accounts.items import Account, EmailOwnership, ExternalReference, Invitation, MailLog
from business_accounts.limits import admit_email
from business_accounts.mailer import InvitationEmail, MailDeliveryError, compose
from business_accounts.observability import Metric, count, logger, mask_email
from business_accounts.services import Services
from business_accounts.store import Issue, TransactionConflict
from business_accounts.tokens import token_hash
from business_accounts.types import AdministratorState, InvitationStatus, sortable_id

_UNUSABLE: dict[InvitationStatus, type[DomainError]] = {
    InvitationStatus.ACCEPTED: InvitationAlreadyAccepted,
    InvitationStatus.EXPIRED: InvitationExpired,
    InvitationStatus.SUPERSEDED: InvitationSuperseded,
    InvitationStatus.REVOKED: InvitationRevoked,
}
_RENEWABLE = frozenset({InvitationStatus.PENDING, InvitationStatus.EXPIRED, InvitationStatus.SUPERSEDED})


# --- Shared machinery ---


def once_more_on_conflict[T](operation: Callable[[], T]) -> T:
    """Run `operation`; if a concurrent write got there first, decide again once on fresh reads."""
    try:
        return operation()
    except TransactionConflict:
        try:
            return operation()
        except TransactionConflict as conflict:
            raise ConcurrentUpdate() from conflict


def email_taken(owner: EmailOwnership, now: datetime) -> DomainError:
    """The 409 for an email that already belongs to an account, as an administrator or an invitee."""
    if owner.state is AdministratorState.ACTIVE:
        return AlreadyRegistered(account=api.AccountRef(account_id=owner.account_id, company_name=owner.company_name))
    count(Metric.PENDING_INVITATIONS_ENCOUNTERED)
    expires_at = owner.invitation_expires_at or now
    return PendingInvitationExists(
        account=api.AccountOrigin(
            account_id=owner.account_id, company_name=owner.company_name, created_via=owner.created_via
        ),
        invitation=api.InvitationState(
            status=InvitationStatus.EXPIRED if now >= expires_at else InvitationStatus.PENDING,
            expires_at=expires_at,
        ),
    )


def new_invitation(
    services: Services, *, account: Account | EmailOwnership, email: str, now: datetime, invited_by: str | None = None
) -> tuple[Invitation, str]:
    """A fresh pending invitation and its token; the token exists only here and in the email."""
    token = services.new_token()
    expires_at = now + timedelta(seconds=services.settings.invitation_ttl_seconds)
    invitation = Invitation(
        token_hash=token_hash(token),
        invitation_id=sortable_id("inv"),
        account_id=account.account_id,
        company_name=account.company_name,
        created_via=account.created_via,
        email=email,
        status=InvitationStatus.PENDING,
        created_at=now,
        expires_at=expires_at,
        expires_epoch=int(expires_at.timestamp()),
        invited_by=invited_by,
    )
    return invitation, token


def admit(services: Services, log: MailLog, now: datetime) -> MailLog:
    settings = services.settings
    try:
        return admit_email(
            log, now, cooldown_seconds=settings.invite_cooldown_seconds, daily_limit=settings.invite_daily_limit
        )
    except RateLimited:
        count(Metric.RATE_LIMITED)
        logger.info("invitation email refused by the limits", extra={"email": mask_email(log.email)})
        raise


def deliver(
    services: Services,
    invitation: Invitation,
    token: str,
    *,
    mail_log: MailLog,
    now: datetime,
    ownership_before: EmailOwnership | None,
    new_account: Account | None = None,
    external_reference: ExternalReference | None = None,
) -> None:
    """Build the email, write the invitation (superseding the current one), then send; if sending fails, undo."""
    email = compose(
        InvitationEmail(
            to=invitation.email,
            company_name=invitation.company_name,
            created_via=invitation.created_via,
            link=f"{services.settings.accept_page_url}#token={token}",
            expires_at=invitation.expires_at,
        ),
        sender=services.settings.sender_email,
    )
    issue = Issue(
        invitation=invitation,
        mail_before=mail_log,
        mail_after=admit(services, mail_log, now),
        ownership_before=ownership_before,
        new_account=new_account,
        external_reference=external_reference,
    )
    try:
        services.store.issue(issue)
    except TransactionConflict as conflict:
        if set(conflict.failed) == {"mail_log"}:  # only that: another email to this address went out just now
            raise RateLimited(retry_after=max(1, services.settings.invite_cooldown_seconds)) from conflict
        raise  # the email changed hands or invitations meanwhile: the caller decides again on fresh reads
    log_extra = {"email": mask_email(invitation.email), "invitation_id": invitation.invitation_id}
    try:
        services.mailer.send(email)
    except MailDeliveryError as error:
        count(Metric.INVITATION_EMAIL_FAILURES)
        logger.warning("invitation email failed; undoing the invitation", extra={**log_extra, "error": str(error)})
        try:
            services.store.undo_issue(issue)
        except Exception:  # the answer is 503 either way; the leftover invitation was never mailed
            logger.exception("could not undo the invitation after the email failed", extra=log_extra)
        raise EmailDeliveryFailed(retry_after=max(1, min(30, services.settings.invite_cooldown_seconds))) from error
    count(Metric.INVITATIONS_SENT)
    logger.info("invitation sent", extra={**log_extra, "account_id": invitation.account_id})


def usable(invitation: Invitation | None, now: datetime) -> Invitation:
    """The invitation if its link can be used now; otherwise the error that explains why not."""
    if invitation is None:
        raise InvitationNotFound()
    status = invitation.status_at(now)
    if status in _UNUSABLE:
        raise _UNUSABLE[status]()
    return invitation


def _reissue(services: Services, email: str, owner: EmailOwnership, mail_log: MailLog) -> Invitation:
    now = services.clock()
    invitation, token = new_invitation(services, account=owner, email=email, now=now)
    deliver(services, invitation, token, mail_log=mail_log, now=now, ownership_before=owner)
    return invitation


# --- Public routes ---


def join(services: Services, *, account_id: str, email: str) -> api.InvitationSent:
    """The "Join COMPANY" button: a fresh invitation to an account the email is invited to; older links die."""

    def attempt() -> api.InvitationSent:
        owner, mail_log = services.store.email_record(email)
        if owner is None or owner.account_id != account_id:
            raise NotInvited()
        if owner.state is AdministratorState.ACTIVE:
            raise AlreadyMember()
        invitation = _reissue(services, email, owner, mail_log)
        return api.InvitationSent(email=email, expires_at=invitation.expires_at)

    return once_more_on_conflict(attempt)


def resend(services: Services, *, email: str) -> api.ResendReceived:
    """The "I did not get the email" link: one answer whatever the email's standing, and the same limits."""

    def attempt() -> api.ResendReceived:
        owner, mail_log = services.store.email_record(email)
        if owner is None or owner.state is AdministratorState.ACTIVE:
            try:
                services.store.record_mail(mail_log, admit(services, mail_log, services.clock()))
            except TransactionConflict as conflict:
                raise RateLimited(retry_after=max(1, services.settings.invite_cooldown_seconds)) from conflict
            logger.info("resend for an address without an invitation", extra={"email": mask_email(email)})
        else:
            _reissue(services, email, owner, mail_log)
        return api.ResendReceived()

    return once_more_on_conflict(attempt)


def preview(services: Services, *, token: str) -> api.InvitationPreview:
    invitation = usable(services.store.invitation(token_hash(token)), services.clock())
    return api.InvitationPreview(
        invitation_id=invitation.invitation_id,
        email=invitation.email,
        account_id=invitation.account_id,
        company_name=invitation.company_name,
        created_via=invitation.created_via,
        expires_at=invitation.expires_at,
    )


def accept(services: Services, *, token: str) -> api.AcceptedInvitation:
    """The invitee becomes an active administrator: one read, one transaction, no check-then-write."""
    now = services.clock()
    invitation = usable(services.store.invitation(token_hash(token)), now)
    try:
        services.store.accept(invitation, now)
    except TransactionConflict as conflict:
        found = conflict.failed.get("invitation")
        current = Invitation.model_validate(found) if found else services.store.invitation(invitation.token_hash)
        usable(current, now)  # raises what happened to it: accepted, superseded, revoked or expired meanwhile
        raise ConcurrentUpdate() from conflict
    count(Metric.INVITATIONS_ACCEPTED)
    logger.info(
        "invitation accepted",
        extra={"email": mask_email(invitation.email), "invitation_id": invitation.invitation_id},
    )
    return api.AcceptedInvitation(
        account_id=invitation.account_id, company_name=invitation.company_name, email=invitation.email
    )


def renew(services: Services, *, token: str) -> api.RenewedInvitation:
    """One click from an expired or superseded link: a new invitation to that invitation's own address."""

    def attempt() -> api.RenewedInvitation:
        invitation = services.store.invitation(token_hash(token))
        if invitation is None:
            raise InvitationNotFound()
        status = invitation.status_at(services.clock())
        if status not in _RENEWABLE:
            raise _UNUSABLE[status]()
        owner, mail_log = services.store.email_record(invitation.email)
        if owner is None or owner.account_id != invitation.account_id:
            raise InvitationRevoked()  # the email was freed since this link was sent
        if owner.state is AdministratorState.ACTIVE:
            raise InvitationAlreadyAccepted()  # accepted through a newer link
        renewed = _reissue(services, invitation.email, owner, mail_log)
        return api.RenewedInvitation(expires_at=renewed.expires_at)

    return once_more_on_conflict(attempt)


# --- Internal routes ---


def invite(services: Services, *, account_id: str, email: str, invited_by: str | None) -> api.PendingInvitation:
    """An administrator invites a colleague; a pending invitation for the same email is superseded."""

    def attempt() -> api.PendingInvitation:
        account = services.store.account(account_id)
        if account is None:
            raise AccountNotFound()
        owner, mail_log = services.store.email_record(email)
        now = services.clock()
        if owner is not None and owner.account_id != account_id:
            raise email_taken(owner, now)
        if owner is not None and owner.state is AdministratorState.ACTIVE:
            raise AlreadyMember()
        invitation, token = new_invitation(services, account=account, email=email, now=now, invited_by=invited_by)
        deliver(services, invitation, token, mail_log=mail_log, now=now, ownership_before=owner)
        return api.PendingInvitation(
            invitation_id=invitation.invitation_id, email=email, expires_at=invitation.expires_at
        )

    return once_more_on_conflict(attempt)


def list_invitations(
    services: Services, *, account_id: str, status: InvitationStatus | None, next_token: str | None, limit: int
) -> api.InvitationPage:
    """An account's invitations, newest first, with their status as of now, `limit` at a time."""
    if services.store.account(account_id) is None:
        raise AccountNotFound()
    before = next_token
    now = services.clock()
    items: list[api.InvitationSummary] = []
    while True:
        page = services.store.invitations_of(account_id, before_id=before, page_size=limit)
        for invitation in page:
            before = invitation.invitation_id
            current = invitation.status_at(now)
            if status is not None and current is not status:
                continue
            items.append(
                api.InvitationSummary(
                    invitation_id=invitation.invitation_id,
                    email=invitation.email,
                    status=current,
                    created_at=invitation.created_at,
                    expires_at=invitation.expires_at,
                )
            )
            if len(items) == limit:
                return api.InvitationPage(items=items, next_token=invitation.invitation_id)
        if len(page) < limit:
            return api.InvitationPage(items=items, next_token=None)


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
        services.store.revoke(invitation)
        logger.info("invitation revoked", extra={"email": mask_email(invitation.email), "invitation_id": invitation_id})

    once_more_on_conflict(attempt)
