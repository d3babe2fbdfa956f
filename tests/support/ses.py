"""SES's delivery reports as EventBridge hands them to DeliveryEventsFunction, made from the documented samples in
events/ (ses_*.json) for any invitation, address and time."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from tests.support.environment import REGION
from tests.support.events import LambdaContext, load_event
from tools.functions import functions, template
from tools.template import Stack

# Each report, by the sample it is made from.
DELIVERED, DELAYED, COMPLAINED, REJECTED = "ses_delivery", "ses_delivery_delay", "ses_complaint", "ses_reject"
BOUNCED, BOUNCED_TRANSIENT = "ses_bounce_permanent", "ses_bounce_transient"
SAMPLES = (DELIVERED, DELAYED, BOUNCED, BOUNCED_TRANSIENT, COMPLAINED, REJECTED)
# Where each event type keeps its time and its recipients.
_RECORDS = {
    "Delivery": ("delivery", "recipients"),
    "DeliveryDelay": ("deliveryDelay", "delayedRecipients"),
    "Bounce": ("bounce", "bouncedRecipients"),
    "Complaint": ("complaint", "complainedRecipients"),
}


def ses_time(instant: datetime) -> str:
    """An instant as SES writes it: UTC, to the millisecond."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{instant.microsecond // 1000:03d}Z"


def report(
    sample: str,
    *,
    invitation_id: str | None,
    account_id: str | None,
    email: str,
    at: datetime,
) -> dict[str, Any]:
    """The sample, about the email of `invitation_id` in `account_id` sent to `email`, reporting what happened at `at`.

    `invitation_id` or `account_id` None: an email sent without that tag (not an invitation email).
    """
    event: dict[str, Any] = copy.deepcopy(load_event(sample))
    detail = event["detail"]
    mail = detail["mail"]
    mail["destination"] = [email]
    mail["commonHeaders"]["to"] = [email]
    for tag, value in (("invitation_id", invitation_id), ("account_id", account_id)):
        if value is None:
            mail["tags"].pop(tag)
        else:
            mail["tags"][tag] = [value]
    if detail["eventType"] in _RECORDS:
        record_name, recipients = _RECORDS[detail["eventType"]]
        record = detail[record_name]
        record["timestamp"] = ses_time(at)
        record[recipients] = (
            [email] if recipients == "recipients" else [{**record[recipients][0], "emailAddress": email}]
        )
    else:  # a reject has no time of its own: SES rejects as it takes the email
        mail["timestamp"] = ses_time(at)
    event["time"] = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return event


def deliver_report(event: dict[str, Any]) -> dict[str, Any]:
    """What DeliveryEventsFunction answers to `event`, invoked as EventBridge invokes it."""
    function = functions()["DeliveryEventsFunction"]
    answer: dict[str, Any] = function.entry_point()(event, LambdaContext(function_name=function.logical_id))
    return answer


def rules_matching(event: dict[str, Any]) -> list[str]:
    """The template's EventBridge rules (as `Function.Event`) whose pattern matches `event` on the default bus."""
    from local.ses_events import rules  # moto's pattern matcher: imported only where a test matches rules

    return [rule.name for rule in rules(Stack(template(), REGION)) if rule.matches(event)]
