"""The SPEC's invariants under concurrency: racing requests through the handlers, on a moto made atomic per request."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import timedelta

import boto3
import pytest
from moto.dynamodb.models import DynamoDBBackend

from business_accounts.services import Services
from business_accounts.tokens import token_hash
from local.atomic import READS, WRITES, atomic_dynamodb
from tests.support.api import Answer, Api
from tests.support.aws import REGION, TABLE_NAMES, sent_emails, stored_invitation_status
from tests.support.fakes import FakeClock
from tests.support.racing import WORKERS, ExecutionEnvironment, outcomes, together
from tools.functions import functions

JANE = "jane@example.com"
RACING_FUNCTIONS = ("RegisterFunction", "JoinFunction", "InvitationTokenFunction")
RACERS = ("accept", "cleanup")


@pytest.fixture
def environments(api: Api) -> Iterator[list[ExecutionEnvironment]]:
    """WORKERS execution environments, modules loaded up front, on a moto whose DynamoDB requests are atomic."""
    found = [ExecutionEnvironment(number) for number in range(WORKERS)]
    for environment in found:
        for function in functions().values():
            if function.logical_id in RACING_FUNCTIONS:
                environment.load(function)
    with atomic_dynamodb():
        yield found


def provisioned(api: Api, email: str = JANE) -> str:
    answer = api.post(
        "/v1/internal/accounts", {"company_name": "ACME Ltd", "administrator_email": email, "created_via": "sales"}
    )
    assert answer.status == 201, answer.body
    account_id: str = answer.body["account_id"]
    return account_id


def stored(table: str) -> list[dict[str, object]]:
    items: list[dict[str, object]] = boto3.client("dynamodb", region_name=REGION).scan(TableName=TABLE_NAMES[table])[
        "Items"
    ]
    return items


def administrators(api: Api, account_id: str) -> list[dict[str, str]]:
    answer = api.get(f"/v1/internal/accounts/{account_id}")
    assert answer.status == 200, answer.body
    # Who administers the account, and in which state (an invited one's invitation is not what these tests check).
    return [{"email": admin["email"], "state": admin["state"]} for admin in answer.body["administrators"]]


# --- The lock itself ---


def test_atomic_dynamodb_wraps_backend_operations_and_puts_them_back() -> None:
    originals = {name: vars(DynamoDBBackend)[name] for name in (*WRITES, *READS)}

    with atomic_dynamodb():
        assert all(vars(DynamoDBBackend)[name] is not operation for name, operation in originals.items())

    assert all(vars(DynamoDBBackend)[name] is operation for name, operation in originals.items())


def test_atomic_dynamodb_write_waits_for_the_lock(aws: None) -> None:
    client = boto3.client("dynamodb", region_name=REGION)
    item = {"pk": {"S": "EMAIL#x@example.com"}, "sk": {"S": "OWNER"}}

    with atomic_dynamodb() as lock, ThreadPoolExecutor(max_workers=1) as pool:
        with lock:
            write = pool.submit(client.put_item, TableName=TABLE_NAMES["AccountsTable"], Item=item)
            with pytest.raises(FutureTimeout):
                write.result(timeout=0.3)  # held back while another request is inside the backend
        write.result(timeout=10)

    assert len(stored("AccountsTable")) == 1


# --- The invariants ---


def test_concurrent_registrations_of_one_email_create_exactly_one_account(
    api: Api, environments: list[ExecutionEnvironment]
) -> None:
    def register(number: int) -> Callable[[ExecutionEnvironment], Answer]:
        return lambda lambda_env: lambda_env.post("/v1/accounts", {"email": JANE, "company_name": f"ACME {number}"})

    answers = together(environments, *(register(number) for number in range(WORKERS)))

    assert outcomes(answers) == {(201, None): 1, (409, "ALREADY_REGISTERED"): WORKERS - 1}, [a.body for a in answers]
    (winner,) = [answer for answer in answers if answer.status == 201]
    losers = [answer for answer in answers if answer.status == 409]
    assert all(answer.body["account"]["account_id"] == winner.body["account_id"] for answer in losers)
    accounts = [item for item in stored("AccountsTable") if item["sk"] == {"S": "ACCOUNT"}]
    assert len(accounts) == 1
    assert administrators(api, winner.body["account_id"]) == [{"email": JANE, "state": "active"}]


def test_concurrent_accepts_of_one_token_make_exactly_one_200(
    api: Api, environments: list[ExecutionEnvironment]
) -> None:
    account_id = provisioned(api)
    token = sent_emails()[-1].token

    def accept(lambda_env: ExecutionEnvironment) -> Answer:
        return lambda_env.post("/v1/invitations/accept", {"token": token})

    answers = together(environments, *[accept] * WORKERS)

    expected = {(200, None): 1, (409, "INVITATION_ALREADY_ACCEPTED"): WORKERS - 1}
    assert outcomes(answers) == expected, [a.body for a in answers]
    assert stored_invitation_status(token) == "accepted"
    assert administrators(api, account_id) == [{"email": JANE, "state": "active"}]


def test_concurrent_joins_send_exactly_one_email(
    api: Api, clock: FakeClock, environments: list[ExecutionEnvironment]
) -> None:
    account_id = provisioned(api)
    clock.advance(seconds=61)
    mailed_before = len(sent_emails())

    def join(lambda_env: ExecutionEnvironment) -> Answer:
        return lambda_env.post(f"/v1/accounts/{account_id}/join", {"email": JANE})

    answers = together(environments, *[join] * WORKERS)

    assert outcomes(answers) == {(202, None): 1, (429, "RATE_LIMITED"): WORKERS - 1}, [a.body for a in answers]
    assert all(int(answer.headers["Retry-After"]) > 0 for answer in answers if answer.status == 429)
    assert len(sent_emails()) == mailed_before + 1
    newest = sent_emails()[-1].token
    pending = [item for item in stored("InvitationsTable") if item["status"] == {"S": "pending"}]
    assert [item["token_hash"] for item in pending] == [{"S": token_hash(newest)}]
    assert api.post("/v1/invitations/accept", {"token": newest}).status == 200


@pytest.mark.parametrize("accept_first", [True, False], ids=["accept-submitted-first", "join-submitted-first"])
@pytest.mark.parametrize("round_number", range(3))
def test_accept_racing_a_newer_invitation_ends_in_one_consistent_state(
    api: Api, clock: FakeClock, environments: list[ExecutionEnvironment], accept_first: bool, round_number: int
) -> None:
    account_id = provisioned(api)
    token = sent_emails()[-1].token
    clock.advance(seconds=61)

    def accept(lambda_env: ExecutionEnvironment) -> Answer:
        return lambda_env.post("/v1/invitations/accept", {"token": token})

    def join(lambda_env: ExecutionEnvironment) -> Answer:
        return lambda_env.post(f"/v1/accounts/{account_id}/join", {"email": JANE})

    if accept_first:
        accepted, joined = together(environments, accept, join)
    else:
        joined, accepted = together(environments, join, accept)

    state = administrators(api, account_id)
    if accepted.status == 200:
        assert (joined.status, joined.code) == (409, "ALREADY_MEMBER"), joined.body
        assert state == [{"email": JANE, "state": "active"}]
        assert stored_invitation_status(token) == "accepted"
        assert len(sent_emails()) == 1
    else:
        assert (accepted.status, accepted.code) == (410, "INVITATION_SUPERSEDED"), accepted.body
        assert joined.status == 202, joined.body
        assert state == [{"email": JANE, "state": "invited"}]
        assert stored_invitation_status(token) == "superseded"
        assert stored_invitation_status(sent_emails()[-1].token) == "pending"


@pytest.mark.parametrize(
    "accept_first", [True, False] * 3, ids=[f"{first}-submitted-first-{n}" for n in range(3) for first in RACERS]
)
def test_accept_racing_the_cleanup_at_expiry_ends_in_one_consistent_state(
    api: Api, runtime: Services, clock: FakeClock, environments: list[ExecutionEnvironment], accept_first: bool
) -> None:
    from business_accounts import cleanup  # after the environment is set: it brings Powertools' metrics with it

    account_id = provisioned(api)
    token = sent_emails()[-1].token
    expires_at = clock.now + timedelta(days=7)
    clock.now = expires_at - timedelta(seconds=1)  # the link is still good for the person accepting...
    cleaner = dataclasses.replace(runtime, clock=lambda: expires_at)  # ...and due for the cleanup a second later

    def accept(lambda_env: ExecutionEnvironment) -> Answer | int:
        return lambda_env.post("/v1/invitations/accept", {"token": token})

    def expire(_: ExecutionEnvironment) -> Answer | int:
        return cleanup.expire_overdue(cleaner)

    if accept_first:
        accepted, expired = together(environments, accept, expire)
    else:
        expired, accepted = together(environments, expire, accept)

    assert isinstance(accepted, Answer)
    state = administrators(api, account_id)
    if accepted.status == 200:
        assert expired == 0
        assert stored_invitation_status(token) == "accepted"
        assert state == [{"email": JANE, "state": "active"}]
    else:
        assert (accepted.status, accepted.code) == (410, "INVITATION_EXPIRED"), accepted.body
        assert expired == 1
        assert stored_invitation_status(token) == "expired"
        assert state == [{"email": JANE, "state": "invited"}]


def test_accepts_of_a_just_expired_token_racing_the_cleanup_all_answer_410(
    api: Api, runtime: Services, clock: FakeClock, environments: list[ExecutionEnvironment]
) -> None:
    from business_accounts import cleanup

    account_id = provisioned(api)
    token = sent_emails()[-1].token
    clock.advance(days=7)  # exactly at expires_at: expired for everyone

    def accept(lambda_env: ExecutionEnvironment) -> Answer | int:
        return lambda_env.post("/v1/invitations/accept", {"token": token})

    def expire(_: ExecutionEnvironment) -> Answer | int:
        return cleanup.expire_overdue(runtime)

    *answers, expired = together(environments, *[accept] * (WORKERS - 1), expire)

    assert expired == 1
    assert outcomes([answer for answer in answers if isinstance(answer, Answer)]) == {
        (410, "INVITATION_EXPIRED"): WORKERS - 1
    }
    assert stored_invitation_status(token) == "expired"
    assert administrators(api, account_id) == [{"email": JANE, "state": "invited"}]
