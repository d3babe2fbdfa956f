"""Sending an invitation, shared by the account and invitation logic: admit it, build it, write it, send it.

Also the answers both need: the 409 for an email that belongs to an account, the 409 for an address that
invitation emails no longer go to, and "decide once more" when a concurrent write got there first.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from business_accounts.logic.invitation_email import InvitationEmail, MailDeliveryError, compose
from business_accounts.logic.limits import admit_email
from business_accounts.logic.services import Services
from business_accounts.logic.store import Conflict, Issue, MailCounted
from business_accounts.logic.tokens import token_hash
from business_accounts.models import api
from business_accounts.models.errors import (
    AlreadyRegistered,
    ConcurrentUpdate,
    DomainError,
    EmailDeliveryFailed,
    EmailSuppressed,
    PendingInvitationExists,
    RateLimited,
)
from business_accounts.models.items import (
    Account,
    Delivery,
    EmailOwnership,
    ExternalReference,
    Invitation,
    MailLog,
    Suppression,
)
from business_accounts.models.languages import chosen
from business_accounts.models.lifetime import expiry
from business_accounts.models.types import AdministratorState, InvitationStatus, sortable_id
from business_accounts.observability import Metric, count, logger, mask_email


def once_more_on_conflict[T](operation: Callable[[], T]) -> T:
    """Run `operation`; if a concurrent write got there first, decide again once on fresh reads."""
    try:
        return operation()
    except Conflict:
        try:
            return operation()
        except Conflict as conflict:
            raise ConcurrentUpdate() from conflict


def email_taken(owner: EmailOwnership, now: datetime) -> DomainError:
    """The 409 for an email that already belongs to an account, as an administrator or an invitee."""
    if owner.state is AdministratorState.ACTIVE:
        return AlreadyRegistered(account=api.AccountRef(account_id=owner.account_id, company_name=owner.company_name))
    count(Metric.PENDING_INVITATIONS_ENCOUNTERED)
    return PendingInvitationExists(
        account=api.AccountOrigin(
            account_id=owner.account_id, company_name=owner.company_name, created_via=owner.created_via
        ),
        invitation=waiting_on(owner, now),
    )


def waiting_on(owner: EmailOwnership, now: datetime) -> api.InvitationState:
    """The invitation an invited email waits on, as of `now`, and what became of its email."""
    delivery = owner.invitation_delivery
    return api.InvitationState(
        status=owner.invitation_status(now),
        expires_at=owner.invitation_expires_at or now,
        delivery=shown(delivery) if delivery else None,
    )


def shown(delivery: Delivery) -> api.Delivery:
    """What became of an invitation email, as the API shows it (without the rank that orders reports)."""
    return api.Delivery(status=delivery.status, at=delivery.at)


def not_suppressed(suppression: Suppression | None) -> None:
    """Nothing more is mailed to an address whose person marked an invitation email as spam: 409 EMAIL_SUPPRESSED.

    Asked after everything that would refuse the request anyway, and before the limits: waiting would not help.
    """
    if suppression is not None:
        count(Metric.SUPPRESSED_EMAILS_REFUSED)
        logger.info("invitation email to a suppressed address refused", extra={"email": mask_email(suppression.email)})
        raise EmailSuppressed()


def new_invitation(
    services: Services,
    *,
    account: Account | EmailOwnership,
    email: str,
    now: datetime,
    locale: str,
    invited_by: str | None = None,
) -> tuple[Invitation, str]:
    """A fresh pending invitation and its token; the token exists only here and in the email."""
    token = services.new_token()
    invitation = Invitation(
        token_hash=token_hash(token),
        invitation_id=sortable_id("inv"),
        account_id=account.account_id,
        company_name=account.company_name,
        created_via=account.created_via,
        email=email,
        status=InvitationStatus.PENDING,
        created_at=now,
        expires_at=expiry(now, services.settings.invitation_ttl_seconds),
        invited_by=invited_by,
        locale=locale,
        delivery=Delivery.sent(now),
    )
    return invitation, token


def admit(services: Services, log: MailLog, now: datetime) -> MailLog:
    """The mail log with one more email, or RateLimited (counted and logged) past the cooldown or daily limit."""
    settings = services.settings
    try:
        return admit_email(
            log, now, cooldown_seconds=settings.invite_cooldown_seconds, daily_limit=settings.invite_daily_limit
        )
    except RateLimited:
        count(Metric.RATE_LIMITED)
        logger.info("invitation email refused by the limits", extra={"email": mask_email(log.email)})
        raise


def raced_by_another_email(services: Services) -> RateLimited:
    """Another invitation email to the address was counted between our read and our write: a double click."""
    return RateLimited(retry_after=max(1, services.settings.invite_cooldown_seconds))


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
    mail_after = admit(services, mail_log, now)  # refused by the limits: no email is built
    email = compose(
        InvitationEmail(
            to=invitation.email,
            company_name=invitation.company_name,
            created_via=invitation.created_via,
            link=f"{services.settings.accept_page_url}#token={token}",
            expires_at=invitation.expires_at,
            invitation_id=invitation.invitation_id,
            account_id=invitation.account_id,
            locale=invitation.locale,
        ),
        sender=services.settings.sender_email,
    )
    issue = Issue(
        invitation=invitation,
        mail_before=mail_log,
        mail_after=mail_after,
        ownership_before=ownership_before,
        new_account=new_account,
        external_reference=external_reference,
    )
    try:
        services.store.issue(issue)
    except MailCounted as counted:
        raise raced_by_another_email(services) from counted
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


def reissue(
    services: Services,
    email: str,
    owner: EmailOwnership,
    mail_log: MailLog,
    *,
    locale: str | None,
    accepted: str | None,
) -> Invitation:
    """A fresh invitation to the account the email is invited to, superseding its current one.

    Its language: the request's `locale`, else the current invitation's, else the request's `accepted` one
    (its Accept-Language), else English.
    """
    now = services.clock()
    language = chosen(locale, kept=owner.invitation_locale, accepted=accepted)
    invitation, token = new_invitation(services, account=owner, email=email, now=now, locale=language)
    deliver(services, invitation, token, mail_log=mail_log, now=now, ownership_before=owner)
    return invitation
