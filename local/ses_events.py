"""The local SES's delivery reports: each email sent gets SES's events, routed through the template's own rules.

As deployed, an email sent with a configuration set has its events (delivered, bounced, ...) published by the
set's event destination to EventBridge's default bus, where every rule whose pattern matches invokes its target.
Here the same path is read from template.yaml: the `AWS::SES::ConfigurationSetEventDestination` (which set, which
event types), and each function's `EventBridgeRule` events (their patterns, matched as EventBridge matches them).

What happens to an email is decided by its recipient, as SES's mailbox simulator decides it (`+label` allowed):
`success@`, `ooto@simulator.amazonses.com` and every other address are delivered; `bounce@` bounces (permanent,
user unknown); `suppressionlist@` bounces as an address on the suppression list; `complaint@` is delivered, then
marked as spam. Each report follows a couple of seconds after the one before it, as SES's do.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import functools
import heapq
import json
import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from moto.core import DEFAULT_ACCOUNT_ID
from moto.events.models import EventPattern
from moto.ses.models import ses_backends
from moto.sesv2.responses import SESV2Response

from tools.functions import events
from tools.template import ACCOUNT_ID, Stack

if TYPE_CHECKING:
    from local.pools import FunctionPool

log = logging.getLogger("local")
SIMULATOR_DOMAIN = "simulator.amazonses.com"
DEFAULT_BUS = "default"
# SES's event types: their name in an event destination, in the event record, and the event's detail-type.
_EVENT_TYPES = {
    "delivery": ("Delivery", "Email Delivered"),
    "deliveryDelay": ("DeliveryDelay", "Email Delivery Delayed"),
    "bounce": ("Bounce", "Email Bounced"),
    "complaint": ("Complaint", "Email Complaint Received"),
    "reject": ("Reject", "Email Rejected"),
}
_STATUS = {
    "Delivery": "delivered",
    "DeliveryDelay": "delayed",
    "Bounce": "bounced",
    "Complaint": "complained",
    "Reject": "rejected",
}


# --- What the local SES keeps of each email sent: tags, configuration set and time (moto keeps none of them) ---


@contextlib.contextmanager
def sending_options() -> Iterator[None]:
    """Within the block, each email sent through SES v2 keeps its `EmailTags`, its `ConfigurationSetName` and the
    time it was sent: what its reports and the inbox need, and what moto's SES drops (the one SES patch; its moto
    internals are held to their shape by tests/integration/test_local_patches.py)."""
    original = SESV2Response.send_email

    def send_email(response: SESV2Response) -> str:
        request = json.loads(response.body)
        answer = original(response)
        message_id = json.loads(answer)["MessageId"]
        for message in response.sesv2_backend.core_backend.sent_messages:
            if message.id == message_id:
                message.tags = {tag["Name"]: tag["Value"] for tag in request.get("EmailTags", [])}
                message.configuration_set = request.get("ConfigurationSetName")
                message.sent_at = datetime.now(UTC)
        return answer

    SESV2Response.send_email = send_email  # type: ignore[method-assign]
    try:
        yield
    finally:
        SESV2Response.send_email = original  # type: ignore[method-assign]


# --- The template's path from a configuration set to a function ---


@dataclass(frozen=True)
class Destination:
    """A configuration set's event destination on EventBridge's default bus, and the event types it publishes."""

    configuration_set: str
    event_types: frozenset[str]  # as the event record names them: Delivery, Bounce, ...


@dataclass(frozen=True)
class Rule:
    """An `EventBridgeRule` event of a function, on the default bus: its pattern, resolved, and its target."""

    function: str  # the target's logical ID
    event_name: str
    pattern: dict[str, Any]

    @property
    def name(self) -> str:
        return f"{self.function}.{self.event_name}"

    def matches(self, event: dict[str, Any]) -> bool:
        return bool(EventPattern(None, self.pattern).matches_event(event))


def destinations(stack: Stack) -> list[Destination]:
    """The template's event destinations that publish to EventBridge's default bus."""
    found = []
    for logical_id in stack.logical_ids("AWS::SES::ConfigurationSetEventDestination"):
        properties = stack.properties(logical_id)
        destination = properties["EventDestination"]
        bus = destination.get("EventBridgeDestination", {}).get("EventBusArn", "")
        if destination.get("Enabled") and bus.endswith(f":event-bus/{DEFAULT_BUS}"):
            types = {_EVENT_TYPES[name][0] for name in destination["MatchingEventTypes"] if name in _EVENT_TYPES}
            found.append(Destination(properties["ConfigurationSetName"], frozenset(types)))
    return found


def rules(stack: Stack) -> list[Rule]:
    """Every function's EventBridge rule on the default bus, with its pattern as CloudFormation resolves it."""
    return [
        Rule(event.function.logical_id, event.name, stack.resolve(event.properties["Pattern"]))
        for event in events("EventBridgeRule", "CloudWatchEvent")
        if event.properties.get("EventBusName") in (None, DEFAULT_BUS)
    ]


# --- The mailbox simulator ---


@dataclass(frozen=True)
class Sent:
    """An email the local SES accepted, as its reports describe it."""

    message_id: str
    sender: str
    recipients: tuple[str, ...]
    subject: str
    sent_at: datetime
    tags: dict[str, str]
    configuration_set: str | None


def outcome(recipient: str) -> list[tuple[str, dict[str, Any]]]:
    """What SES's mailbox simulator reports for `recipient`: (event type, its part of the record), in order."""
    local, _, domain = recipient.lower().rpartition("@")
    scenario = local.split("+", 1)[0] if domain == SIMULATOR_DOMAIN else "success"
    delivered = {"smtpResponse": "250 2.6.0 Message received", "reportingMTA": "a4-25.smtp-out.amazonses.com"}
    if scenario == "bounce":
        return [("Bounce", _bounce("General", recipient, "5.1.1", "smtp; 550 5.1.1 user unknown"))]
    if scenario == "suppressionlist":
        reason = "Amazon SES has suppressed sending to this address because it has a recent history of bouncing"
        return [("Bounce", _bounce("Suppressed", recipient, "5.1.1", reason))]
    if scenario == "complaint":
        return [
            ("Delivery", {**delivered, "recipients": [recipient]}),
            (
                "Complaint",
                {
                    "complainedRecipients": [{"emailAddress": recipient}],
                    "complaintFeedbackType": "abuse",
                    "userAgent": "Amazon SES Mailbox Simulator",
                    "feedbackId": _feedback_id(),
                },
            ),
        ]
    return [("Delivery", {**delivered, "recipients": [recipient]})]  # success@, ooto@ and every other address


def _bounce(sub_type: str, recipient: str, status: str, diagnostic: str) -> dict[str, Any]:
    return {
        "bounceType": "Permanent",
        "bounceSubType": sub_type,
        "bouncedRecipients": [
            {"emailAddress": recipient, "action": "failed", "status": status, "diagnosticCode": diagnostic}
        ],
        "feedbackId": _feedback_id(),
        "reportingMTA": "dns; a4-25.smtp-out.amazonses.com",
    }


def _feedback_id() -> str:
    return f"{uuid.uuid4().hex[:16]}-{uuid.uuid4()}-000000"


def _ses_time(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{instant.microsecond // 1000:03d}Z"


def event(sent: Sent, event_type: str, part: dict[str, Any], at: datetime, region: str) -> dict[str, Any]:
    """The EventBridge event SES publishes for one report about `sent` (SES's documented event record)."""
    tags = {name: [value] for name, value in sent.tags.items()}
    tags |= {
        "ses:from-domain": [sent.sender.rpartition("@")[2]],
        "ses:source-ip": ["127.0.0.1"],
        "ses:caller-identity": ["local"],
    }
    if sent.configuration_set:
        tags["ses:configuration-set"] = [sent.configuration_set]
    mail = {
        "timestamp": _ses_time(sent.sent_at),
        "source": sent.sender,
        "sourceArn": f"arn:aws:ses:{region}:{ACCOUNT_ID}:identity/{sent.sender}",
        "sendingAccountId": ACCOUNT_ID,
        "messageId": sent.message_id,
        "destination": list(sent.recipients),
        "headersTruncated": False,
        "commonHeaders": {
            "from": [sent.sender],
            "to": list(sent.recipients),
            "messageId": sent.message_id,
            "subject": sent.subject,
        },
        "tags": tags,
    }
    record_name = event_type[0].lower() + event_type[1:]
    detail: dict[str, Any] = {"eventType": event_type, "mail": mail}
    detail[record_name] = part if event_type == "Reject" else {**part, "timestamp": _ses_time(at)}
    detail_type = next(name for record, name in _EVENT_TYPES.values() if record == event_type)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": "aws.ses",
        "account": ACCOUNT_ID,
        "time": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [],
        "detail": detail,
    }


@dataclass(order=True)
class _Due:
    at: datetime
    number: int
    publish: Callable[[], None] = field(compare=False)


class Reports:
    """Watches what the local SES sends, and publishes each email's reports a couple of seconds later."""

    def __init__(self, stack: Stack, pools: dict[str, FunctionPool], *, delay_seconds: float = 2.0) -> None:
        self.region = stack.region
        self.destinations = destinations(stack)
        self.rules = [rule for rule in rules(stack) if rule.function in pools]
        self._pools = pools
        self._delay = timedelta(seconds=delay_seconds)
        self._seen = 0
        self._due: list[_Due] = []
        self._count = 0

    def run(self, stop: threading.Event) -> None:
        while not stop.wait(0.2):
            self._take_new_emails()
            now = datetime.now(UTC)
            while self._due and self._due[0].at <= now:
                heapq.heappop(self._due).publish()

    def _take_new_emails(self) -> None:
        messages = ses_backends[DEFAULT_ACCOUNT_ID][self.region].sent_messages
        for message in messages[self._seen :]:
            sent = _sent(message)
            at = sent.sent_at
            for recipient in sent.recipients:
                for event_type, part in outcome(recipient):
                    at += self._delay
                    self._schedule(at, functools.partial(self._report, message, sent, event_type, part, at))
        self._seen = len(messages)

    def _schedule(self, at: datetime, publish: Callable[[], None]) -> None:
        self._count += 1
        heapq.heappush(self._due, _Due(at, self._count, publish))

    def _report(self, message: Any, sent: Sent, event_type: str, part: dict[str, Any], at: datetime) -> None:
        """SES's side: the report is published only through a destination of the email's configuration set."""
        status = _STATUS[event_type]
        message.delivery = {"status": status, "at": at.strftime("%Y-%m-%dT%H:%M:%SZ")}  # what the inbox shows
        published = [
            destination
            for destination in self.destinations
            if destination.configuration_set == sent.configuration_set and event_type in destination.event_types
        ]
        if not published:
            log.info(
                "ses %s for %s: no event destination of its configuration set publishes it", status, sent.message_id
            )
            return
        self.publish(event(sent, event_type, part, at, self.region))

    def publish(self, published: dict[str, Any]) -> None:
        """EventBridge's side: every rule whose pattern matches invokes its target, asynchronously."""
        for rule in self.rules:
            if rule.matches(published):
                target = self._pools[rule.function]
                threading.Thread(target=_invoke, args=(rule, target, published), name=rule.name, daemon=True).start()


def _sent(message: Any) -> Sent:
    raw = getattr(message, "raw_data", None)
    subject = (
        message.subject if raw is None else str(email.message_from_string(raw, policy=email.policy.default)["Subject"])
    )
    recipients = message.destinations if raw is not None else message.destinations.get("ToAddresses", [])
    return Sent(
        message_id=message.id,
        sender=message.source,
        recipients=tuple(dict.fromkeys(recipients)),
        subject=subject,
        sent_at=getattr(message, "sent_at", None) or datetime.now(UTC),
        tags=getattr(message, "tags", {}),
        configuration_set=getattr(message, "configuration_set", None),
    )


def _invoke(rule: Rule, target: FunctionPool, published: dict[str, Any]) -> None:
    outcome = target.invoke(published)
    if outcome.error is not None:
        log.warning("rule %s: %s failed: %s", rule.name, published["detail-type"], outcome.error.get("errorMessage"))
    else:
        log.info("rule %s: %s -> %s", rule.name, published["detail-type"], json.dumps(outcome.result))


def start(reports: Reports, stop: threading.Event) -> None:
    threading.Thread(target=reports.run, args=(stop,), name="ses-reports", daemon=True).start()
