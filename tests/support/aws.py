"""AWS on moto for tests: the tables and SES identity exactly as template.yaml declares them, mail and call counts."""

from __future__ import annotations

import email
import email.policy
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

import boto3
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from tools.functions import template

REGION = "eu-west-1"
SENDER = "no-reply@example.com"
TABLE_NAMES = {
    "AccountsTable": "test-accounts",
    "InvitationsTable": "test-invitations",
    "IdempotencyTable": "test-idempotency",
}
_TABLE_PROPERTIES = ("KeySchema", "AttributeDefinitions", "GlobalSecondaryIndexes", "BillingMode")


def create_tables() -> None:
    """Each table with the keys, indexes and TTL of its template definition, so the schema cannot drift."""
    client = boto3.client("dynamodb", region_name=REGION)
    resources = template()["Resources"]
    for logical_id, name in TABLE_NAMES.items():
        properties = resources[logical_id]["Properties"]
        client.create_table(TableName=name, **{key: properties[key] for key in _TABLE_PROPERTIES if key in properties})
        if ttl := properties.get("TimeToLiveSpecification"):
            client.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)


def verify_sender() -> None:
    boto3.client("sesv2", region_name=REGION).create_email_identity(EmailIdentity=SENDER)


@dataclass(frozen=True)
class SentEmail:
    sender: str
    to: list[str]
    subject: str
    text: str
    html: str

    @property
    def token(self) -> str:
        match = re.search(r"#token=([A-Za-z0-9_-]+)", self.text)
        assert match, "the email carries no invitation link"
        return match.group(1)


def sent_emails() -> list[SentEmail]:
    """Every email SES (on moto) accepted, parsed from its MIME source: the one way tests read mail."""
    found = []
    for message in ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages:
        parsed = email.message_from_string(message.raw_data, policy=email.policy.default)
        text_part = parsed.get_body(preferencelist=("plain",))
        html_part = parsed.get_body(preferencelist=("html",))
        found.append(
            SentEmail(
                sender=str(parsed["From"]),
                to=list(dict.fromkeys(message.destinations)),
                subject=str(parsed["Subject"]),
                text=text_part.get_content() if text_part else "",
                html=html_part.get_content() if html_part else "",
            )
        )
    return found


class CallCounter:
    """Counts the AWS operations a client makes, through botocore's event hooks: `{"dynamodb.Query": 1, ...}`."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    def attach(self, client: Any) -> None:
        service = client.meta.service_model.service_name
        client.meta.events.register(f"before-call.{service}.*", self._count)

    def _count(self, model: Any, **_: Any) -> None:
        self.calls[f"{model.service_model.service_name}.{model.name}"] += 1

    def of(self, service: str) -> dict[str, int]:
        return {name: n for name, n in self.calls.items() if name.startswith(service + ".")}

    def total(self, service: str) -> int:
        return sum(self.of(service).values())

    def reset(self) -> None:
        self.calls.clear()
