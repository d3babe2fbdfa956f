"""DynamoDB failing or out of reach, and bugs: a lost race is retried, a busy or unreachable table is 503, a bug is
not a race, and no failure on any route answers more than a bare `{code, message}` naming nothing internal."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any
from unittest.mock import patch

import pytest
from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError

from business_accounts.adapters.wiring import dynamodb_client, services
from business_accounts.logic.services import Services
from tests.support.answers import assert_bare_server_error, assert_declares_json
from tests.support.api import Api
from tests.support.aws import sent_emails
from tests.support.fakes import FakeClock
from tests.support.faults import ExplodingStore, failing, unreachable
from tests.support.routes import ROUTES, Standing
from tests.support.story import JANE, provision

ENDPOINT = "https://dynamodb.eu-west-1.amazonaws.com"


def cancelled(*codes: str) -> dict[str, object]:
    """A TransactionCanceledException's reasons: one per part of the transaction, `None` where nothing failed."""
    return {"CancellationReasons": [{"Code": code, "Message": code} for code in codes]}


@contextmanager
def first_transaction_cancelled(*reasons: str) -> Iterator[list[int]]:
    """DynamoDB cancels the next transaction with `reasons` (each part's, in order; `TransactionConflict` for every
    part when none are given: a concurrent transaction, no item returned), then writes as usual: the attempts made,
    numbered."""
    client = dynamodb_client()
    write = client.transact_write_items
    attempts: list[int] = []

    def first_cancelled(**request: Any) -> Any:
        attempts.append(len(attempts) + 1)
        if len(attempts) > 1:
            return write(**request)
        codes = reasons or ("TransactionConflict",) * len(request["TransactItems"])
        with failing(client, "transact_write_items", "TransactionCanceledException", **cancelled(*codes)):
            return write(**request)

    with patch.object(client, "transact_write_items", first_cancelled):
        yield attempts


def first_transaction_loses_a_race() -> AbstractContextManager[list[int]]:
    return first_transaction_cancelled()


def test_cancelled_transaction_for_a_validation_error_answers_internal_error_not_a_conflict(runtime: Services) -> None:
    api = Api(drain=False)  # the request's own transactions only
    # Given DynamoDB refuses the registration's transaction as invalid (not a failed condition)
    with first_transaction_cancelled("None", "ValidationError", "None") as attempts:
        # When someone registers
        answer = api.post("/v1/accounts", {"email": JANE, "company_name": "ACME"})

    # Then it is not read as a lost race (no 409 CONCURRENT_UPDATE, no retry): a bare 500
    assert (answer.status, answer.code) == (500, "INTERNAL_ERROR"), answer.body
    assert attempts == [1]


def test_cancelled_transaction_throttled_answers_503_service_unavailable(runtime: Services) -> None:
    api = Api(drain=False)
    with first_transaction_cancelled("ThrottlingError", "None", "None") as attempts:
        answer = api.post("/v1/accounts", {"email": JANE, "company_name": "ACME"})

    assert (answer.status, answer.code) == (503, "SERVICE_UNAVAILABLE"), answer.body
    assert answer.headers["Retry-After"] == "1"
    assert attempts == [1]


def test_cancelled_transaction_by_a_concurrent_transaction_is_decided_again_and_succeeds(
    api: Api, clock: FakeClock
) -> None:
    # Given Jane's pending invitation, and DynamoDB that cancels the next transaction for a concurrent one
    account_id = provision(api)["account_id"]
    clock.advance(minutes=2)

    # When she clicks Join
    with first_transaction_loses_a_race() as attempts:
        answer = Api(drain=False).post(f"/v1/accounts/{account_id}/join", {"email": JANE})
    api.stream.drain()

    # Then the lost race is decided again on fresh reads, and her email goes out
    assert answer.status == 202, answer.body
    assert attempts == [1, 2]
    assert len(sent_emails()) == 2  # the provisioning email and this one


def test_registration_that_races_a_concurrent_transaction_is_tried_again_and_registers(runtime: Services) -> None:
    with first_transaction_loses_a_race() as attempts:
        answer = Api(drain=False).post("/v1/accounts", {"email": JANE, "company_name": "ACME"})

    assert answer.status == 201, answer.body
    assert attempts == [1, 2]


def test_accept_that_races_a_concurrent_transaction_is_read_again_and_accepted(api: Api) -> None:
    # Given Jane's pending invitation, and a transaction that races another on it (no item comes back)
    provision(api)
    token = sent_emails()[-1].token

    with first_transaction_loses_a_race() as attempts:
        answer = api.post("/v1/invitations/accept", {"token": token})

    # Then it is not read as "the invitation is gone" (404): read again, and accepted
    assert (answer.status, answer.body["status"]) == (200, "accepted"), answer.body
    assert attempts == [1, 2]


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


@pytest.mark.parametrize(
    "error_code", ["ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"]
)
def test_dynamodb_throttling_code_answers_503_service_unavailable_and_a_retry_works(
    api: Api, standing: Standing, error_code: str
) -> None:
    # Given DynamoDB throttles the next request
    with failing(dynamodb_client(), "get_item", error_code):
        # When a link is previewed
        throttled = api.post("/v1/invitations/preview", {"token": standing.token})

    # Then the answer is 503 SERVICE_UNAVAILABLE with Retry-After, and the retry works
    assert (throttled.status, throttled.code) == (503, "SERVICE_UNAVAILABLE"), throttled.body
    assert set(throttled.body) == {"code", "message"}
    assert throttled.header("Retry-After") == "1"
    retry = api.post("/v1/invitations/preview", {"token": standing.token})
    assert (retry.status, retry.body["status"]) == (200, "pending"), retry.body


@pytest.mark.parametrize("route", ROUTES)
def test_dynamodb_throttling_on_any_route_answers_503_service_unavailable_as_json(
    api: Api, standing: Standing, route: str
) -> None:
    # Given DynamoDB throttles the route's first request
    standing = ROUTES[route].given(api, standing)
    with failing(dynamodb_client(), ROUTES[route].first_dynamodb_call, "ProvisionedThroughputExceededException"):
        # When the route is called
        answer = ROUTES[route].succeed(api, standing)

    # Then it answers 503 SERVICE_UNAVAILABLE, in JSON, with when to try again
    assert (answer.status, answer.code) == (503, "SERVICE_UNAVAILABLE"), answer.body
    assert_declares_json(answer)
    assert set(answer.body) == {"code", "message"}
    assert answer.header("Retry-After") == "1"


@pytest.mark.parametrize("route", ROUTES)
def test_dynamodb_unexpected_error_on_any_route_answers_a_bare_5xx_naming_nothing_internal(
    api: Api, standing: Standing, route: str
) -> None:
    # Given DynamoDB fails the route's first request in a way the service does not expect
    standing = ROUTES[route].given(api, standing)
    with failing(dynamodb_client(), ROUTES[route].first_dynamodb_call, "InternalServerError", status=500):
        # When the route is called
        answer = ROUTES[route].succeed(api, standing)

    # Then it answers a bare {code, message} 5xx that names nothing inside the service
    assert_bare_server_error(answer)


@pytest.mark.parametrize("route", ROUTES)
def test_store_exception_on_any_route_answers_internal_error_naming_nothing_internal(
    api: Api, runtime: Services, standing: Standing, route: str
) -> None:
    # Given the store raises an exception whose message is full of internals
    standing = ROUTES[route].given(api, standing)
    services.use(dataclasses.replace(runtime, store=ExplodingStore()))  # type: ignore[arg-type]

    # When the route is called
    answer = ROUTES[route].succeed(api, standing)

    # Then none of it reaches the answer
    assert_bare_server_error(answer)
    assert answer.code == "INTERNAL_ERROR"
