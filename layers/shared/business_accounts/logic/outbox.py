"""The outbox: the email each `invitation.sent` event asks for, sent at least once, never with a link that is dead.

The event is written in the same transaction as its invitation (logic/issuing.py), and reaches this module from
the events table's stream (functions/invitation_mail), which retries it until it leaves or is dead-lettered.
Before sending, the email's record is read again: an invitation superseded, accepted, revoked or expired since,
or an address suppressed since, gets no email and its count back; one whose email already left (a duplicate of
the stream's) gets none again. The token is minted again from the invitation's id, so every email of one
invitation carries the same link. A refusal by SES (the email did not leave) is recorded as `rejected` and its
count given back; any other failure is raised, for the stream to try again (docs/design.md, "True answers").
"""

from __future__ import annotations

from enum import StrEnum

from business_accounts.logic.feedback import delivery_event, rank
from business_accounts.logic.invitation_email import MailRefused
from business_accounts.logic.issuing import message
from business_accounts.logic.services import Services
from business_accounts.logic.tokens import token_hash
from business_accounts.models.events import Actor, Event, EventType
from business_accounts.models.items import Delivery
from business_accounts.models.lifetime import epoch
from business_accounts.models.types import Budget, DeliveryStatus, InvitationStatus
from business_accounts.observability import Metric, count, logger, mask_email


class Sent(StrEnum):
    """What the outbox did with one event: the `make invoke` answer of its function, per record."""

    SENT = "sent"
    REFUSED = "refused"  # SES refused it for good; recorded as rejected, its count given back
    SKIPPED = "skipped"  # its invitation is no longer the one its email waits on, or the address is suppressed
    ALREADY_SENT = "already_sent"  # a duplicate of an email that left
    NOT_AN_EMAIL = "not_an_email"  # any other event


def send(services: Services, event: Event) -> Sent:
    """Mail the invitation `event` asks for, if it still should go (module docstring)."""
    if event.type is not EventType.INVITATION_SENT:
        return Sent.NOT_AN_EMAIL
    email, invitation_id = str(event.data["email"]), str(event.data["invitation_id"])
    budget, counted_at = Budget(event.data["budget"]), epoch(event.occurred_at)
    extra = {"email": mask_email(email), "invitation_id": invitation_id, "event_id": event.event_id}
    record = services.store.email_record(email)
    owner, now = record.owner, services.clock()
    token = services.mint(invitation_id)
    invitation = services.store.invitation(token_hash(token))
    waits_on_it = owner is not None and owner.invitation_id == invitation_id
    if record.suppression is not None or not waits_on_it or invitation is None:
        services.store.uncount_mail(email, budget, counted_at)
        logger.info("outbox: nothing to send any more", extra=extra)
        return Sent.SKIPPED
    if invitation.status_at(now) is not InvitationStatus.PENDING:
        services.store.uncount_mail(email, budget, counted_at)
        logger.info("outbox: the invitation is no longer pending", extra=extra)
        return Sent.SKIPPED
    if invitation.delivery is not None and invitation.delivery.left:
        logger.info("outbox: its email already left", extra=extra)
        return Sent.ALREADY_SENT
    try:
        services.mailer.send(message(services, invitation, token))
    except MailRefused as refused:
        rejected = Delivery(status=DeliveryStatus.REJECTED, at=now, rank=rank(DeliveryStatus.REJECTED, now))
        services.store.record_delivery(invitation, rejected, delivery_event(invitation, rejected, actor=Actor.SES))
        services.store.uncount_mail(email, budget, counted_at)
        count(Metric.INVITATION_EMAIL_FAILURES)
        logger.warning("outbox: SES refused the email", extra={**extra, "error": str(refused)})
        return Sent.REFUSED
    services.store.record_sent(invitation, now, delivery_event(invitation, Delivery.sent(now), actor=Actor.SES))
    count(Metric.INVITATIONS_SENT)  # counted once it left, never when it is only due
    logger.info("outbox: email sent", extra=extra)
    return Sent.SENT
