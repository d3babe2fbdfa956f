"""AWS on moto for tests: the tables and SES identity exactly as template.yaml declares them, mail and call counts."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

import boto3
from boto3.dynamodb.conditions import Attr

from business_accounts.logic.tokens import token_hash
from local import emulator
from local.inbox import mails
from tests.support.environment import REGION, SENDER, TABLE_NAMES
from tools.functions import template
from tools.template import Stack

__all__ = ["REGION", "SENDER", "TABLE_NAMES"]  # and the helpers below


def create_tables() -> None:
    """Each table with the keys, indexes and TTL of its template definition, so the schema cannot drift."""
    emulator.create_tables(boto3.client("dynamodb", region_name=REGION), Stack(template(), REGION))


def verify_sender() -> None:
    emulator.verify_sender(boto3.client("sesv2", region_name=REGION), Stack(template(), REGION))


def create_keys_and_buses() -> None:
    """The token key (an alias named after it, as the local stack's) and the event bus with its archive."""
    emulator.create_keys(boto3.client("kms", region_name=REGION), Stack(template(), REGION))
    emulator.create_buses(boto3.client("events", region_name=REGION), Stack(template(), REGION))


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
    """Every email SES (on moto) accepted, oldest first, parsed from its MIME source: the one way tests read mail."""
    return [SentEmail(mail.sender, mail.to, mail.subject, mail.text, mail.html) for mail in reversed(mails(REGION))]


def emails_to(address: str) -> int:
    """How many of the emails SES accepted went to `address`."""
    return sum(1 for mail in sent_emails() if address in mail.to)


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


class Requests:
    """Every request a client makes, with its parameters, through botocore's hooks: `("SendEmail", {...})`, ..."""

    def __init__(self, client: Any) -> None:
        self.made: list[tuple[str, dict[str, Any]]] = []
        service = client.meta.service_model.service_name
        client.meta.events.register(f"provide-client-params.{service}", self._record)

    def _record(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self.made.append((model.name, dict(params)))

    def of(self, operation: str) -> list[dict[str, Any]]:
        """The parameters of each `operation` request, oldest first."""
        return [params for name, params in self.made if name == operation]

    def names(self) -> set[str]:
        """The operations requested at least once."""
        return {name for name, _ in self.made}


def stored_account_ids() -> set[str]:
    """The account ids in the accounts table: no route lists accounts, and a refused request returns no id."""
    table = boto3.resource("dynamodb", region_name=REGION).Table(TABLE_NAMES["AccountsTable"])
    items = table.scan(FilterExpression=Attr("sk").eq("ACCOUNT"), ConsistentRead=True)["Items"]
    return {str(item["account_id"]) for item in items}


def stored_invitation(token: str) -> dict[str, Any]:
    """The invitation item behind `token`, as DynamoDB stores it (attribute values typed, `{"S": ...}`)."""
    item: dict[str, Any] = boto3.client("dynamodb", region_name=REGION).get_item(
        TableName=TABLE_NAMES["InvitationsTable"], Key={"token_hash": {"S": token_hash(token)}}, ConsistentRead=True
    )["Item"]
    return item


def stored_invitation_status(token: str) -> str:
    """The status as stored (not as computed on read) of the invitation behind `token`."""
    status: str = stored_invitation(token)["status"]["S"]
    return status
