"""The SPEC's invariants under concurrency: racing requests through the handlers, on a moto made atomic per request.

Threads are released together, and some requests are held between their read and their write, so that each route
that claims an email (registration, provisioning, an internal invitation) meets each other one in both orders.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import timedelta

import boto3
import pytest
from moto.dynamodb.models import DynamoDBBackend

from business_accounts.logic.services import Services
from business_accounts.logic.tokens import token_hash
from local.atomic import READS, WRITES, atomic_dynamodb
from tests.support.api import Answer, Api
from tests.support.aws import (
    REGION,
    TABLE_NAMES,
    emails_to,
    sent_emails,
    stored_account_ids,
    stored_invitation_status,
)
from tests.support.fakes import FakeClock
from tests.support.racing import WORKERS, ExecutionEnvironment, HeldTransaction, outcomes, together
from tests.support.story import JANE, administrators, provision, register_confirmed
from tools.functions import functions

BOB = "bob@example.com"
RACING_FUNCTIONS = ("RegisterFunction", "JoinFunction", "InvitationTokenFunction", "InternalFunction")
RACERS = ("accept", "cleanup")


@pytest.fixture
def environments(api: Api, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[ExecutionEnvironment]]:
    """WORKERS execution environments, modules loaded up front, on a moto whose DynamoDB requests are atomic.

    Powertools' metrics are one set per process: threads racing in one process would flush each other's (on
    Lambda an environment serves one request at a time), so racing requests publish none.
    """
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    found = [ExecutionEnvironment(number, api.stream) for number in range(WORKERS)]
    for environment in found:
        for function in functions().values():
            if function.logical_id in RACING_FUNCTIONS:
                environment.load(function)
    with atomic_dynamodb():
        yield found


def stored(table: str) -> list[dict[str, object]]:
    items: list[dict[str, object]] = boto3.client("dynamodb", region_name=REGION).scan(TableName=TABLE_NAMES[table])[
        "Items"
    ]
    return items


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


def test_concurrent_registrations_of_one_email_create_exactly_one_account_whose_link_works(
    api: Api, environments: list[ExecutionEnvironment]
) -> None:
    def register(number: int) -> Callable[[ExecutionEnvironment], Answer]:
        return lambda lambda_env: lambda_env.post("/v1/accounts", {"email": JANE, "company_name": f"ACME {number}"})

    answers = together(environments, *(register(number) for number in range(WORKERS)))

    # one claim; the others would mail the same address again within its cooldown
    assert outcomes(answers) == {(201, None): 1, (429, "RATE_LIMITED"): WORKERS - 1}, [a.body for a in answers]
    (winner,) = [answer for answer in answers if answer.status == 201]
    accounts = [item for item in stored("AccountsTable") if item["sk"] == {"S": "ACCOUNT"}]
    assert len(accounts) == 1
    assert administrators(api, winner.body["account_id"]) == [{"email": JANE, "state": "invited"}]
    assert emails_to(JANE) == 1
    # ... and the one confirmation mailed (the outbox drained after the race) is the winner's, and it works
    (confirmation,) = [mail.token for mail in sent_emails() if JANE in mail.to]
    accepted = api.post("/v1/invitations/accept", {"token": confirmation})
    assert accepted.status == 200, accepted.body
    assert accepted.body == {
        "status": "accepted",
        "account_id": winner.body["account_id"],
        "company_name": winner.body["company_name"],
        "email": JANE,
        "role": "administrator",
    }
    assert administrators(api, winner.body["account_id"]) == [{"email": JANE, "state": "active"}]
    assert api.get(f"/v1/internal/accounts/{winner.body['account_id']}").body["verified"] is True


def test_concurrent_registrations_of_a_confirmed_email_all_answer_already_registered(
    api: Api, environments: list[ExecutionEnvironment]
) -> None:
    account_id = register_confirmed(api, JANE)["account_id"]

    def register(number: int) -> Callable[[ExecutionEnvironment], Answer]:
        return lambda lambda_env: lambda_env.post("/v1/accounts", {"email": JANE, "company_name": f"ACME {number}"})

    answers = together(environments, *(register(number) for number in range(WORKERS)))

    assert outcomes(answers) == {(409, "ALREADY_REGISTERED"): WORKERS}, [a.body for a in answers]
    assert all(answer.body["account"]["account_id"] == account_id for answer in answers)
    assert len([item for item in stored("AccountsTable") if item["sk"] == {"S": "ACCOUNT"}]) == 1


def test_concurrent_accepts_of_one_token_make_exactly_one_200(
    api: Api, environments: list[ExecutionEnvironment]
) -> None:
    account_id = provision(api)["account_id"]
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
    account_id = provision(api)["account_id"]
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
    account_id = provision(api)["account_id"]
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
    from business_accounts.logic import cleanup  # after the environment is set: it brings Powertools' metrics with it

    account_id = provision(api)["account_id"]
    token = sent_emails()[-1].token
    expires_at = clock.now + timedelta(days=7)
    clock.now = expires_at - timedelta(seconds=1)  # the link is still good for the person accepting...
    cleaner = dataclasses.replace(runtime, clock=lambda: expires_at)  # ...and due for the cleanup a second later

    def accept(lambda_env: ExecutionEnvironment) -> Answer | int:
        return lambda_env.post("/v1/invitations/accept", {"token": token})

    def expire(_: ExecutionEnvironment) -> Answer | int:
        return cleanup.expire_overdue(cleaner, seconds_left=lambda: 300.0).expired

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
    from business_accounts.logic import cleanup

    account_id = provision(api)["account_id"]
    token = sent_emails()[-1].token
    clock.advance(days=7)  # exactly at expires_at: expired for everyone

    def accept(lambda_env: ExecutionEnvironment) -> Answer | int:
        return lambda_env.post("/v1/invitations/accept", {"token": token})

    def expire(_: ExecutionEnvironment) -> Answer | int:
        return cleanup.expire_overdue(runtime, seconds_left=lambda: 300.0).expired

    *answers, expired = together(environments, *[accept] * (WORKERS - 1), expire)

    assert expired == 1
    assert outcomes([answer for answer in answers if isinstance(answer, Answer)]) == {
        (410, "INVITATION_EXPIRED"): WORKERS - 1
    }
    assert stored_invitation_status(token) == "expired"
    assert administrators(api, account_id) == [{"email": JANE, "state": "invited"}]


# --- One account per email, whichever routes race for it ---


def register(lambda_env: ExecutionEnvironment) -> Answer:
    return lambda_env.post("/v1/accounts", {"email": JANE, "company_name": "Jane's Company"})


def provision_in(lambda_env: ExecutionEnvironment) -> Answer:
    return lambda_env.post(
        "/v1/internal/accounts", {"company_name": "ACME Ltd", "administrator_email": JANE, "created_via": "sales"}
    )


def accounts_holding(api: Api, email: str) -> dict[str, str]:
    """Every stored account whose administrators include `email`, with its state there."""
    held = {}
    for account_id in stored_account_ids():
        states = [admin["state"] for admin in administrators(api, account_id) if admin["email"] == email]
        assert len(states) <= 1, (account_id, states)
        if states:
            held[account_id] = states[0]
    return held


def registering_after(delay: float) -> Callable[[ExecutionEnvironment], Answer]:
    """Register, `delay` seconds after the threads are released: slides the registration across the other request."""

    def call(lambda_env: ExecutionEnvironment) -> Answer:
        time.sleep(delay)
        return register(lambda_env)

    return call


# From "both at once" (either may win) to "the other request is written before the registration starts".
REGISTER_DELAYS = [0.0, 0.0, 0.0, 0.001, 0.002, 0.004, 0.008, 0.05]


def assert_registration_gave_way(registered: Answer, owner: str) -> None:
    """A registration racing a back office either found the email invited (409 PENDING_INVITATION naming `owner`),
    or made an unverified claim that the back office then discarded: its account is gone, its link superseded."""
    if registered.status == 201:
        assert registered.body["account_id"] not in stored_account_ids()
        confirmations = [
            item for item in stored("InvitationsTable") if item["account_id"] == {"S": registered.body["account_id"]}
        ]
        assert [item["status"] for item in confirmations] == [{"S": "superseded"}]
    else:
        assert registered.code == "PENDING_INVITATION", registered.body
        assert registered.body["account"]["account_id"] == owner
        assert registered.body["invitation"]["status"] == "pending"


@pytest.mark.parametrize("register_delay", REGISTER_DELAYS)
def test_register_racing_provision_of_one_email_leaves_it_to_the_back_office(
    api: Api, environments: list[ExecutionEnvironment], register_delay: float
) -> None:
    # Given nobody holds JANE's email
    # When she registers while sales provisions an account for her
    provisioned, registered = together(environments, provision_in, registering_after(register_delay))

    # Then the provisioning wins either way: a registration only claims an email until its owner confirms it
    assert provisioned.status == 201, provisioned.body
    account_id = provisioned.body["account_id"]
    assert_registration_gave_way(registered, account_id)
    assert stored_account_ids() == {account_id}
    assert accounts_holding(api, JANE) == {account_id: "invited"}
    assert emails_to(JANE) == 1  # the invitation; a superseded confirmation is never mailed


def test_registers_racing_provisions_of_one_email_leave_it_in_one_account(
    api: Api, environments: list[ExecutionEnvironment]
) -> None:
    # Given nobody holds JANE's email
    # When half the workers register her and the other half provision an account for her, all at once
    half = WORKERS // 2
    answers = together(environments, *[provision_in] * (WORKERS - half), *[register] * half)
    provisions, registrations = answers[: WORKERS - half], answers[WORKERS - half :]

    # Then one provisioning creates the account; every other one is told the email is invited there
    assert outcomes(provisions) == {(201, None): 1, (409, "PENDING_INVITATION"): WORKERS - half - 1}, [
        a.body for a in provisions
    ]
    (winner,) = [answer for answer in provisions if answer.status == 201]
    account_id = winner.body["account_id"]
    assert all(answer.body["account"]["account_id"] == account_id for answer in provisions if answer is not winner)
    # ... every registration gave way to it, or was held back by the address's cooldown
    for registered in registrations:
        if registered.code != "RATE_LIMITED":
            assert_registration_gave_way(registered, account_id)
    assert stored_account_ids() == {account_id}
    assert accounts_holding(api, JANE) == {account_id: "invited"}
    assert emails_to(JANE) == 1


@pytest.mark.parametrize("register_delay", REGISTER_DELAYS)
def test_register_racing_internal_invitation_of_one_email_leaves_it_to_the_administrator(
    api: Api, environments: list[ExecutionEnvironment], register_delay: float
) -> None:
    # Given Globex Corp exists (BOB its active administrator) and nobody holds JANE's email
    globex = register_confirmed(api, BOB, "Globex Corp")["account_id"]

    def invite(lambda_env: ExecutionEnvironment) -> Answer:
        return lambda_env.post(f"/v1/internal/accounts/{globex}/invitations", {"email": JANE})

    # When JANE registers while a Globex administrator invites her
    invited, registered = together(environments, invite, registering_after(register_delay))

    # Then the colleague invitation wins either way, and the email is in Globex alone
    assert invited.status == 201, invited.body
    assert_registration_gave_way(registered, globex)
    assert stored_account_ids() == {globex}
    assert accounts_holding(api, JANE) == {globex: "invited"}
    assert administrators(api, globex)[0] == {"email": BOB, "state": "active"}
    assert emails_to(JANE) == 1


# (the request held between its read and its write, the one that commits meanwhile, what the held one answers)
INTERLEAVINGS = {
    "provision-held-register-commits": ("provision", "register", None),
    "invite-held-register-commits": ("invite", "register", None),
    "register-held-provision-commits": ("register", "provision", "PENDING_INVITATION"),
    "register-held-invite-commits": ("register", "invite", "PENDING_INVITATION"),
    "provision-held-invite-commits": ("provision", "invite", "PENDING_INVITATION"),
    "invite-held-provision-commits": ("invite", "provision", "PENDING_INVITATION"),
}


@pytest.mark.parametrize("interleaving", INTERLEAVINGS)
def test_request_for_an_email_claimed_between_its_read_and_write_answers_what_the_claim_deserves(
    api: Api, environments: list[ExecutionEnvironment], interleaving: str
) -> None:
    # Given Globex Corp exists (BOB its active administrator) and nobody holds JANE's email
    globex = register_confirmed(api, BOB, "Globex Corp")["account_id"]
    requests: dict[str, Callable[[ExecutionEnvironment], Answer]] = {
        "register": register,
        "provision": provision_in,
        "invite": lambda lambda_env: lambda_env.post(f"/v1/internal/accounts/{globex}/invitations", {"email": JANE}),
    }
    held_name, winner_name, expected_code = INTERLEAVINGS[interleaving]
    hold = HeldTransaction()

    # When one request has found the email free, and another claims it before the first one writes
    held, winner = together(environments, hold.held(requests[held_name]), hold.meanwhile(requests[winner_name]))

    # Then the one that committed got its 201; the held one decides again on what it finds: a back office's claim
    # makes its 409, an unverified registration's claim gives way to it
    assert winner.status == 201, winner.body
    if expected_code is None:
        assert held.status == 201, held.body
        assert_registration_gave_way(winner, "")
        owner = globex if held_name == "invite" else held.body["account_id"]
    else:
        assert (held.status, held.code) == (409, expected_code), held.body
        owner = globex if winner_name == "invite" else winner.body["account_id"]
        assert held.body["account"]["account_id"] == owner
    assert accounts_holding(api, JANE) == {owner: "invited"}
    assert stored_account_ids() == {globex, owner}
    assert emails_to(JANE) == 1


def test_concurrent_provisions_of_one_email_create_one_account_and_answer_every_other_pending_invitation(
    api: Api, environments: list[ExecutionEnvironment]
) -> None:
    # Given nobody holds JANE's email
    # When every worker provisions an account for her at once
    answers = together(environments, *[provision_in] * WORKERS)

    # Then one account is created and every other request is told the email is invited to it
    assert outcomes(answers) == {(201, None): 1, (409, "PENDING_INVITATION"): WORKERS - 1}, [a.body for a in answers]
    (winner,) = [answer for answer in answers if answer.status == 201]
    assert stored_account_ids() == {winner.body["account_id"]}
    assert emails_to(JANE) == 1


# --- One timeline per account, numbered without gaps ---


def test_concurrent_changes_of_one_account_get_consecutive_sequence_numbers(
    api: Api, environments: list[ExecutionEnvironment]
) -> None:
    # Given an account whose administrator is active
    account_id = register_confirmed(api, BOB, "Globex Corp")["account_id"]
    before = api.get(f"/v1/internal/accounts/{account_id}/events?limit=100").body["items"]

    def invite(number: int) -> Callable[[ExecutionEnvironment], Answer]:
        return lambda lambda_env: lambda_env.post(
            f"/v1/internal/accounts/{account_id}/invitations", {"email": f"colleague{number}@example.com"}
        )

    # When every worker invites a colleague at once: each change writes events on the same timeline
    answers = together(environments, *(invite(number) for number in range(WORKERS)))

    # Then every change that was answered 201 is on the timeline, numbered on from the last one without gap or twin
    assert outcomes(answers)[(201, None)] >= 1, [answer.body for answer in answers]
    assert {code for _, code in outcomes(answers)} <= {None, "CONCURRENT_UPDATE"}
    items = api.get(f"/v1/internal/accounts/{account_id}/events?limit=100").body["items"]
    assert [item["sequence"] for item in items] == list(range(1, len(items) + 1))
    invited = {item["data"]["email"] for item in items[len(before) :] if item["type"] == "invitation.sent"}
    assert invited == {answer.body["email"] for answer in answers if answer.status == 201}
