"""The scheduled cleanup through CleanupFunction's handler: what it expires, what it leaves alone, what it reads."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from unittest.mock import patch

import pytest

from business_accounts.adapters.keys import every_pending_shard
from business_accounts.adapters.wiring import dynamodb_client, lambda_client
from business_accounts.logic import cleanup as cleanup_logic
from tests.support.api import Api
from tests.support.aws import TABLE_NAMES, Requests, stored_invitation
from tests.support.events import LambdaContext, load_event
from tests.support.fakes import FakeClock
from tests.support.faults import refusing
from tests.support.story import JANE, latest_token, provision
from tools.functions import functions


def stored_status(token: str) -> str:
    item = stored_invitation(token)
    assert ("pending_shard" in item) == (item["status"]["S"] == "pending"), "the sparse index key must follow status"
    status: str = item["status"]["S"]
    return status


def test_cleanup_expires_every_overdue_pending_invitation(
    api: Api, clock: FakeClock, cleanup: Callable[[], dict[str, int]]
) -> None:
    emails = [f"person{number}@example.com" for number in range(3)]
    for email in emails:
        provision(api, email)["account_id"]
    clock.advance(days=7)  # exactly at expires_at: due

    assert cleanup() == {"expired": 3, "remaining": False}

    assert [stored_status(latest_token(email)) for email in emails] == ["expired"] * 3


def test_cleanup_second_run_expires_nothing(api: Api, clock: FakeClock, cleanup: Callable[[], dict[str, int]]) -> None:
    provision(api, JANE)["account_id"]
    clock.advance(days=8)
    assert cleanup() == {"expired": 1, "remaining": False}

    assert cleanup() == {"expired": 0, "remaining": False}
    assert stored_status(latest_token(JANE)) == "expired"


def test_cleanup_with_nothing_overdue_expires_nothing(
    api: Api, clock: FakeClock, cleanup: Callable[[], dict[str, int]]
) -> None:
    provision(api, JANE)["account_id"]
    clock.advance(days=7, seconds=-1)  # one second before expires_at

    assert cleanup() == {"expired": 0, "remaining": False}
    assert stored_status(latest_token(JANE)) == "pending"


def test_cleanup_leaves_fresh_accepted_superseded_and_revoked_invitations_alone(
    api: Api, clock: FakeClock, cleanup: Callable[[], dict[str, int]]
) -> None:
    # Given, all issued at the start: one accepted, one superseded, one revoked, one left to expire
    provision(api, "accepted@example.com")["account_id"]
    accepted = latest_token("accepted@example.com")
    assert api.post("/v1/invitations/accept", {"token": accepted}).status == 200
    superseding_account = provision(api, "superseded@example.com")["account_id"]
    superseded = latest_token("superseded@example.com")
    revoked_account = provision(api, "revoked@example.com")["account_id"]
    revoked = latest_token("revoked@example.com")
    (revoked_item,) = api.get(f"/v1/internal/accounts/{revoked_account}/invitations").body["items"]
    revoke_path = f"/v1/internal/accounts/{revoked_account}/invitations/{revoked_item['invitation_id']}"
    assert api.delete(revoke_path).status == 204
    provision(api, "overdue@example.com")["account_id"]
    overdue = latest_token("overdue@example.com")
    # ... and, a minute later, the superseding invitation, which is still fresh when the others expire
    clock.advance(seconds=61)
    joined = api.post(f"/v1/accounts/{superseding_account}/join", {"email": "superseded@example.com"})
    assert joined.status == 202, joined.body
    superseding = latest_token("superseded@example.com")
    clock.advance(days=7, seconds=-30)
    provision(api, "fresh@example.com")["account_id"]
    fresh = latest_token("fresh@example.com")

    # When
    result = cleanup()

    # Then
    assert result == {"expired": 1, "remaining": False}
    assert {
        name: stored_status(token)
        for name, token in {
            "accepted": accepted,
            "superseded": superseded,
            "superseding": superseding,
            "revoked": revoked,
            "overdue": overdue,
            "fresh": fresh,
        }.items()
    } == {
        "accepted": "accepted",
        "superseded": "superseded",
        "superseding": "pending",
        "revoked": "revoked",
        "overdue": "expired",
        "fresh": "pending",
    }


def test_cleanup_expired_link_explains_itself_and_email_can_still_join(
    api: Api, clock: FakeClock, cleanup: Callable[[], dict[str, int]]
) -> None:
    account_id = provision(api, JANE)["account_id"]
    token = latest_token(JANE)
    clock.advance(days=8)
    assert cleanup() == {"expired": 1, "remaining": False}

    preview = api.post("/v1/invitations/preview", {"token": token})
    assert (preview.status, preview.code) == (410, "INVITATION_EXPIRED")
    registered = api.post("/v1/accounts", {"email": JANE, "company_name": "ACME"})
    assert registered.code == "PENDING_INVITATION", registered.body
    assert registered.body["account"]["account_id"] == account_id
    assert registered.body["invitation"]["status"] == "expired"
    joined = api.post(f"/v1/accounts/{account_id}/join", {"email": JANE})
    assert joined.status == 202, joined.body
    assert api.post("/v1/invitations/accept", {"token": latest_token(JANE)}).status == 200


def test_cleanup_expired_link_can_be_renewed(api: Api, clock: FakeClock, cleanup: Callable[[], dict[str, int]]) -> None:
    provision(api, JANE)["account_id"]
    token = latest_token(JANE)
    clock.advance(days=8)
    assert cleanup() == {"expired": 1, "remaining": False}

    renewed = api.post("/v1/invitations/renew", {"token": token})

    assert renewed.status == 202, renewed.body
    assert latest_token(JANE) != token
    assert api.post("/v1/invitations/preview", {"token": latest_token(JANE)}).status == 200


def test_cleanup_reads_only_the_pending_by_expiry_index_and_never_scans(
    api: Api, clock: FakeClock, cleanup: Callable[[], dict[str, int]]
) -> None:
    provision(api, JANE)["account_id"]
    clock.advance(days=8)
    requests = Requests(dynamodb_client())

    assert cleanup() == {"expired": 1, "remaining": False}

    # Reads: the index's shards; writes: per expiry, the account's head read and one transaction with its event.
    assert requests.names() <= {"Query", "GetItem", "TransactWriteItems"}
    queries = requests.of("Query")
    assert len(queries) == 17  # every shard of the index, and the shard of invitations stored before shards
    assert all(query["IndexName"] == "pending-by-expiry" for query in queries)
    assert all(query["TableName"] == TABLE_NAMES["InvitationsTable"] for query in queries)
    assert [read["TableName"] for read in requests.of("GetItem")] == [TABLE_NAMES["EventsTable"]]


def test_cleanup_reads_one_shard_alone_then_the_others_at_once(
    api: Api, clock: FakeClock, cleanup: Callable[[], dict[str, int]]
) -> None:
    """The client's first call alone (it builds what the others reuse), then the other shards in parallel."""
    provision(api, JANE)
    clock.advance(days=8)
    client = dynamodb_client()
    query = client.query
    lock = threading.Lock()
    active: set[int] = set()
    seen: list[set[int]] = []  # for each call, in the order they began: the calls running as it began

    def recorded(**request: Any) -> Any:
        with lock:
            number = len(seen)
            seen.append(set(active))
            active.add(number)
        try:
            time.sleep(0.05)
            return query(**request)
        finally:
            with lock:
                active.discard(number)

    with patch.object(client, "query", recorded):
        assert cleanup() == {"expired": 1, "remaining": False}

    assert all(0 not in running for running in seen[1:])  # the first ran alone, to its end
    assert any(running for running in seen[2:])  # the others did not wait for each other


def test_cleanup_reads_do_not_grow_with_invitations_that_are_not_overdue(
    api: Api, clock: FakeClock, cleanup: Callable[[], dict[str, int]]
) -> None:
    # Given a run with one overdue invitation and nothing else
    provision(api, "overdue1@example.com")["account_id"]
    clock.advance(days=7)
    requests = Requests(dynamodb_client())
    assert cleanup() == {"expired": 1, "remaining": False}
    queries_alone = len(requests.of("Query"))
    # ... and a second table state: one more overdue, among many fresh and accepted ones
    provision(api, "overdue2@example.com")["account_id"]
    clock.advance(days=7)
    for number in range(20):
        provision(api, f"fresh{number}@example.com")["account_id"]
    for number in range(3):
        provision(api, f"admin{number}@example.com")["account_id"]
        assert api.post("/v1/invitations/accept", {"token": latest_token(f"admin{number}@example.com")}).status == 200
    requests.made.clear()

    # When
    result = cleanup()

    # Then the run reads as much as the first one did
    assert result == {"expired": 1, "remaining": False}
    assert len(requests.of("Query")) == queries_alone
    assert len(requests.of("TransactWriteItems")) == 1
    assert requests.names() <= {"Query", "GetItem", "TransactWriteItems"}  # GetItem: the timeline's head


def test_cleanup_follows_every_page_of_the_index(
    api: Api, clock: FakeClock, cleanup: Callable[[], dict[str, int]]
) -> None:
    emails = [f"person{number}@example.com" for number in range(7)]
    for email in emails:
        provision(api, email)["account_id"]
    clock.advance(days=8)

    def two_per_page(params: dict[str, Any], **_: Any) -> None:
        params["Limit"] = 2  # what DynamoDB's 1 MB pages do to a big index, here with seven items

    dynamodb_client().meta.events.register("provide-client-params.dynamodb.Query", two_per_page)
    requests = Requests(dynamodb_client())

    assert cleanup() == {"expired": 7, "remaining": False}

    assert len(requests.of("Query")) >= 4
    assert [stored_status(latest_token(email)) for email in emails] == ["expired"] * 7


def test_accept_then_cleanup_leaves_the_acceptance(
    api: Api, clock: FakeClock, cleanup: Callable[[], dict[str, int]]
) -> None:
    account_id = provision(api, JANE)["account_id"]
    token = latest_token(JANE)
    clock.advance(days=7, seconds=-1)
    assert api.post("/v1/invitations/accept", {"token": token}).status == 200
    clock.advance(seconds=1)

    assert cleanup() == {"expired": 0, "remaining": False}

    assert stored_status(token) == "accepted"
    answer = api.get(f"/v1/internal/accounts/{account_id}")
    assert answer.body["administrators"] == [{"email": JANE, "state": "active"}]


def test_cleanup_then_accept_answers_410_expired(
    api: Api, clock: FakeClock, cleanup: Callable[[], dict[str, int]]
) -> None:
    account_id = provision(api, JANE)["account_id"]
    token = latest_token(JANE)
    clock.advance(days=7)
    assert cleanup() == {"expired": 1, "remaining": False}

    accepted = api.post("/v1/invitations/accept", {"token": token})

    assert (accepted.status, accepted.code) == (410, "INVITATION_EXPIRED")
    assert stored_status(token) == "expired"
    answer = api.get(f"/v1/internal/accounts/{account_id}")
    assert [(admin["email"], admin["state"]) for admin in answer.body["administrators"]] == [(JANE, "invited")]


# --- A backlog bigger than one run: handed on, one run per part of the pending invitations, until it is gone ---


@dataclass
class ShortOfTime(LambdaContext):
    """A run's context whose time runs out after `batches` looks at it: the cleanup stops and hands on."""

    looks_left: int = 1

    def get_remaining_time_in_millis(self) -> int:
        self.looks_left -= 1
        return 300_000 if self.looks_left >= 0 else 1_000


def handed_on(invoked: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The events of the runs handed on so far (the Lambda invocations the cleanup asked for), emptied."""
    events = [json.loads(params["body"]) for params in invoked]
    invoked.clear()
    return events


def test_cleanup_hands_a_backlog_on_to_a_run_per_part_until_it_is_gone(
    api: Api, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given more overdue invitations than one (short) run gets through: runs of two here, of thousands deployed
    monkeypatch.setattr(cleanup_logic, "BATCH", 2)
    for number in range(60):
        provision(api, f"old{number}@example.com")
    clock.advance(days=8)
    handler = functions()["CleanupFunction"].entry_point()
    arn = "arn:aws:lambda:eu-west-1:123456789012:function:business-accounts-dev-cleanup:live"

    with refusing(lambda_client(), "Invoke", "", status=202) as invoked:
        # When the schedule's run stops for lack of time
        first = handler(
            load_event("cleanup_schedule"), ShortOfTime(function_name="CleanupFunction", invoked_function_arn=arn)
        )
        # Then it hands each part of the pending invitations to a run of its own, on its own alias, asynchronously
        assert first["remaining"] is True
        continuations = handed_on(invoked)
        assert sorted(event["parts"] for event in continuations) == sorted([part] for part in every_pending_shard())
        assert {event["rounds"] for event in continuations} == {1}
        # ... and each of those runs, short of time too, hands its part on to the next round until it is done
        expired, rounds = first["expired"], 0
        while continuations:
            rounds += 1
            event = continuations.pop()
            run = handler(event, ShortOfTime(function_name="CleanupFunction", invoked_function_arn=arn, looks_left=1))
            expired += run["expired"]
            later = handed_on(invoked)
            assert later == ([{"parts": event["parts"], "rounds": event["rounds"] + 1}] if run["remaining"] else [])
            continuations += later

    assert expired == 60
    assert rounds > len(every_pending_shard())  # some parts took more than one round
    assert handler(load_event("cleanup_schedule"), LambdaContext(function_name="CleanupFunction")) == {
        "expired": 0,
        "remaining": False,
    }
