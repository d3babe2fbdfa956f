"""The account's timeline through GET /v1/internal/accounts/{id}/events: every change an event, numbered in order,
paged by `after`, telling what happened and who did it, never a token."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest
from jsonschema import Draft202012Validator

from business_accounts.logic.cleanup import expire_overdue
from business_accounts.logic.services import Services
from business_accounts.logic.tokens import token_hash
from tests.support.api import Api
from tests.support.aws import REGION, TABLE_NAMES, sent_emails
from tests.support.fakes import FakeClock
from tests.support.story import JANE, latest_token, provision, register_confirmed
from tools.event_schemas import FOLDER as EVENT_SCHEMAS

BOB = "bob@example.com"
KEPT_FOR = timedelta(days=400)  # SPEC: events are kept at least 400 days
UNKNOWN_ACCOUNT = "acc_01JDZ3K4Q6W8X9Y2Z3A4B5C6D7"


def timeline(api: Api, account_id: str, query: str = "") -> list[dict[str, Any]]:
    """Every event of the account, page after page of `query`'s size."""
    items: list[dict[str, Any]] = []
    after = 0
    while True:
        answer = api.get(f"/v1/internal/accounts/{account_id}/events?after={after}{query}")
        assert answer.status == 200, answer.body
        items += answer.body["items"]
        for item in answer.body["items"]:  # each one as docs/events/ promises consumers
            schema = json.loads((EVENT_SCHEMAS / f"{item['type']}.json").read_text(encoding="utf-8"))
            assert [error.message for error in Draft202012Validator(schema).iter_errors(item)] == [], item
        if answer.body["next_after"] is None:
            return items
        after = answer.body["next_after"]


def story(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(event["type"], event["actor"]) for event in events]


def test_a_provisioned_account_tells_its_story_in_order(api: Api) -> None:
    # Given sales provisions ACME for JANE, she accepts, and she invites BOB
    account_id = provision(api)["account_id"]
    assert api.post("/v1/invitations/accept", {"token": latest_token(JANE)}).status == 200
    assert api.post(f"/v1/internal/accounts/{account_id}/invitations", {"email": BOB}).status == 201

    # When support reads the timeline
    events = timeline(api, account_id)

    # Then each change is there once, numbered 1, 2, 3 ... in the order it happened, with who did it
    assert story(events) == [
        ("account.created", "sales"),
        ("invitation.sent", "sales"),
        ("invitation.delivery", "ses"),
        ("invitation.accepted", "self"),
        ("invitation.sent", "administrator"),
        ("invitation.delivery", "ses"),
    ]
    assert [event["sequence"] for event in events] == list(range(1, len(events) + 1))
    assert {event["account_id"] for event in events} == {account_id}
    assert len({event["event_id"] for event in events}) == len(events)
    assert events[1]["data"] | {"email": JANE, "reason": "provisioning", "purpose": "invitation"} == events[1]["data"]
    assert events[4]["data"]["email"] == BOB


def test_a_self_service_registration_shows_its_confirmation(api: Api) -> None:
    account_id = register_confirmed(api, JANE)["account_id"]

    events = timeline(api, account_id)

    assert story(events) == [
        ("account.created", "self"),
        ("invitation.sent", "self"),
        ("invitation.delivery", "ses"),
        ("invitation.accepted", "self"),
        ("account.verified", "self"),
    ]
    assert events[0]["data"]["verified"] is False
    assert events[1]["data"]["purpose"] == "confirmation"


def test_a_discarded_claim_and_an_expiry_are_on_their_timelines(api: Api, runtime: Services, clock: FakeClock) -> None:
    # Given JANE registered without confirming, then sales provisioned an account for her
    claimed = api.post("/v1/accounts", {"email": JANE, "company_name": "Jane's"}).body["account_id"]
    provisioned = provision(api)["account_id"]

    # When her invitation's week passes and the cleanup runs
    clock.advance(days=7)
    assert expire_overdue(runtime, seconds_left=lambda: 300.0).expired == 1

    # Then the unverified account's timeline ends with its discarding, by the back office that took the email
    assert story(timeline(api, claimed))[-2:] == [("invitation.superseded", "sales"), ("account.discarded", "sales")]
    assert story(timeline(api, provisioned))[-1] == ("invitation.expired", "cleanup")


def test_pages_follow_each_other_without_gap_or_repeat(api: Api) -> None:
    account_id = provision(api)["account_id"]
    assert api.post("/v1/invitations/accept", {"token": latest_token(JANE)}).status == 200
    for number in range(3):
        assert (
            api.post(f"/v1/internal/accounts/{account_id}/invitations", {"email": f"c{number}@example.com"}).status
            == 201
        )

    whole = timeline(api, account_id)
    paged = timeline(api, account_id, "&limit=2")

    assert paged == whole
    assert len(whole) == 10
    last = api.get(f"/v1/internal/accounts/{account_id}/events?after=8&limit=2").body
    assert ([event["sequence"] for event in last["items"]], last["next_after"]) == ([9, 10], 10)
    past_the_end = api.get(f"/v1/internal/accounts/{account_id}/events?after=10").body
    assert past_the_end == {"items": [], "next_after": None}


def test_the_timeline_never_carries_a_token_or_its_hash(api: Api) -> None:
    account_id = provision(api)["account_id"]
    token = latest_token(JANE)
    assert api.post("/v1/invitations/accept", {"token": token}).status == 200

    text = json.dumps(timeline(api, account_id))

    assert all(mail.token not in text for mail in sent_emails())
    assert token_hash(token) not in text
    assert "token" not in text


def test_every_event_item_expires_no_sooner_than_400_days_after_it_happened(api: Api, clock: FakeClock) -> None:
    # Given a story told over a week: provisioning, Jane's Join a day later, her acceptance six days after that
    account_id = provision(api)["account_id"]
    clock.advance(days=1)
    assert api.post(f"/v1/accounts/{account_id}/join", {"email": JANE}).status == 202
    clock.advance(days=6)
    assert api.post("/v1/invitations/accept", {"token": latest_token(JANE)}).status == 200

    # When the events table is read as DynamoDB keeps it, with the attribute its TTL deletes items by
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    table = TABLE_NAMES["EventsTable"]
    ttl = dynamodb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
    items = dynamodb.scan(TableName=table, ConsistentRead=True)["Items"]
    events = [item for item in items if item["sequence"]["N"] != "0"]
    heads = [item for item in items if item["sequence"]["N"] == "0"]

    # Then every event written carries, as a number of epoch seconds, an expiry 400 days or more after it happened
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "ttl")
    told = [event["sequence"] for event in timeline(api, account_id)]
    assert sorted(int(item["sequence"]["N"]) for item in events) == told == list(range(1, 8))
    assert len({item["occurred_at"]["S"] for item in events}) == 3  # three days: a TTL from one moment would fail
    for item in events:
        occurred_at = datetime.fromisoformat(item["occurred_at"]["S"])
        assert int(item["ttl"]["N"]) >= int((occurred_at + KEPT_FOR).timestamp()), item
    # ... and the account's head, which numbers its events, never expires (a new timeline would number from 1 again)
    assert [item["account_id"]["S"] for item in heads] == [account_id]
    assert "ttl" not in heads[0]


def test_an_unknown_account_answers_404(api: Api) -> None:
    answer = api.get(f"/v1/internal/accounts/{UNKNOWN_ACCOUNT}/events")

    assert (answer.status, answer.code) == (404, "NOT_FOUND")


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "after=-1", "after=x", "limit=1.5"])
def test_a_bad_page_answers_422(api: Api, query: str) -> None:
    account_id = provision(api)["account_id"]

    answer = api.get(f"/v1/internal/accounts/{account_id}/events?{query}")

    assert (answer.status, answer.code) == (422, "VALIDATION_ERROR"), answer.body
