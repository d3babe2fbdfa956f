"""The events table's stream to the stack's bus (functions/events_publisher): every event reaches the bus at least
once, each account's in its order, a failing bus never fails a request, and what it refused goes again."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse

from business_accounts.adapters.bus import _calls
from business_accounts.adapters.stream import StreamedEvent
from business_accounts.adapters.wiring import events_client
from business_accounts.logic.services import Services
from business_accounts.models.events import Actor, Event, EventType
from local.bus_view import bus_events
from tests.support.api import Api
from tests.support.aws import REGION
from tests.support.faults import refusing
from tests.support.story import JANE, latest_token, provision

BOB = "bob@example.com"


def published() -> list[dict[str, Any]]:
    """The envelopes on the bus (its archive keeps each), in the order they arrived, duplicates included."""
    return [event["detail"] for event in bus_events(REGION)]


def timeline(api: Api, account_id: str) -> list[dict[str, Any]]:
    answer = api.get(f"/v1/internal/accounts/{account_id}/events?limit=100")
    assert answer.status == 200, answer.body
    items: list[dict[str, Any]] = answer.body["items"]
    return items


def first_seen(envelopes: list[dict[str, Any]], account_id: str) -> list[int]:
    """The account's sequence numbers as a consumer deduplicating by `event_id` sees them."""
    seen: dict[str, int] = {}
    for envelope in envelopes:
        if envelope["account_id"] == account_id:
            seen.setdefault(envelope["event_id"], envelope["sequence"])
    return list(seen.values())


@contextmanager
def bus_refusing_the_entry_of(event_type: str) -> Iterator[list[int]]:
    """PutEvents answers the entry of `event_type` as refused (ThrottlingException), taking every other entry of
    the call; the list counts the refusals."""
    refusals: list[int] = []
    client = events_client()

    def answer(params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        entries = json.loads(params["body"])["Entries"]  # the request as serialised (AWS JSON protocol)
        if not any(entry["DetailType"] == event_type for entry in entries):
            return None
        refusals.append(1)
        kept = [entry for entry in entries if entry["DetailType"] != event_type]
        if kept:
            client.put_events(Entries=kept)  # the entries the bus did take, really put (moto's archive keeps them)
        results = [
            {"ErrorCode": "ThrottlingException", "ErrorMessage": "Rate exceeded"}
            if entry["DetailType"] == event_type
            else {"EventId": "taken"}
            for entry in entries
        ]
        return AWSResponse("", 200, {}, None), {"FailedEntryCount": len(entries) - len(kept), "Entries": results}

    event = "before-call.events.PutEvents"
    client.meta.events.register_first(event, answer)
    try:
        yield refusals
    finally:
        client.meta.events.unregister(event, answer)


def test_every_event_of_the_timeline_reaches_the_bus_in_the_account_order(api: Api) -> None:
    account_id = provision(api)["account_id"]
    assert api.post("/v1/invitations/accept", {"token": latest_token(JANE)}).status == 200

    items = timeline(api, account_id)
    on_the_bus = [envelope for envelope in published() if envelope["account_id"] == account_id]

    assert on_the_bus == items  # the same envelopes, once each, in order
    assert {event["source"] for event in bus_events(REGION)} == {"business-accounts"}
    assert all(event["detail-type"] == event["detail"]["type"] for event in bus_events(REGION))


def test_a_bus_out_of_reach_fails_no_request_and_its_events_go_once_it_is_back(runtime: Services) -> None:
    api = Api(drain=False)

    with refusing(events_client(), "PutEvents", "InternalFailure", status=500) as calls:
        answer = provision(api)
        api.stream.drain()  # the publisher fails every batch: it is delivered again, and again
    account_id = answer["account_id"]

    assert calls  # the publisher tried
    assert published() == []
    assert [item["type"] for item in timeline(api, account_id)][:2] == ["account.created", "invitation.sent"]

    api.stream.drain()  # the bus is back: the stream delivers what failed

    assert first_seen(published(), account_id) == [item["sequence"] for item in timeline(api, account_id)]


def test_an_entry_the_bus_refuses_goes_again_and_nothing_of_its_account_overtakes_it(runtime: Services) -> None:
    api = Api(drain=False)
    accounts = [provision(api, email)["account_id"] for email in (JANE, BOB)]

    with bus_refusing_the_entry_of("invitation.sent") as refusals:
        api.stream.pump_once()

    assert refusals == [1]
    for account_id in accounts:  # only what came before the refused entry in each account's order
        assert first_seen(published(), account_id) == [1]

    api.stream.drain()

    for account_id in accounts:
        assert first_seen(published(), account_id) == [item["sequence"] for item in timeline(api, account_id)]
        assert len(timeline(api, account_id)) >= 3  # created, sent, and the outbox's delivery


# --- How a batch is packed into calls ---


def streamed(account: str, sequence: int) -> StreamedEvent:
    event = Event(
        event_id=f"evt_{account}{sequence}",
        type=EventType.ACCOUNT_CREATED,
        occurred_at="2026-11-26T09:00:00Z",  # type: ignore[arg-type]
        account_id=account,
        sequence=sequence,
        actor=Actor.SALES,
        data={},
    )
    return StreamedEvent(str(sequence), event)


@pytest.mark.parametrize(
    ("accounts", "calls"),
    [
        ("a", 1),
        ("aaa", 3),
        ("ab" * 5, 5),
        ("abcdefghijk", 2),
        ("aabbccdd", 2),
        ("abcdefghij" * 3, 3),
    ],
)
def test_calls_hold_at_most_ten_events_one_per_account_each_account_in_order(accounts: str, calls: int) -> None:
    events = [streamed(account, accounts[: index + 1].count(account)) for index, account in enumerate(accounts)]

    packed = _calls(events)

    assert len(packed) == calls
    assert sorted(position for call in packed for position in call) == list(range(len(events)))
    assert all(len(call) <= 10 for call in packed)
    assert all(len({events[position].event.account_id for position in call}) == len(call) for call in packed)
    order = {position: index for index, call in enumerate(packed) for position in call}
    for account in set(accounts):
        mine = [position for position, event in enumerate(events) if event.event.account_id == account]
        assert [order[position] for position in mine] == sorted(order[position] for position in mine)
        assert len({order[position] for position in mine}) == len(mine)
