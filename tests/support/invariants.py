"""What must hold in the tables whatever happened: read straight from moto's DynamoDB, after any fault."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import boto3
from boto3.dynamodb.conditions import Attr

from tests.support.environment import REGION, TABLE_NAMES


def _scan(table: str, **options: Any) -> list[dict[str, Any]]:
    resource = boto3.resource("dynamodb", region_name=REGION).Table(TABLE_NAMES[table])
    return list(resource.scan(ConsistentRead=True, **options)["Items"])


def assert_consistent() -> None:
    """Every email's ownership agrees with its administrator entry and the invitation it waits on; at most one
    pending invitation per email is current; every account's events are numbered 1..n without a gap."""
    accounts = _scan("AccountsTable")
    invitations = {item["token_hash"]: item for item in _scan("InvitationsTable")}
    by_id = {item["invitation_id"]: item for item in invitations.values()}
    administrators = {(item["account_id"], item["email"]): item for item in accounts if item["sk"].startswith("ADMIN#")}
    for owner in (item for item in accounts if item["sk"] == "OWNER"):
        admin = administrators.get((owner["account_id"], owner["email"]))
        assert admin is not None, f"{owner['email']} belongs to {owner['account_id']}, which has no such administrator"
        assert admin["state"] == owner["state"], owner
        if owner["state"] == "invited":
            invitation = by_id.get(owner["invitation_id"])
            assert invitation is not None, f"{owner['email']} waits on a missing invitation"
            assert invitation["token_hash"] == owner["invitation_token_hash"]
            assert invitation["status"] in ("pending", "expired"), invitation["status"]
    pending_current: dict[str, int] = defaultdict(int)
    owners = {item["email"]: item for item in accounts if item["sk"] == "OWNER"}
    for invitation in invitations.values():
        if (
            invitation["status"] == "pending"
            and owners.get(invitation["email"], {}).get("invitation_id") == invitation["invitation_id"]
        ):
            pending_current[invitation["email"]] += 1
    assert all(count <= 1 for count in pending_current.values()), pending_current
    timelines: dict[str, list[int]] = defaultdict(list)
    for event in _scan("EventsTable", FilterExpression=Attr("sequence").gt(0)):
        timelines[event["account_id"]].append(int(event["sequence"]))
    for account_id, sequences in timelines.items():
        assert sorted(sequences) == list(range(1, len(sequences) + 1)), f"{account_id}: {sorted(sequences)}"


def event_types(account_id: str) -> list[str]:
    """An account's events, in order, as their types."""
    events = _scan("EventsTable", FilterExpression=Attr("account_id").eq(account_id) & Attr("sequence").gt(0))
    return [str(event["type"]) for event in sorted(events, key=lambda event: int(event["sequence"]))]
