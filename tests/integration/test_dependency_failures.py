"""DynamoDB failing or out of reach: a lost race is retried, a busy or unreachable table is 503, a bug is not a race."""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

import pytest
from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError

from business_accounts.services import dynamodb_client
from tests.support.api import Api
from tests.support.aws import sent_emails
from tests.support.fakes import FakeClock
from tests.support.faults import failing, unreachable
from tests.support.story import JANE, provision

ENDPOINT = "https://dynamodb.eu-west-1.amazonaws.com"


def cancelled(*codes: str) -> dict[str, object]:
    """A TransactionCanceledException's reasons: one per part of the transaction, `None` where nothing failed."""
    return {"CancellationReasons": [{"Code": code, "Message": code} for code in codes]}


def test_cancelled_transaction_for_a_validation_error_answers_internal_error_not_a_conflict(api: Api) -> None:
    # Given DynamoDB refuses the registration's transaction as invalid (not a failed condition)
    with failing(
        dynamodb_client(),
        "transact_write_items",
        "TransactionCanceledException",
        **cancelled("None", "ValidationError", "None"),
    ):
        # When someone registers
        answer = api.post("/v1/accounts", {"email": JANE, "company_name": "ACME"})

    # Then it is not read as a lost race (no 409 CONCURRENT_UPDATE, no retry, no follow-up read): a bare 500
    assert (answer.status, answer.code) == (500, "INTERNAL_ERROR"), answer.body


def test_cancelled_transaction_throttled_answers_503_service_unavailable(api: Api) -> None:
    with failing(
        dynamodb_client(),
        "transact_write_items",
        "TransactionCanceledException",
        **cancelled("ThrottlingError", "None", "None"),
    ):
        answer = api.post("/v1/accounts", {"email": JANE, "company_name": "ACME"})

    assert (answer.status, answer.code) == (503, "SERVICE_UNAVAILABLE"), answer.body
    assert answer.headers["Retry-After"] == "1"


def test_cancelled_transaction_by_a_concurrent_transaction_is_decided_again_and_succeeds(
    api: Api, clock: FakeClock
) -> None:
    # Given Jane's pending invitation, and DynamoDB that cancels the next transaction for a concurrent one
    account_id = provision(api)["account_id"]
    clock.advance(minutes=2)
    client = dynamodb_client()
    write = client.transact_write_items
    attempts: list[int] = []

    def first_loses_a_race(**request: Any) -> Any:
        attempts.append(len(attempts) + 1)
        if len(attempts) > 1:
            return write(**request)
        lost = cancelled(*["TransactionConflict"] * len(request["TransactItems"]))
        with failing(client, "transact_write_items", "TransactionCanceledException", **lost):
            return write(**request)

    # When she clicks Join
    with patch.object(client, "transact_write_items", first_loses_a_race):
        answer = api.post(f"/v1/accounts/{account_id}/join", {"email": JANE})

    # Then the lost race is decided again on fresh reads, and her email goes out
    assert answer.status == 202, answer.body
    assert attempts == [1, 2]
    assert len(sent_emails()) == 2  # the provisioning email and this one


@pytest.mark.parametrize(
    "error",
    [
        EndpointConnectionError(endpoint_url=ENDPOINT),
        ConnectTimeoutError(endpoint_url=ENDPOINT),
        ReadTimeoutError(endpoint_url=ENDPOINT),
    ],
    ids=["refused", "connect-timeout", "read-timeout"],
)
def test_dynamodb_out_of_reach_answers_503_service_unavailable_with_retry_after(api: Api, error: Exception) -> None:
    with unreachable(dynamodb_client(), "*", error) as table:  # type: ignore[arg-type]
        answer = api.post("/v1/invitations/preview", {"token": "t" * 43})

    assert (answer.status, answer.code) == (503, "SERVICE_UNAVAILABLE"), answer.body
    assert int(answer.headers["Retry-After"]) >= 1
    assert table.attempts == 2  # one retry, well inside the function's timeout


def test_dynamodb_server_error_answers_503_service_unavailable(api: Api) -> None:
    with failing(dynamodb_client(), "get_item", "InternalServerError", status=500):
        answer = api.post("/v1/invitations/preview", {"token": "t" * 43})

    assert (answer.status, answer.code) == (503, "SERVICE_UNAVAILABLE"), answer.body
