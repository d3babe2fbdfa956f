"""The data design's access budgets (docs/design.md, "Budgets"): how many AWS calls each request makes, and what
its events add, counted with botocore hooks.

The request path is counted alone: the stream's consumers (the outbox's email, the bus) run when the test drains
the stream, and are counted apart, as they run apart when deployed.
"""

from __future__ import annotations

import pytest

from business_accounts.logic.services import Services
from tests.support.api import Api
from tests.support.aws import CallCounter, sent_emails
from tests.support.events import LambdaContext
from tests.support.fakes import FakeClock
from tests.support.story import JANE, provision
from tools.functions import functions


@pytest.fixture
def api(runtime: Services) -> Api:
    """The request path alone: the test drains the stream itself."""
    return Api(drain=False)


def settled(api: Api, calls: CallCounter) -> None:
    """What the requests so far asked of the stream's consumers is done, and the counts start again."""
    api.stream.drain()
    calls.reset()


def test_register_new_email_mints_once_and_makes_one_transaction_and_one_read(api: Api, calls: CallCounter) -> None:
    answer = api.post("/v1/accounts", {"email": JANE, "company_name": "ACME"})

    assert answer.status == 201
    assert calls.of("dynamodb") == {"dynamodb.Query": 1, "dynamodb.TransactWriteItems": 1}
    assert calls.of("kms") == {"kms.GenerateMac": 1}
    assert calls.of("sesv2") == {}  # the outbox's, after the answer


def test_register_taken_email_builds_the_409_from_at_most_two_reads(api: Api, calls: CallCounter) -> None:
    provision(api)
    settled(api, calls)

    answer = api.post("/v1/accounts", {"email": JANE, "company_name": "ACME"})

    assert answer.code == "PENDING_INVITATION"
    reads = calls.of("dynamodb")
    assert set(reads) <= {"dynamodb.GetItem", "dynamodb.Query"}
    assert sum(reads.values()) <= 2


def test_registration_state_reads_the_account_and_its_registrant_s_email_and_writes_nothing(
    api: Api, calls: CallCounter
) -> None:
    account_id = api.post("/v1/accounts", {"email": JANE, "company_name": "ACME"}).body["account_id"]
    settled(api, calls)

    answer = api.get(f"/v1/accounts/{account_id}/registration")

    assert answer.status == 200, answer.body
    assert calls.of("dynamodb") == {"dynamodb.Query": 2}  # the account with its administrators; the email
    assert calls.total("kms") == 0


def test_provision_makes_one_read_and_one_transaction(api: Api, calls: CallCounter) -> None:
    provision(api)

    assert calls.of("dynamodb") == {"dynamodb.Query": 1, "dynamodb.TransactWriteItems": 1}
    assert calls.of("kms") == {"kms.GenerateMac": 1}


def test_accept_makes_one_consistent_read_the_head_and_one_transaction(api: Api, calls: CallCounter) -> None:
    provision(api)
    settled(api, calls)
    token = sent_emails()[-1].token

    answer = api.post("/v1/invitations/accept", {"token": token})

    assert answer.status == 200
    assert calls.of("dynamodb") == {"dynamodb.GetItem": 2, "dynamodb.TransactWriteItems": 1}  # the token, the head
    assert calls.of("kms") == {}


def test_preview_makes_at_most_two_reads(api: Api, calls: CallCounter) -> None:
    provision(api)
    settled(api, calls)
    token = sent_emails()[-1].token

    assert api.post("/v1/invitations/preview", {"token": token}).status == 200
    assert set(calls.of("dynamodb")) <= {"dynamodb.GetItem", "dynamodb.Query"}
    assert calls.total("dynamodb") <= 2


@pytest.mark.parametrize("route", ["join", "resend", "renew"])
def test_sending_routes_read_twice_mint_once_and_write_once_and_leave_the_email_to_the_outbox(
    api: Api, calls: CallCounter, clock: FakeClock, route: str
) -> None:
    account_id = provision(api)["account_id"]
    settled(api, calls)
    token = sent_emails()[-1].token
    clock.advance(seconds=61)

    if route == "join":
        answer = api.post(f"/v1/accounts/{account_id}/join", {"email": JANE})
    elif route == "resend":
        answer = api.post("/v1/invitations/resend", {"email": JANE})
    else:
        answer = api.post("/v1/invitations/renew", {"token": token})

    assert answer.status == 202, answer.body
    dynamodb = calls.of("dynamodb")
    assert dynamodb.pop("dynamodb.TransactWriteItems") == 1
    assert dynamodb.pop("dynamodb.Query") == 1
    assert dynamodb == {"dynamodb.GetItem": 2 if route == "renew" else 1}  # the head (renew: the token first)
    assert calls.of("kms") == {"kms.GenerateMac": 1}
    assert calls.of("sesv2") == {}


def test_resend_with_nothing_to_send_makes_the_same_calls_but_the_head_and_the_key(
    api: Api, calls: CallCounter
) -> None:
    answer = api.post("/v1/invitations/resend", {"email": "nobody@example.com"})

    assert answer.status == 202
    assert calls.of("dynamodb") == {"dynamodb.Query": 1, "dynamodb.TransactWriteItems": 1}
    assert calls.of("kms") == {}


def test_the_outbox_sends_each_email_with_three_reads_one_mac_and_two_writes(api: Api, calls: CallCounter) -> None:
    provision(api)
    calls.reset()

    api.stream.drain()

    assert calls.of("sesv2") == {"sesv2.SendEmail": 1}
    assert calls.of("kms") == {"kms.GenerateMac": 1}  # the link again, from the invitation's id
    assert calls.of("dynamodb") == {
        "dynamodb.Query": 1,  # the email's record
        "dynamodb.GetItem": 2,  # the invitation, and the head to number `invitation.delivery`
        "dynamodb.TransactWriteItems": 1,  # delivery `sent` with its event
        "dynamodb.UpdateItem": 1,  # the ownership's copy
    }


def test_the_bus_takes_up_to_ten_events_per_call(api: Api, calls: CallCounter) -> None:
    for number in range(4):
        provision(api, f"person{number}@example.com")
    calls.reset()

    api.stream.drain()

    # 4 accounts x (account.created, invitation.sent, then invitation.delivery from the outbox): one event of each
    # account per call, to keep each account's order
    assert calls.of("events") == {"events.PutEvents": 3}


def test_the_timeline_is_one_query_per_page(api: Api, calls: CallCounter) -> None:
    account_id = provision(api)["account_id"]
    settled(api, calls)

    assert api.get(f"/v1/internal/accounts/{account_id}/events?limit=2").status == 200
    assert calls.of("dynamodb") == {"dynamodb.Query": 1}


def test_cleanup_reads_grow_with_expired_invitations_not_with_the_table(
    api: Api, calls: CallCounter, clock: FakeClock
) -> None:
    for number in range(5):
        provision(api, f"old{number}@example.com")
    clock.advance(days=8)
    for number in range(40):
        provision(api, f"fresh{number}@example.com")
    settled(api, calls)
    cleanup = functions()["CleanupFunction"].entry_point()

    result = cleanup(
        {"source": "aws.scheduler", "detail-type": "Scheduled Event", "detail": {}},
        LambdaContext(function_name="CleanupFunction"),
    )

    assert result == {"expired": 5, "remaining": False}
    assert "dynamodb.Scan" not in calls.of("dynamodb")
    shards = calls.of("dynamodb")["dynamodb.Query"]
    assert shards == 17  # each of the 16 shards of pending-by-expiry and the shard of before them, once
    assert calls.of("dynamodb") == {"dynamodb.Query": shards, "dynamodb.GetItem": 5, "dynamodb.TransactWriteItems": 5}


@pytest.mark.parametrize("query", ["", "?status=accepted", "?status=pending&limit=5"])
def test_listing_makes_at_most_two_dynamodb_calls_whatever_the_history(
    api: Api, calls: CallCounter, clock: FakeClock, query: str
) -> None:
    # Given an account with a long history: 30 colleagues invited, each invitation superseded twice
    account_id = provision(api)["account_id"]
    api.stream.drain()
    assert api.post("/v1/invitations/accept", {"token": sent_emails()[-1].token}).status == 200
    for number in range(30):
        for _ in range(3):
            clock.advance(minutes=2)
            invited = api.post(f"/v1/internal/accounts/{account_id}/invitations", {"email": f"c{number}@example.com"})
            assert invited.status == 201, invited.body
    settled(api, calls)

    # When a page is listed, filtered or not
    answer = api.get(f"/v1/internal/accounts/{account_id}/invitations{query}")

    # Then one query answers it (plus, at most, one read of the account)
    assert answer.status == 200, answer.body
    assert calls.of("dynamodb").get("dynamodb.Query") == 1
    assert calls.total("dynamodb") <= 2
