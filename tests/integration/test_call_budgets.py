"""The data design's access budgets: how many AWS calls each request makes, counted with botocore hooks."""

from __future__ import annotations

import pytest

from tests.support.api import Api
from tests.support.aws import CallCounter, sent_emails
from tests.support.events import LambdaContext
from tests.support.fakes import FakeClock
from tests.support.story import JANE, provision
from tools.functions import functions


def test_register_new_email_makes_one_transaction_and_no_read(api: Api, calls: CallCounter) -> None:
    answer = api.post("/v1/accounts", {"email": JANE, "company_name": "ACME"})

    assert answer.status == 201
    assert calls.of("dynamodb") == {"dynamodb.TransactWriteItems": 1}


def test_register_taken_email_builds_the_409_from_at_most_two_reads(api: Api, calls: CallCounter) -> None:
    provision(api)
    calls.reset()

    answer = api.post("/v1/accounts", {"email": JANE, "company_name": "ACME"})

    assert answer.code == "PENDING_INVITATION"
    reads = calls.of("dynamodb")
    assert reads.pop("dynamodb.TransactWriteItems") == 1
    assert set(reads) <= {"dynamodb.GetItem", "dynamodb.Query"}
    assert sum(reads.values()) <= 2


def test_accept_makes_one_consistent_read_and_one_transaction(api: Api, calls: CallCounter) -> None:
    provision(api)
    token = sent_emails()[-1].token
    calls.reset()

    answer = api.post("/v1/invitations/accept", {"token": token})

    assert answer.status == 200
    assert calls.of("dynamodb") == {"dynamodb.GetItem": 1, "dynamodb.TransactWriteItems": 1}


def test_preview_makes_at_most_two_reads(api: Api, calls: CallCounter) -> None:
    provision(api)
    token = sent_emails()[-1].token
    calls.reset()

    assert api.post("/v1/invitations/preview", {"token": token}).status == 200
    assert set(calls.of("dynamodb")) <= {"dynamodb.GetItem", "dynamodb.Query"}
    assert calls.total("dynamodb") <= 2


@pytest.mark.parametrize("route", ["join", "resend", "renew"])
def test_sending_routes_make_at_most_three_dynamodb_calls_and_one_ses_call(
    api: Api, calls: CallCounter, clock: FakeClock, route: str
) -> None:
    account_id = provision(api)["account_id"]
    token = sent_emails()[-1].token
    clock.advance(seconds=61)
    calls.reset()

    if route == "join":
        answer = api.post(f"/v1/accounts/{account_id}/join", {"email": JANE})
    elif route == "resend":
        answer = api.post("/v1/invitations/resend", {"email": JANE})
    else:
        answer = api.post("/v1/invitations/renew", {"token": token})

    assert answer.status == 202, answer.body
    assert calls.total("dynamodb") <= 3
    assert calls.of("sesv2") == {"sesv2.SendEmail": 1}


def test_cleanup_reads_grow_with_expired_invitations_not_with_the_table(
    api: Api, calls: CallCounter, clock: FakeClock
) -> None:
    for number in range(5):
        provision(api, f"old{number}@example.com")
    clock.advance(days=8)
    for number in range(40):
        provision(api, f"fresh{number}@example.com")
    cleanup = functions()["CleanupFunction"].entry_point()
    calls.reset()

    result = cleanup(
        {"source": "aws.scheduler", "detail-type": "Scheduled Event", "detail": {}},
        LambdaContext(function_name="CleanupFunction"),
    )

    assert result == {"expired": 5, "remaining": False}
    assert "dynamodb.Scan" not in calls.of("dynamodb")
    assert calls.of("dynamodb") == {"dynamodb.Query": 1, "dynamodb.UpdateItem": 5}


@pytest.mark.parametrize("query", ["", "?status=accepted", "?status=pending&limit=5"])
def test_listing_makes_at_most_two_dynamodb_calls_whatever_the_history(
    api: Api, calls: CallCounter, clock: FakeClock, query: str
) -> None:
    # Given an account with a long history: 30 colleagues invited, each invitation superseded twice
    account_id = provision(api)["account_id"]
    for number in range(30):
        for _ in range(3):
            clock.advance(minutes=2)
            invited = api.post(f"/v1/internal/accounts/{account_id}/invitations", {"email": f"c{number}@example.com"})
            assert invited.status == 201, invited.body
    calls.reset()

    # When a page is listed, filtered or not
    answer = api.get(f"/v1/internal/accounts/{account_id}/invitations{query}")

    # Then one query answers it (plus, at most, one read of the account)
    assert answer.status == 200, answer.body
    assert calls.of("dynamodb").get("dynamodb.Query") == 1
    assert calls.total("dynamodb") <= 2
