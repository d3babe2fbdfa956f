"""Issuing an invitation, shared by the account and invitation logic: admit it, build it, write it with its events.

The email itself is not sent here: the invitation's `invitation.sent` event, written in the same transaction,
is the outbox that logic/outbox.py sends from (docs/design.md, "True answers under faults"). Also the answers
both need: the 409 for an email that belongs to an account, the 409 for a suppressed address, and "decide once
more" when a concurrent write got there first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from business_accounts.logic.invitation_email import ComposedEmail, InvitationEmail, compose
from business_accounts.logic.limits import admit_email, seconds_until_admitted
from business_accounts.logic.services import Services
from business_accounts.logic.store import Conflict, EmailRecord, Issue, MailCounted
from business_accounts.logic.tokens import token_hash
from business_accounts.models import api
from business_accounts.models.errors import (
    AlreadyRegistered,
    ConcurrentUpdate,
    DomainError,
    EmailSuppressed,
    PendingInvitationExists,
    RateLimited,
)
from business_accounts.models.events import Actor, EventType, NewEvent
from business_accounts.models.items import (
    Account,
    Delivery,
    EmailOwnership,
    ExternalReference,
    Invitation,
    MailLog,
    Suppression,
)
from business_accounts.models.languages import Language, chosen
from business_accounts.models.lifetime import expiry
from business_accounts.models.types import (
    AdministratorState,
    Budget,
    DeliveryStatus,
    InvitationPurpose,
    InvitationStatus,
    iso,
    sortable_id,
)
from business_accounts.observability import Metric, count, logger, mask_email

# What the public may learn of an invitation's email (SPEC: public answers): whether it bounced, nothing else.
_PUBLIC_DELIVERY = frozenset({DeliveryStatus.BOUNCED, DeliveryStatus.REJECTED})


# An email can change hands twice under a request: free, then an unverified claim, then a back office's; so a
# request decides at most three times, each on fresh reads, before it answers 409 CONCURRENT_UPDATE.
DECISIONS = 3


def decided_on_fresh_reads[T](operation: Callable[[], T]) -> T:
    """Run `operation`; each time a concurrent write got there first, decide again on fresh reads (DECISIONS)."""
    for _ in range(DECISIONS - 1):
        try:
            return operation()
        except Conflict:
            continue
    try:
        return operation()
    except Conflict as conflict:
        raise ConcurrentUpdate() from conflict


def email_taken(services: Services, record: EmailRecord, now: datetime) -> DomainError:
    """The 409 for an email that already belongs to an account, as an administrator or an invitee."""
    owner = record.owner
    assert owner is not None
    if owner.state is AdministratorState.ACTIVE:
        return AlreadyRegistered(account=api.AccountRef(account_id=owner.account_id, company_name=owner.company_name))
    count(Metric.PENDING_INVITATIONS_ENCOUNTERED)
    return PendingInvitationExists(
        account=api.AccountOrigin(
            account_id=owner.account_id, company_name=owner.company_name, created_via=owner.created_via
        ),
        invitation=waiting_publicly(services, record, now),
    )


def waiting_publicly(services: Services, record: EmailRecord, now: datetime) -> api.PublicInvitationState:
    """The invitation (or confirmation) an invited email waits on, as of `now`, as a public answer tells it."""
    owner = record.owner
    assert owner is not None
    delivery = owner.invitation_delivery
    return api.PublicInvitationState(
        status=owner.invitation_status(now),
        expires_at=owner.invitation_expires_at or now,
        delivery=shown(delivery) if delivery and delivery.status in _PUBLIC_DELIVERY else None,
        next_email_in=wait_for_next_email(services, record.log(Budget.PUBLIC), now),
    )


def waiting_on(owner: EmailOwnership, now: datetime) -> api.InvitationState:
    """The invitation an invited email waits on, as of `now`, and what became of its email (internal answers)."""
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
    language: Language,
    purpose: InvitationPurpose = InvitationPurpose.INVITATION,
    invited_by: str | None = None,
) -> tuple[Invitation, str]:
    """A fresh pending invitation and its token, minted from its id: here for its hash (and to build its email
    once, before anything is written), by the outbox again for the link. The token is never stored."""
    invitation_id = sortable_id("inv")
    token = services.mint(invitation_id)
    invitation = Invitation(
        token_hash=token_hash(token),
        invitation_id=invitation_id,
        account_id=account.account_id,
        company_name=account.company_name,
        created_via=account.created_via,
        email=email,
        status=InvitationStatus.PENDING,
        created_at=now,
        expires_at=expiry(now, services.settings.invitation_ttl_seconds),
        invited_by=invited_by,
        purpose=purpose,
        locale=language.locale,
        locale_chosen=language.chosen,
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
        logger.info(
            "invitation email refused by the limits", extra={"email": mask_email(log.email), "budget": log.budget}
        )
        raise


def wait_for_next_email(services: Services, log: MailLog, now: datetime) -> int:
    """Seconds until one more email of `log`'s budget would be admitted (0: now)."""
    settings = services.settings
    return seconds_until_admitted(
        log, now, cooldown_seconds=settings.invite_cooldown_seconds, daily_limit=settings.invite_daily_limit
    )


def raced_by_another_email(services: Services) -> RateLimited:
    """Another invitation email to the address was counted between our read and our write: a double click."""
    return RateLimited(retry_after=max(1, services.settings.invite_cooldown_seconds))


def message(services: Services, invitation: Invitation, token: str) -> ComposedEmail:
    """The whole email of `invitation`, its link carrying `token`: what the outbox sends."""
    return compose(
        InvitationEmail(
            to=invitation.email,
            company_name=invitation.company_name,
            created_via=invitation.created_via,
            link=f"{services.settings.accept_page_url}#token={token}",
            expires_at=invitation.expires_at,
            invitation_id=invitation.invitation_id,
            account_id=invitation.account_id,
            locale=invitation.locale,
            purpose=invitation.purpose,
        ),
        sender=services.settings.sender_email,
    )


def sent_event(
    invitation: Invitation, *, actor: Actor, reason: str, budget: Budget, at: datetime | None = None
) -> NewEvent:
    """The outbox entry and the timeline's record of one invitation email: what to send, to whom, and why."""
    data = {
        "invitation_id": invitation.invitation_id,
        "email": invitation.email,
        "purpose": invitation.purpose.value,
        "company_name": invitation.company_name,
        "created_via": invitation.created_via.value,
        "expires_at": iso(invitation.expires_at),
        "locale": invitation.locale,
        "reason": reason,
        "budget": budget.value,
    }
    if invitation.invited_by:
        data["invited_by"] = invitation.invited_by
    # `at`: when an email of an invitation issued earlier was asked for again; it is counted at that second.
    return NewEvent(EventType.INVITATION_SENT, invitation.account_id, actor, at or invitation.created_at, data)


def superseded_event(owner: EmailOwnership, by: Invitation, actor: Actor) -> NewEvent:
    data = {"invitation_id": owner.invitation_id, "email": owner.email, "by": by.invitation_id}
    return NewEvent(EventType.INVITATION_SUPERSEDED, owner.account_id, actor, by.created_at, data)


def discarded_events(claim: EmailOwnership, *, now: datetime, actor: Actor, reason: str) -> list[NewEvent]:
    """An unverified claim given up for another: its confirmation stops working and its account goes."""
    data = {"invitation_id": claim.invitation_id, "email": claim.email}
    return [
        NewEvent(EventType.INVITATION_SUPERSEDED, claim.account_id, actor, now, data),
        NewEvent(EventType.ACCOUNT_DISCARDED, claim.account_id, actor, now, {"email": claim.email, "reason": reason}),
    ]


def issue(
    services: Services,
    invitation: Invitation,
    token: str,
    record: EmailRecord,
    *,
    budget: Budget,
    actor: Actor,
    reason: str,
    new_account: Account | None = None,
    external_reference: ExternalReference | None = None,
    account_events: Sequence[NewEvent] = (),
) -> None:
    """Write `invitation` with its email due: superseding the one the email waits on (if it waits on one of the
    same account), or taking it from an unverified claim, or claiming it free; counted against `budget`.

    Refused by the limits before anything is written; a double click that raced us answers 429 too. Its email is
    built once first (the outbox builds it again to send it), so an email that cannot be built leaves nothing.
    """
    now = invitation.created_at
    log = record.log(budget)
    mail_after = admit(services, log, now)
    message(services, invitation, token)
    owner = record.owner
    discarded = owner if owner is not None and owner.unverified and owner.account_id != invitation.account_id else None
    replaces = owner if owner is not None and discarded is None else None
    events = [*account_events]
    if discarded is not None:
        events += discarded_events(discarded, now=now, actor=actor, reason=reason)
    if replaces is not None and replaces.invitation_id:
        events.append(superseded_event(replaces, invitation, actor))
    events.append(sent_event(invitation, actor=actor, reason=reason, budget=budget))
    try:
        services.store.issue(
            Issue(
                invitation=invitation,
                mail_before=log,
                mail_after=mail_after,
                events=tuple(events),
                ownership_before=replaces,
                new_account=new_account,
                external_reference=external_reference,
                discarded=discarded,
            )
        )
    except MailCounted as counted:
        raise raced_by_another_email(services) from counted
    logger.info(
        "invitation issued; its email is due",
        extra={"email": mask_email(invitation.email), "invitation_id": invitation.invitation_id, "reason": reason},
    )


def kept_language(owner: EmailOwnership, *, locale: str | None, accepted: str | None) -> Language:
    """The language of a re-sent invitation: the request's `locale`, else the current invitation's if someone chose
    it, else the request's Accept-Language (`accepted`), else the current default (models/languages.chosen)."""
    return chosen(locale, kept=owner.invitation_locale, kept_chosen=owner.invitation_locale_chosen, accepted=accepted)


def reissue(services: Services, record: EmailRecord, *, language: Language, actor: Actor, reason: str) -> Invitation:
    """A fresh invitation (or confirmation) to the account the email is invited to, superseding its current one,
    counted against the public budget: join, resend and renew are the public's to ask for."""
    owner = record.owner
    assert owner is not None
    purpose = InvitationPurpose.CONFIRMATION if owner.unverified else InvitationPurpose.INVITATION
    invitation, token = new_invitation(
        services, account=owner, email=owner.email, now=services.clock(), language=language, purpose=purpose
    )
    issue(services, invitation, token, record, budget=Budget.PUBLIC, actor=actor, reason=reason)
    return invitation
