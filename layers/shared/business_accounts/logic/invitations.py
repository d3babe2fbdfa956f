"""Invitation logic: join, resend, preview, accept and renew a link; invite, list and revoke (internal)."""

from __future__ import annotations

from datetime import datetime

from business_accounts.logic.delivery import (
    admit,
    deliver,
    email_taken,
    new_invitation,
    not_suppressed,
    once_more_on_conflict,
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
)
from business_accounts.models.items import Delivery, Invitation
from business_accounts.models.languages import chosen
from business_accounts.models.types import AdministratorState, InvitationStatus
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


# --- Public routes ---


def join(
    services: Services, *, account_id: str, email: str, locale: str | None = None, accepted: str | None = None
) -> api.InvitationSent:
    """The "Join COMPANY" button: a fresh invitation to an account the email is invited to; older links die.

    `locale` is the language the request asks for; `accepted` the one its Accept-Language prefers (see reissue).
    """

    def attempt() -> api.InvitationSent:
        owner, mail_log, suppression = services.store.email_record(email)
        if owner is None or owner.account_id != account_id:
            raise NotInvited()
        if owner.state is AdministratorState.ACTIVE:
            raise AlreadyMember()
        not_suppressed(suppression)
        invitation = reissue(services, email, owner, mail_log, locale=locale, accepted=accepted)
        return api.InvitationSent(email=email, expires_at=invitation.expires_at)

    return once_more_on_conflict(attempt)


def resend(
    services: Services, *, email: str, locale: str | None = None, accepted: str | None = None
) -> api.ResendReceived:
    """The "I did not get the email" link: one answer whatever the email's standing, and the same limits.

    A suppressed address is answered as one without an invitation: counted, and nothing is sent.
    """

    def attempt() -> api.ResendReceived:
        owner, mail_log, suppression = services.store.email_record(email)
        if owner is None or owner.state is AdministratorState.ACTIVE or suppression is not None:
            try:
                services.store.record_mail(mail_log, admit(services, mail_log, services.clock()))
            except MailCounted as counted:
                raise raced_by_another_email(services) from counted
            standing = "suppressed" if suppression is not None else "no invitation"
            logger.info("resend sends nothing", extra={"email": mask_email(email), "standing": standing})
        else:
            reissue(services, email, owner, mail_log, locale=locale, accepted=accepted)
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
        locale=invitation.locale,
    )


def accept(services: Services, *, token: str) -> api.AcceptedInvitation:
    """The invitee becomes an active administrator: one read, one transaction, no check-then-write (read and
    written once more when the transaction raced another)."""

    def attempt() -> Invitation:
        now = services.clock()
        invitation = usable(services.store.invitation(token_hash(token)), now)
        try:
            services.store.accept(invitation, now)
        except InvitationChanged as changed:
            usable(changed.current, now)  # raises what happened to it: accepted, superseded, revoked or expired
            raise ConcurrentUpdate() from changed
        return invitation

    invitation = once_more_on_conflict(attempt)
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
        owner, mail_log, suppression = services.store.email_record(invitation.email)
        if owner is None or owner.account_id != invitation.account_id:
            raise InvitationRevoked()  # the email was freed since this link was sent
        if owner.state is AdministratorState.ACTIVE:
            raise InvitationAlreadyAccepted()  # accepted through a newer link
        not_suppressed(suppression)
        # In the language of the link's own invitation, whichever invitation the email waits on now.
        renewed = reissue(services, invitation.email, owner, mail_log, locale=invitation.locale, accepted=None)
        return api.RenewedInvitation(expires_at=renewed.expires_at)

    return once_more_on_conflict(attempt)


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
    """An administrator invites a colleague; a pending invitation for the same email is superseded.

    In the language `locale`, else the one `accepted` (the request's Accept-Language), else English.
    """

    def attempt() -> api.PendingInvitation:
        account = services.store.account(account_id)
        if account is None:
            raise AccountNotFound()
        owner, mail_log, suppression = services.store.email_record(email)
        now = services.clock()
        if owner is not None and owner.account_id != account_id:
            raise email_taken(owner, now)
        if owner is not None and owner.state is AdministratorState.ACTIVE:
            raise AlreadyMember()
        not_suppressed(suppression)
        language = chosen(locale, accepted=accepted)
        invitation, token = new_invitation(
            services, account=account, email=email, now=now, locale=language, invited_by=invited_by
        )
        deliver(services, invitation, token, mail_log=mail_log, now=now, ownership_before=owner)
        return api.PendingInvitation(
            invitation_id=invitation.invitation_id, email=email, expires_at=invitation.expires_at
        )

    return once_more_on_conflict(attempt)


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
                delivery=shown(invitation.delivery or Delivery.sent(invitation.created_at)),
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
        services.store.revoke(invitation)
        logger.info("invitation revoked", extra={"email": mask_email(invitation.email), "invitation_id": invitation_id})

    once_more_on_conflict(attempt)
