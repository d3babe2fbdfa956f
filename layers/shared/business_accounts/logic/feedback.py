"""Delivery feedback: what SES reports about invitation emails, recorded on their invitations; complaints stop them.

SES publishes each report (delivered, delayed, bounced, complained, rejected) to EventBridge at least once and in
no particular order. The invitation is found from the message tags the email was sent with (its id and account,
never its token or the token's hash), and a report is kept only where it outranks what the invitation holds:

- **the later event wins**, by the time SES saw it happen (not the time the report arrives);
- **the graver wins where two are as late**: sent < delivered < delayed < bounced < rejected < complained.

So a `delivered` that arrives after a `bounced` but happened before it cannot hide the bounce, a duplicate changes
nothing, and the store enforces the rule with conditional writes, never read-then-write.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.alias_generators import to_camel

from business_accounts.logic.invitation_email import ACCOUNT_TAG, INVITATION_TAG
from business_accounts.logic.services import Services
from business_accounts.models.events import Actor, EventType, NewEvent
from business_accounts.models.items import Delivery, Invitation, Suppression
from business_accounts.models.mailbox import normalise_email
from business_accounts.models.types import DeliveryStatus, iso
from business_accounts.observability import Metric, count, logger, mask_email

# The ordering rule's tie-break: how grave each status is, least first.
SEVERITY = (
    DeliveryStatus.SENT,
    DeliveryStatus.DELIVERED,
    DeliveryStatus.DELAYED,
    DeliveryStatus.BOUNCED,
    DeliveryStatus.REJECTED,
    DeliveryStatus.COMPLAINED,
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_METRICS = {
    DeliveryStatus.DELIVERED: Metric.INVITATIONS_DELIVERED,
    DeliveryStatus.DELAYED: Metric.INVITATIONS_DELAYED,
    DeliveryStatus.BOUNCED: Metric.INVITATIONS_BOUNCED,
    DeliveryStatus.COMPLAINED: Metric.INVITATIONS_COMPLAINED,
    DeliveryStatus.REJECTED: Metric.INVITATIONS_REJECTED,
}


def rank(status: DeliveryStatus, at: datetime) -> int:
    """The ordering rule as one number: event time in milliseconds, then severity. A greater rank wins."""
    return (at - _EPOCH) // timedelta(milliseconds=1) * len(SEVERITY) + SEVERITY.index(status)


# --- SES event records (the `detail` of an EventBridge event from SES), as far as delivery feedback reads them ---


class _Record(BaseModel):
    """Built on first use (api.Schema says why): the internal API imports this module only to lift a suppression."""

    model_config = ConfigDict(alias_generator=to_camel, extra="ignore", frozen=True, defer_build=True)


class _Recipient(_Record):
    email_address: str


class _Mail(_Record):
    timestamp: datetime
    destination: list[str] = []
    tags: dict[str, list[str]] = {}


class _Delivered(_Record):
    timestamp: datetime
    recipients: list[str] = []


class _Bounced(_Record):
    timestamp: datetime
    bounce_type: str = ""
    bounced_recipients: list[_Recipient] = []


class _Complained(_Record):
    timestamp: datetime
    complained_recipients: list[_Recipient] = []


class _Delayed(_Record):
    timestamp: datetime
    delayed_recipients: list[_Recipient] = []


class _SesEvent(_Record):
    event_type: str
    mail: _Mail
    delivery: _Delivered | None = None
    delivery_delay: _Delayed | None = None
    bounce: _Bounced | None = None
    complaint: _Complained | None = None
    reject: dict[str, Any] | None = None  # no time of its own: SES rejects when it takes the email


@dataclass(frozen=True)
class Report:
    """One SES report about one email: what happened, when, to whom, and the invitation the email's tags name."""

    status: DeliveryStatus
    at: datetime  # to the millisecond, as SES wrote it
    recipients: tuple[str, ...]  # as SES names them (ASCII, the domain in Punycode)
    invitation_id: str | None
    account_id: str | None

    @property
    def delivery(self) -> Delivery:
        return Delivery(status=self.status, at=self.at, rank=rank(self.status, self.at))


class UnreadableReport(ValueError):
    """An SES event whose `detail` is not an SES event record: it names where and what is wrong, never a value (the
    values hold addresses, and the message reaches the function's log and its trace)."""


def read_report(event: Mapping[str, Any]) -> Report | None:
    """The report in an EventBridge event from SES; None for an SES event that is not a delivery report.

    A `detail` that is not an SES event record raises UnreadableReport: the invocation fails, is retried, and
    lands in the dead-letter queue, where an alarm shows it.
    """
    try:
        ses = _SesEvent.model_validate(event["detail"])
    except ValidationError as error:
        problems = error.errors(include_url=False, include_context=False, include_input=False)
        raise UnreadableReport("; ".join(f"{'.'.join(map(str, p['loc']))}: {p['type']}" for p in problems)) from None
    tags = {name: values[0] for name, values in ses.mail.tags.items() if values}
    found: tuple[DeliveryStatus, datetime, list[str]] | None = None
    if ses.event_type == "Delivery" and ses.delivery:
        found = DeliveryStatus.DELIVERED, ses.delivery.timestamp, ses.delivery.recipients
    elif ses.event_type == "DeliveryDelay" and ses.delivery_delay:
        delayed = ses.delivery_delay
        found = DeliveryStatus.DELAYED, delayed.timestamp, [r.email_address for r in delayed.delayed_recipients]
    elif ses.event_type == "Bounce" and ses.bounce:  # permanent, or transient once SES stopped retrying
        bounce = ses.bounce
        found = DeliveryStatus.BOUNCED, bounce.timestamp, [r.email_address for r in bounce.bounced_recipients]
    elif ses.event_type == "Complaint" and ses.complaint:
        complaint = ses.complaint
        found = (
            DeliveryStatus.COMPLAINED,
            complaint.timestamp,
            [r.email_address for r in complaint.complained_recipients],
        )
    elif ses.event_type == "Reject":
        found = DeliveryStatus.REJECTED, ses.mail.timestamp, ses.mail.destination
    if found is None:
        return None
    status, at, recipients = found
    return Report(
        status, at, tuple(recipients or ses.mail.destination), tags.get(INVITATION_TAG), tags.get(ACCOUNT_TAG)
    )


@dataclass(frozen=True)
class Outcome:
    """What recording one event did: the `make invoke` answer of the function."""

    delivery: DeliveryStatus | None  # what SES reported; None: not a report about an invitation email
    recorded: bool  # the invitation took it (False: a duplicate, outranked by what it holds, or no such invitation)
    suppressed: bool  # this report stopped invitation emails to its address


def record(services: Services, event: Mapping[str, Any]) -> Outcome:
    """Record an SES report on its invitation (and its email's ownership), and stop mail to who complained."""
    report = read_report(event)
    if report is None or report.invitation_id is None or report.account_id is None:
        logger.info("not a delivery report about an invitation email", extra={"detail_type": event.get("detail-type")})
        return Outcome(delivery=report.status if report else None, recorded=False, suppressed=False)
    extra = {"invitation_id": report.invitation_id, "delivery": report.status.value}
    invitation = services.store.find_invitation(report.account_id, report.invitation_id)
    suppressed = False
    if report.status is DeliveryStatus.COMPLAINED:
        emails = [invitation.email] if invitation else _mailboxes(report.recipients)
        for email in emails:
            suppression = Suppression(
                email=email, at=report.at, invitation_id=report.invitation_id, account_id=report.account_id
            )
            data = {"email": email, "invitation_id": report.invitation_id}
            told = NewEvent(EventType.EMAIL_SUPPRESSED, report.account_id, Actor.SES, report.at, data)
            suppressed |= services.store.suppress(suppression, told)
            logger.info("invitation emails to this address stopped", extra={**extra, "email": mask_email(email)})
    if invitation is None:  # never sent by us, or deleted by TTL long after expiry
        logger.warning("delivery report about an invitation that does not exist", extra=extra)
        return Outcome(delivery=report.status, recorded=False, suppressed=suppressed)
    recorded = services.store.record_delivery(invitation, report.delivery, delivery_event(invitation, report.delivery))
    if recorded:
        count(_METRICS[report.status])
    logger.info(
        "delivery report recorded" if recorded else "delivery report already outranked",
        extra={**extra, "email": mask_email(invitation.email)},
    )
    return Outcome(delivery=report.status, recorded=recorded, suppressed=suppressed)


def delivery_event(invitation: Invitation, delivery: Delivery, *, actor: Actor = Actor.SES) -> NewEvent:
    """The timeline's record of what became of an invitation's email (SES's report, or the outbox's own)."""
    data = {
        "invitation_id": invitation.invitation_id,
        "email": invitation.email,
        "status": delivery.status.value,
        "at": iso(delivery.at),
    }
    return NewEvent(EventType.INVITATION_DELIVERY, invitation.account_id, actor, delivery.at, data)


def _mailboxes(recipients: tuple[str, ...]) -> list[str]:
    """The recipients in the mailbox grammar's normal form (the form emails are stored in); others are left out."""
    found = []
    for recipient in recipients:
        try:
            found.append(normalise_email(recipient))
        except ValueError:
            logger.warning("a recipient SES named is not a mailbox", extra={"email": mask_email(recipient)})
    return found


def lift_suppression(services: Services, *, email: str) -> None:
    """Invitation emails may go to the address again (support's decision); lifting twice is not an error."""
    now = services.clock()

    def lifted(suppression: Suppression) -> NewEvent | None:
        if suppression.account_id is None:  # stored before timelines: no account to tell
            return None
        return NewEvent(EventType.EMAIL_UNSUPPRESSED, suppression.account_id, Actor.SUPPORT, now, {"email": email})

    done = services.store.lift_suppression(email, lifted)
    logger.info("suppression lifted" if done else "no suppression to lift", extra={"email": mask_email(email)})
