"""Edges of the SPEC that no other test asserts (docs/spec-coverage.md, Gaps G1, G4, G5, G7, G8, G9 and G10).

G1: an expired invitation still holds its email against other accounts, before and after the cleanup.
G4: an unexpected failure answers `{code, message}` with nothing internal in it; DynamoDB throttling answers 503.
G5: every answer with a body declares JSON: a 2xx, a 4xx and a 503 of every public and internal route.
G7: SES v2 unreachable (a BotoCoreError, not a refusal) answers 503 EMAIL_DELIVERY_FAILED and a retry works.
G8: after a failed send, no log line or metric claims the email was sent.
G9: SES_CONFIGURATION_SET reaches SendEmail through a handler, and is left out when empty.
G10: one account per email when registration, provisioning and internal invitations race for it, on threads
released together and in forced "read, another request commits, write" interleavings.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import boto3
import botocore.endpoint
import pytest
from boto3.dynamodb.conditions import Attr
from botocore.exceptions import BotoCoreError, EndpointConnectionError, ReadTimeoutError
from botocore.stub import Stubber

from business_accounts.config import load_settings
from business_accounts.services import Services, build_services, dynamodb_client, services, sesv2_client
from local.atomic import atomic_dynamodb
from tests.support.api import Answer, Api
from tests.support.aws import REGION, TABLE_NAMES, sent_emails, stored_invitation_status
from tests.support.events import LambdaContext
from tests.support.fakes import FakeClock
from tests.support.racing import WORKERS, ExecutionEnvironment, outcomes, together
from tests.support.story import FIRST_EXPIRY, JANE, latest_token, provision
from tools.functions import functions

BOB = "bob@example.com"
NEWCOMER = "newcomer@example.com"
COLLEAGUE = "colleague@example.com"
STRANGER = "stranger@example.com"
UNKNOWN_ACCOUNT = "acc_" + "0" * 26
UNKNOWN_INVITATION = "inv_" + "0" * 26
UNKNOWN_TOKEN = "u" * 43
SES_ENDPOINT = f"https://email.{REGION}.amazonaws.com"


# --- Helpers ---


def stored_account_ids() -> set[str]:
    """The account ids in the accounts table: no route lists accounts, and a refused request returns no id."""
    table = boto3.resource("dynamodb", region_name=REGION).Table(TABLE_NAMES["AccountsTable"])
    items = table.scan(FilterExpression=Attr("sk").eq("ACCOUNT"), ConsistentRead=True)["Items"]
    return {str(item["account_id"]) for item in items}


def emails_to(address: str) -> int:
    return sum(1 for mail in sent_emails() if address in mail.to)


def administrators(api: Api, account_id: str) -> list[dict[str, str]]:
    answer = api.get(f"/v1/internal/accounts/{account_id}")
    assert answer.status == 200, answer.body
    # Who administers the account, and in which state (an invited one's invitation is not what these tests check).
    return [{"email": admin["email"], "state": admin["state"]} for admin in answer.body["administrators"]]


def invitations_listed(api: Api, account_id: str) -> list[tuple[str, str]]:
    answer = api.get(f"/v1/internal/accounts/{account_id}/invitations")
    assert answer.status == 200, answer.body
    return [(item["email"], item["status"]) for item in answer.body["items"]]


def header(answer: Answer, name: str) -> str | None:
    """A response header, looked up case-insensitively as HTTP headers are."""
    return next((value for key, value in answer.headers.items() if key.lower() == name.lower()), None)


def assert_declares_json(answer: Answer) -> None:
    content_type = header(answer, "Content-Type")
    assert content_type is not None, answer.headers
    assert content_type.split(";")[0].strip().lower() == "application/json", content_type
    assert isinstance(answer.body, dict | list), answer.body  # and the body parses as JSON


@contextmanager
def dynamodb_answers(operation: str, error_code: str, http_status_code: int) -> Iterator[None]:
    """The service's next DynamoDB call, which must be `operation`, fails with `error_code`; no other call is made."""
    with Stubber(dynamodb_client()) as stubber:
        stubber.add_client_error(operation, error_code, http_status_code=http_status_code)
        yield
        stubber.assert_no_pending_responses()


@contextmanager
def ses_refuses() -> Iterator[None]:
    with Stubber(sesv2_client()) as stubber:
        stubber.add_client_error("send_email", "MessageRejected", http_status_code=400)
        yield
        stubber.assert_no_pending_responses()


@dataclass
class SesUnreachable:
    """A botocore `before-send` hook: every SendEmail attempt fails in transport, before any bytes leave."""

    error: BotoCoreError
    attempts: int = 0

    def __call__(self, **_: Any) -> None:
        self.attempts += 1
        raise self.error


@pytest.fixture
def retry_sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """botocore retries transport errors with back-off; the delays are recorded here instead of slept."""
    slept: list[float] = []
    monkeypatch.setattr(botocore.endpoint, "time", SimpleNamespace(sleep=slept.append))
    return slept


@contextmanager
def ses_unreachable(error: BotoCoreError) -> Iterator[SesUnreachable]:
    client = sesv2_client()
    hook = SesUnreachable(error)
    client.meta.events.register("before-send.sesv2.SendEmail", hook)
    try:
        yield hook
    finally:
        client.meta.events.unregister("before-send.sesv2.SendEmail", hook)


TRANSPORT_ERRORS = {
    "endpoint-connection": lambda: EndpointConnectionError(endpoint_url=SES_ENDPOINT),
    "read-timeout": lambda: ReadTimeoutError(endpoint_url=SES_ENDPOINT),
}


# --- The routes, each with a success, a client error and the DynamoDB call it makes first ---


@dataclass(frozen=True)
class Standing:
    """ACME Ltd, provisioned by sales for JANE, a minute ago: her pending invitation and its link."""

    account_id: str
    invitation_id: str
    token: str


@dataclass(frozen=True)
class Route:
    success: int
    first_dynamodb_call: str
    sends_email: bool
    succeed: Callable[[Api, Standing], Answer]
    fail: Callable[[Api, Standing], Answer]  # answers a 4xx


ROUTES: dict[str, Route] = {
    "POST /v1/accounts": Route(
        201,
        "transact_write_items",
        False,
        lambda api, _: api.post("/v1/accounts", {"email": NEWCOMER, "company_name": "Newco"}),
        lambda api, _: api.post("/v1/accounts", {"email": "not-an-email", "company_name": "Newco"}),
    ),
    "POST /v1/accounts/{id}/join": Route(
        202,
        "query",
        True,
        lambda api, s: api.post(f"/v1/accounts/{s.account_id}/join", {"email": JANE}),
        lambda api, s: api.post(f"/v1/accounts/{s.account_id}/join", {"email": STRANGER}),
    ),
    "POST /v1/invitations/resend": Route(
        202,
        "query",
        True,
        lambda api, _: api.post("/v1/invitations/resend", {"email": JANE}),
        lambda api, _: api.post("/v1/invitations/resend", {"email": "not-an-email"}),
    ),
    "POST /v1/invitations/preview": Route(
        200,
        "get_item",
        False,
        lambda api, s: api.post("/v1/invitations/preview", {"token": s.token}),
        lambda api, _: api.post("/v1/invitations/preview", {"token": UNKNOWN_TOKEN}),
    ),
    "POST /v1/invitations/accept": Route(
        200,
        "get_item",
        False,
        lambda api, s: api.post("/v1/invitations/accept", {"token": s.token}),
        lambda api, _: api.post("/v1/invitations/accept", {"token": UNKNOWN_TOKEN}),
    ),
    "POST /v1/invitations/renew": Route(
        202,
        "get_item",
        True,
        lambda api, s: api.post("/v1/invitations/renew", {"token": s.token}),
        lambda api, _: api.post("/v1/invitations/renew", {"token": UNKNOWN_TOKEN}),
    ),
    "POST /v1/internal/accounts": Route(
        201,
        "query",
        True,
        lambda api, _: api.post(
            "/v1/internal/accounts",
            {"company_name": "Newco", "administrator_email": NEWCOMER, "created_via": "reseller"},
        ),
        lambda api, _: api.post(
            "/v1/internal/accounts",
            {"company_name": "Newco", "administrator_email": JANE, "created_via": "reseller"},
        ),
    ),
    "GET /v1/internal/accounts/{id}": Route(
        200,
        "query",
        False,
        lambda api, s: api.get(f"/v1/internal/accounts/{s.account_id}"),
        lambda api, _: api.get(f"/v1/internal/accounts/{UNKNOWN_ACCOUNT}"),
    ),
    "POST /v1/internal/accounts/{id}/invitations": Route(
        201,
        "get_item",
        True,
        lambda api, s: api.post(f"/v1/internal/accounts/{s.account_id}/invitations", {"email": COLLEAGUE}),
        lambda api, _: api.post(f"/v1/internal/accounts/{UNKNOWN_ACCOUNT}/invitations", {"email": COLLEAGUE}),
    ),
    "GET /v1/internal/accounts/{id}/invitations": Route(
        200,
        "query",
        False,
        lambda api, s: api.get(f"/v1/internal/accounts/{s.account_id}/invitations"),
        lambda api, _: api.get(f"/v1/internal/accounts/{UNKNOWN_ACCOUNT}/invitations"),
    ),
    "DELETE /v1/internal/accounts/{id}/invitations/{id}": Route(
        204,
        "query",
        False,
        lambda api, s: api.delete(f"/v1/internal/accounts/{s.account_id}/invitations/{s.invitation_id}"),
        lambda api, s: api.delete(f"/v1/internal/accounts/{s.account_id}/invitations/{UNKNOWN_INVITATION}"),
    ),
}
ROUTES_WITH_A_SUCCESS_BODY = [name for name, route in ROUTES.items() if route.success != 204]
SENDING_ROUTES = [name for name, route in ROUTES.items() if route.sends_email]


@pytest.fixture
def standing(api: Api, clock: FakeClock) -> Standing:
    provisioned = provision(api)
    clock.advance(seconds=61)  # past the cooldown, so that every sending route may send again
    return Standing(provisioned["account_id"], provisioned["invitation"]["invitation_id"], latest_token())


# --- G5: answers declare JSON ---


@pytest.mark.parametrize("route", ROUTES_WITH_A_SUCCESS_BODY)
def test_answer_of_route_success_declares_application_json(api: Api, standing: Standing, route: str) -> None:
    # Given an account with a pending invitation
    # When the route succeeds
    answer = ROUTES[route].succeed(api, standing)

    # Then its 2xx says that its body is JSON
    assert answer.status == ROUTES[route].success, answer.body
    assert_declares_json(answer)


def test_answer_of_revoke_success_is_204_with_no_body(api: Api, standing: Standing) -> None:
    answer = ROUTES["DELETE /v1/internal/accounts/{id}/invitations/{id}"].succeed(api, standing)

    assert answer.status == 204
    assert answer.body is None


@pytest.mark.parametrize("route", ROUTES)
def test_answer_of_route_client_error_declares_application_json(api: Api, standing: Standing, route: str) -> None:
    # Given an account with a pending invitation
    # When the route is asked for something it must refuse
    answer = ROUTES[route].fail(api, standing)

    # Then its 4xx is a JSON error body, and says so
    assert 400 <= answer.status < 500, answer.body
    assert_declares_json(answer)
    assert isinstance(answer.code, str), answer.body
    assert isinstance(answer.body["message"], str)


@pytest.mark.parametrize("route", ROUTES)
def test_answer_of_route_dynamodb_throttled_answers_503_service_unavailable_as_json(
    api: Api, standing: Standing, route: str
) -> None:
    # Given DynamoDB throttles the route's first request
    with dynamodb_answers(ROUTES[route].first_dynamodb_call, "ProvisionedThroughputExceededException", 400):
        # When the route is called
        answer = ROUTES[route].succeed(api, standing)

    # Then it answers 503 SERVICE_UNAVAILABLE, in JSON, with when to try again
    assert (answer.status, answer.code) == (503, "SERVICE_UNAVAILABLE"), answer.body
    assert_declares_json(answer)
    assert set(answer.body) == {"code", "message"}
    assert header(answer, "Retry-After") == "1"


@pytest.mark.parametrize("route", SENDING_ROUTES)
def test_answer_of_sending_route_ses_refused_answers_503_email_delivery_failed_as_json(
    api: Api, standing: Standing, route: str
) -> None:
    # Given SES refuses the route's email
    with ses_refuses():
        # When the route is called
        answer = ROUTES[route].succeed(api, standing)

    # Then it answers 503 EMAIL_DELIVERY_FAILED, in JSON
    assert (answer.status, answer.code) == (503, "EMAIL_DELIVERY_FAILED"), answer.body
    assert_declares_json(answer)
    assert header(answer, "Retry-After")


# --- G4: unexpected failures reveal nothing internal ---

INTERNAL_NAMES = (
    "traceback",
    ".py",
    'file "',
    "line ",
    "botocore",
    "boto3",
    "dynamodb",
    "business_accounts",
    "store",
    "internalservererror",
    "runtimeerror",
    "clienterror",
    "accountstable",
    "invitationstable",
    "/opt/",
    "/var/task",
)


def assert_bare_server_error(answer: Answer) -> None:
    assert 500 <= answer.status < 600, answer.body
    assert_declares_json(answer)
    assert set(answer.body) == {"code", "message"}, answer.body
    assert re.fullmatch(r"[A-Z][A-Z_]+", answer.body["code"]), answer.body
    text = (json.dumps(answer.body) + json.dumps(answer.headers)).lower()
    assert [name for name in INTERNAL_NAMES if name in text] == [], answer.body


class ExplodingStore:
    """A store whose every method fails with a message full of internals, as an unforeseen bug would."""

    def __getattr__(self, name: str) -> Callable[..., Any]:
        def explode(*_: Any, **__: Any) -> Any:
            raise RuntimeError(
                "Traceback (most recent call last):\n"
                f'  File "/opt/python/business_accounts/store.py", line 42, in {name}\n'
                "botocore.errorfactory.ResourceNotFoundException: dynamodb table AccountsTable"
            )

        return explode


@pytest.mark.parametrize("route", ROUTES)
def test_unexpected_dynamodb_error_on_route_answers_5xx_with_only_code_and_message(
    api: Api, standing: Standing, route: str
) -> None:
    # Given DynamoDB fails the route's first request in a way the service does not expect
    with dynamodb_answers(ROUTES[route].first_dynamodb_call, "InternalServerError", 500):
        # When the route is called
        answer = ROUTES[route].succeed(api, standing)

    # Then it answers a bare {code, message} 5xx that names nothing inside the service
    assert_bare_server_error(answer)


@pytest.mark.parametrize("route", ROUTES)
def test_unexpected_exception_in_store_on_route_answers_5xx_with_no_internal_names(
    api: Api, runtime: Services, standing: Standing, route: str
) -> None:
    # Given the store raises an exception whose message is full of internals
    services.use(dataclasses.replace(runtime, store=ExplodingStore()))  # type: ignore[arg-type]

    # When the route is called
    answer = ROUTES[route].succeed(api, standing)

    # Then none of it reaches the answer
    assert_bare_server_error(answer)
    assert answer.code == "INTERNAL_ERROR"


@pytest.mark.parametrize(
    "error_code", ["ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"]
)
def test_dynamodb_throttling_code_answers_503_service_unavailable_and_a_retry_works(
    api: Api, standing: Standing, error_code: str
) -> None:
    # Given DynamoDB throttles the next request
    with dynamodb_answers("get_item", error_code, 400):
        # When a link is previewed
        throttled = api.post("/v1/invitations/preview", {"token": standing.token})

    # Then the answer is 503 SERVICE_UNAVAILABLE with Retry-After, and the retry works
    assert (throttled.status, throttled.code) == (503, "SERVICE_UNAVAILABLE"), throttled.body
    assert set(throttled.body) == {"code", "message"}
    assert header(throttled, "Retry-After") == "1"
    retry = api.post("/v1/invitations/preview", {"token": standing.token})
    assert (retry.status, retry.body["status"]) == (200, "pending"), retry.body


# --- G7: SES unreachable ---


@pytest.mark.parametrize("error", TRANSPORT_ERRORS)
def test_join_ses_unreachable_answers_503_email_delivery_failed_with_retry_after(
    api: Api, standing: Standing, retry_sleeps: list[float], error: str
) -> None:
    # Given SES v2 cannot be reached
    with ses_unreachable(TRANSPORT_ERRORS[error]()) as ses:
        # When JANE clicks Join
        answer = api.post(f"/v1/accounts/{standing.account_id}/join", {"email": JANE})

    # Then the SDK tried (and retried) and the answer is 503 EMAIL_DELIVERY_FAILED with Retry-After
    assert ses.attempts >= 1
    assert len(retry_sleeps) == ses.attempts - 1
    assert (answer.status, answer.code) == (503, "EMAIL_DELIVERY_FAILED"), answer.body
    assert set(answer.body) == {"code", "message"}
    retry_after = header(answer, "Retry-After")
    assert retry_after is not None
    assert retry_after.isdigit()
    assert int(retry_after) >= 1
    assert emails_to(JANE) == 1  # the provisioning's only


@pytest.mark.parametrize("error", TRANSPORT_ERRORS)
def test_join_ses_unreachable_keeps_the_previous_link_pending(
    api: Api, standing: Standing, retry_sleeps: list[float], error: str
) -> None:
    # Given SES v2 cannot be reached
    with ses_unreachable(TRANSPORT_ERRORS[error]()):
        # When JANE clicks Join
        api.post(f"/v1/accounts/{standing.account_id}/join", {"email": JANE})

    # Then the link she already has still previews as pending, and nothing new is listed
    preview = api.post("/v1/invitations/preview", {"token": standing.token})
    assert preview.status == 200, preview.body
    assert preview.body["status"] == "pending"
    assert preview.body["invitation_id"] == standing.invitation_id
    assert invitations_listed(api, standing.account_id) == [(JANE, "pending")]


@pytest.mark.parametrize("error", TRANSPORT_ERRORS)
def test_join_ses_unreachable_then_a_retry_at_once_sends_a_working_link(
    api: Api, standing: Standing, retry_sleeps: list[float], error: str
) -> None:
    # Given a Join that failed because SES v2 could not be reached
    with ses_unreachable(TRANSPORT_ERRORS[error]()):
        failed = api.post(f"/v1/accounts/{standing.account_id}/join", {"email": JANE})
    assert failed.code == "EMAIL_DELIVERY_FAILED", failed.body

    # When JANE clicks Join again at once (the clock does not move)
    retry = api.post(f"/v1/accounts/{standing.account_id}/join", {"email": JANE})

    # Then the email goes out, its link works and the older one is superseded
    assert retry.status == 202, retry.body
    assert emails_to(JANE) == 2
    assert latest_token() != standing.token
    assert api.post("/v1/invitations/preview", {"token": latest_token()}).status == 200
    assert api.post("/v1/invitations/preview", {"token": standing.token}).code == "INVITATION_SUPERSEDED"


# --- G8: nothing claims a failed email was sent ---


@dataclass
class Output:
    """What the functions print: the service logger's JSON lines and Powertools' EMF metrics, both on stdout."""

    capsys: pytest.CaptureFixture[str]

    def lines(self) -> list[dict[str, Any]]:
        parsed = []
        for line in self.capsys.readouterr().out.splitlines():
            try:
                value = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict):
                parsed.append(value)
        return parsed

    @staticmethod
    def messages(lines: list[dict[str, Any]]) -> list[str]:
        return [str(line["message"]) for line in lines if "_aws" not in line and "message" in line]

    @staticmethod
    def metrics(lines: list[dict[str, Any]]) -> dict[str, float]:
        """Metric name -> the sum of its values, over every EMF document."""
        found: dict[str, float] = {}
        for line in lines:
            if "_aws" not in line:
                continue
            for directive in line["_aws"]["CloudWatchMetrics"]:
                for metric in directive["Metrics"]:
                    values = line[metric["Name"]]
                    found[metric["Name"]] = found.get(metric["Name"], 0) + sum(
                        values if isinstance(values, list) else [values]
                    )
        return found


class CurrentStdout:
    """Writes to whatever `sys.stdout` is at the time of writing: capsys's buffer while the test runs."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


@pytest.fixture
def output(request: pytest.FixtureRequest) -> Iterator[Output]:
    """The service logger writes to stdout for the test, as on Lambda, where the EMF metrics go anyway."""
    # Imported before capsys starts, so that a first import does not bind the logger to this test's stdout.
    from business_accounts.observability import logger

    capsys: pytest.CaptureFixture[str] = request.getfixturevalue("capsys")
    handler = logger.registered_handler
    previous_stream, handler.stream = handler.stream, CurrentStdout()
    try:
        yield Output(capsys)
    finally:
        handler.stream = previous_stream


FAILURES: dict[str, Callable[[], Any]] = {
    "ses-refuses": ses_refuses,
    "ses-unreachable": lambda: ses_unreachable(EndpointConnectionError(endpoint_url=SES_ENDPOINT)),
}


@pytest.mark.parametrize("failure", FAILURES)
def test_join_email_failure_logs_and_counts_no_invitation_sent_but_one_failure(
    api: Api, clock: FakeClock, output: Output, retry_sleeps: list[float], failure: str
) -> None:
    # Given a provisioned account, whose sent invitation was logged and counted
    account = provision(api)
    before = output.lines()
    assert "invitation sent" in Output.messages(before), "the service's log lines reach the captured stdout"
    assert Output.metrics(before).get("InvitationsSent") == 1, "the EMF metrics reach the captured stdout"
    clock.advance(seconds=61)

    # When the email of a Join fails
    with FAILURES[failure]():
        answer = api.post(f"/v1/accounts/{account['account_id']}/join", {"email": JANE})

    # Then nothing logged or counted says it was sent, and the failure is counted once
    after = output.lines()
    assert answer.code == "EMAIL_DELIVERY_FAILED", answer.body
    messages = Output.messages(after)
    assert "invitation email failed; undoing the invitation" in messages
    assert [message for message in messages if "sent" in message.lower()] == []
    metrics = Output.metrics(after)
    assert "InvitationsSent" not in metrics
    assert metrics.get("InvitationEmailFailures") == 1


def test_provision_email_failure_logs_no_provisioned_account_and_counts_no_invitation_sent(
    api: Api, output: Output
) -> None:
    # Given SES refuses
    with ses_refuses():
        # When an account is provisioned
        answer = api.post(
            "/v1/internal/accounts", {"company_name": "ACME Ltd", "administrator_email": JANE, "created_via": "sales"}
        )

    # Then no line says the invitation was sent or the account provisioned, and the failure is counted
    lines = output.lines()
    assert answer.code == "EMAIL_DELIVERY_FAILED", answer.body
    messages = Output.messages(lines)
    assert "invitation email failed; undoing the invitation" in messages
    assert "invitation sent" not in messages
    assert "account provisioned" not in messages
    metrics = Output.metrics(lines)
    assert "InvitationsSent" not in metrics
    assert metrics.get("InvitationEmailFailures") == 1


# --- G9: SES_CONFIGURATION_SET through a handler ---


@dataclass
class SendEmailRequests:
    """The parameters of every SendEmail the service's SES v2 client makes, through a botocore hook."""

    made: list[dict[str, Any]] = dataclasses.field(default_factory=list)

    def __post_init__(self) -> None:
        sesv2_client().meta.events.register("provide-client-params.sesv2.SendEmail", self._record)

    def _record(self, params: dict[str, Any], **_: Any) -> None:
        self.made.append(dict(params))


def api_configured(monkeypatch: pytest.MonkeyPatch, clock: FakeClock, configuration_set: str | None) -> Api:
    """The handlers' services built from an environment with this SES_CONFIGURATION_SET (None: not set at all)."""
    if configuration_set is None:
        monkeypatch.delenv("SES_CONFIGURATION_SET", raising=False)
    else:
        monkeypatch.setenv("SES_CONFIGURATION_SET", configuration_set)
    load_settings.cache_clear()
    services.use(dataclasses.replace(build_services(load_settings()), clock=clock))
    return Api()


def test_send_email_with_configuration_set_env_passes_configuration_set_name(
    aws: None, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the functions are configured with SES_CONFIGURATION_SET=x
    boto3.client("sesv2", region_name=REGION).create_configuration_set(ConfigurationSetName="x")
    api = api_configured(monkeypatch, clock, "x")
    requests = SendEmailRequests()

    # When invitations are sent through the internal API and through Join
    account = provision(api)
    clock.advance(seconds=61)
    joined = api.post(f"/v1/accounts/{account['account_id']}/join", {"email": JANE})

    # Then each SendEmail names configuration set x
    assert joined.status == 202, joined.body
    assert [request.get("ConfigurationSetName") for request in requests.made] == ["x", "x"]
    assert emails_to(JANE) == 2


@pytest.mark.parametrize("configuration_set", ["", None], ids=["empty", "unset"])
def test_send_email_without_configuration_set_env_omits_configuration_set_name(
    aws: None, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, configuration_set: str | None
) -> None:
    # Given SES_CONFIGURATION_SET is empty or not set
    api = api_configured(monkeypatch, clock, configuration_set)
    requests = SendEmailRequests()

    # When an invitation is sent through a handler
    provision(api)

    # Then the SendEmail request carries no ConfigurationSetName at all
    assert len(requests.made) == 1
    assert "ConfigurationSetName" not in requests.made[0]
    assert requests.made[0]["FromEmailAddress"] == load_settings().sender_email
    assert emails_to(JANE) == 1


# --- G1: an expired invitation still holds its email ---


@dataclass(frozen=True)
class ExpiredHold:
    acme: str  # JANE's invitation to it has expired
    globex: str  # another account, with BOB invited and pending
    token: str


@pytest.fixture(params=["before-cleanup", "after-cleanup"])
def expired_hold(request: pytest.FixtureRequest, api: Api, clock: FakeClock) -> ExpiredHold:
    """JANE's invitation to ACME Ltd expired a moment ago; the cleanup has or has not run since."""
    acme = provision(api, JANE, "ACME Ltd", "sales")["account_id"]
    token = latest_token()
    clock.advance(days=7)  # exactly at expires_at: expired
    globex = provision(api, BOB, "Globex Corp", "reseller")["account_id"]
    if request.param == "after-cleanup":
        cleanup = functions()["CleanupFunction"].entry_point()
        assert cleanup({}, LambdaContext(function_name="CleanupFunction")) == {"expired": 1}
        assert stored_invitation_status(token) == "expired"
    else:
        assert stored_invitation_status(token) == "pending"
    assert api.post("/v1/invitations/preview", {"token": token}).code == "INVITATION_EXPIRED"
    return ExpiredHold(acme=acme, globex=globex, token=token)


def assert_held_by_expired_invitation(answer: Answer, hold: ExpiredHold) -> None:
    assert (answer.status, answer.code) == (409, "PENDING_INVITATION"), answer.body
    assert answer.body["account"] == {"account_id": hold.acme, "company_name": "ACME Ltd", "created_via": "sales"}
    assert answer.body["invitation"] == {
        "status": "expired",
        "expires_at": FIRST_EXPIRY,
        "delivery": {"status": "sent", "at": "2026-11-26T09:00:00Z"},
    }


def test_provision_email_with_expired_invitation_answers_409_pending_invitation_expired(
    api: Api, expired_hold: ExpiredHold
) -> None:
    mailed_before = len(sent_emails())

    # When another company is provisioned with JANE as its administrator
    answer = api.post(
        "/v1/internal/accounts",
        {"company_name": "Initech", "administrator_email": JANE, "created_via": "other_product"},
    )

    # Then the email still belongs to ACME Ltd: 409, nothing mailed, no account created
    assert_held_by_expired_invitation(answer, expired_hold)
    assert len(sent_emails()) == mailed_before
    assert stored_account_ids() == {expired_hold.acme, expired_hold.globex}
    assert administrators(api, expired_hold.acme) == [{"email": JANE, "state": "invited"}]


def test_invite_email_with_expired_invitation_from_another_account_answers_409_pending_invitation_expired(
    api: Api, expired_hold: ExpiredHold
) -> None:
    mailed_before = len(sent_emails())

    # When Globex Corp invites JANE
    answer = api.post(f"/v1/internal/accounts/{expired_hold.globex}/invitations", {"email": JANE})

    # Then the email still belongs to ACME Ltd: 409, nothing mailed, nothing added to Globex Corp
    assert_held_by_expired_invitation(answer, expired_hold)
    assert len(sent_emails()) == mailed_before
    assert stored_account_ids() == {expired_hold.acme, expired_hold.globex}
    assert administrators(api, expired_hold.globex) == [{"email": BOB, "state": "invited"}]
    assert invitations_listed(api, expired_hold.globex) == [(BOB, "pending")]
    assert administrators(api, expired_hold.acme) == [{"email": JANE, "state": "invited"}]


# --- G10: one account per email under concurrency, across routes ---

RACING_FUNCTIONS = ("RegisterFunction", "InternalFunction")


@pytest.fixture
def environments(api: Api) -> Iterator[list[ExecutionEnvironment]]:
    """Execution environments as in test_concurrency.py, with the register and internal handlers loaded up front."""
    found: list[ExecutionEnvironment] = [ExecutionEnvironment(number) for number in range(WORKERS)]
    for environment in found:
        for logical_id in RACING_FUNCTIONS:
            environment.load(functions()[logical_id])
    with atomic_dynamodb():
        yield found


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


@pytest.mark.parametrize("register_delay", REGISTER_DELAYS)
def test_register_racing_provision_of_one_email_has_exactly_one_winner(
    api: Api, environments: list[ExecutionEnvironment], register_delay: float
) -> None:
    # Given nobody holds JANE's email
    # When she registers while sales provisions an account for her
    provisioned, registered = together(environments, provision_in, registering_after(register_delay))

    # Then exactly one wins, the other is told who did, and the email is in exactly one account
    assert sorted([registered.status, provisioned.status]) == [201, 409], (registered.body, provisioned.body)
    (account_id,) = stored_account_ids()
    if registered.status == 201:
        assert provisioned.code == "ALREADY_REGISTERED", provisioned.body
        assert provisioned.body["account"]["account_id"] == registered.body["account_id"] == account_id
        assert accounts_holding(api, JANE) == {account_id: "active"}
        assert emails_to(JANE) == 0
    else:
        assert registered.code == "PENDING_INVITATION", registered.body
        assert registered.body["account"]["account_id"] == provisioned.body["account_id"] == account_id
        assert registered.body["invitation"]["status"] == "pending"
        assert accounts_holding(api, JANE) == {account_id: "invited"}
        assert emails_to(JANE) == 1


def test_registers_racing_provisions_of_one_email_have_exactly_one_winner(
    api: Api, environments: list[ExecutionEnvironment]
) -> None:
    # Given nobody holds JANE's email
    # When half the workers register her and the other half provision an account for her, all at once
    half = WORKERS // 2
    answers = together(environments, *[register] * half, *[provision_in] * (WORKERS - half))

    # Then exactly one answer is a 201, every other one a 409 naming the winner's account
    statuses = outcomes(answers)
    assert statuses[(201, None)] == 1, [answer.body for answer in answers]
    (winner,) = [answer for answer in answers if answer.status == 201]
    losers = [answer for answer in answers if answer is not winner]
    expected = "ALREADY_REGISTERED" if "administrator_email" in winner.body else "PENDING_INVITATION"
    assert {(answer.status, answer.code) for answer in losers} == {(409, expected)}, [a.body for a in losers]
    assert all(answer.body["account"]["account_id"] == winner.body["account_id"] for answer in losers)
    assert stored_account_ids() == {winner.body["account_id"]}
    assert list(accounts_holding(api, JANE)) == [winner.body["account_id"]]
    assert emails_to(JANE) == (0 if expected == "ALREADY_REGISTERED" else 1)


@pytest.mark.parametrize("register_delay", REGISTER_DELAYS)
def test_register_racing_internal_invitation_of_one_email_has_exactly_one_winner(
    api: Api, environments: list[ExecutionEnvironment], register_delay: float
) -> None:
    # Given Globex Corp exists (BOB invited) and nobody holds JANE's email
    globex = provision(api, BOB, "Globex Corp", "reseller")["account_id"]

    def invite(lambda_env: ExecutionEnvironment) -> Answer:
        return lambda_env.post(f"/v1/internal/accounts/{globex}/invitations", {"email": JANE})

    # When JANE registers while a Globex administrator invites her
    invited, registered = together(environments, invite, registering_after(register_delay))

    # Then exactly one wins, the other is told who did, and the email is in exactly one account
    assert sorted([registered.status, invited.status]) == [201, 409], (registered.body, invited.body)
    held = accounts_holding(api, JANE)
    assert len(held) == 1, held
    assert administrators(api, globex)[0] == {"email": BOB, "state": "invited"}
    if registered.status == 201:
        assert invited.code == "ALREADY_REGISTERED", invited.body
        assert invited.body["account"]["account_id"] == registered.body["account_id"]
        assert held == {registered.body["account_id"]: "active"}
        assert stored_account_ids() == {globex, registered.body["account_id"]}
        assert emails_to(JANE) == 0
    else:
        assert registered.code == "PENDING_INVITATION", registered.body
        assert registered.body["account"]["account_id"] == globex
        assert held == {globex: "invited"}
        assert stored_account_ids() == {globex}
        assert emails_to(JANE) == 1


class HeldTransaction:
    """Holds one request's first DynamoDB transaction until released: forces "it reads, another request commits,
    it writes", the interleaving where only the conditions of the transaction keep the email in one account."""

    def __init__(self) -> None:
        self._local = threading.local()
        self.reached = threading.Event()
        self.release = threading.Event()
        dynamodb_client().meta.events.register("before-call.dynamodb.TransactWriteItems", self._hold)

    def _hold(self, **_: Any) -> None:
        if getattr(self._local, "holding", False):
            self._local.holding = False  # only the first: a retry after the conflict goes straight through
            self.reached.set()
            assert self.release.wait(timeout=10)

    def held(self, call: Callable[[ExecutionEnvironment], Answer]) -> Callable[[ExecutionEnvironment], Answer]:
        def run(lambda_env: ExecutionEnvironment) -> Answer:
            self._local.holding = True
            return call(lambda_env)

        return run

    def meanwhile(self, call: Callable[[ExecutionEnvironment], Answer]) -> Callable[[ExecutionEnvironment], Answer]:
        def run(lambda_env: ExecutionEnvironment) -> Answer:
            assert self.reached.wait(timeout=10), "the held request never reached its transaction"
            try:
                return call(lambda_env)
            finally:
                self.release.set()

        return run


# (the request held between its read and its write, the one that commits meanwhile, what the held one answers)
INTERLEAVINGS = {
    "provision-held-register-commits": ("provision", "register", "ALREADY_REGISTERED"),
    "invite-held-register-commits": ("invite", "register", "ALREADY_REGISTERED"),
    "provision-held-invite-commits": ("provision", "invite", "PENDING_INVITATION"),
    "invite-held-provision-commits": ("invite", "provision", "PENDING_INVITATION"),
}


@pytest.mark.parametrize("interleaving", INTERLEAVINGS)
def test_request_for_an_email_claimed_between_its_read_and_write_answers_409_naming_the_winner(
    api: Api, environments: list[ExecutionEnvironment], interleaving: str
) -> None:
    # Given Globex Corp exists (BOB invited) and nobody holds JANE's email
    globex = provision(api, BOB, "Globex Corp", "reseller")["account_id"]
    requests: dict[str, Callable[[ExecutionEnvironment], Answer]] = {
        "register": register,
        "provision": provision_in,
        "invite": lambda lambda_env: lambda_env.post(f"/v1/internal/accounts/{globex}/invitations", {"email": JANE}),
    }
    held_name, winner_name, expected_code = INTERLEAVINGS[interleaving]
    hold = HeldTransaction()

    # When one request has found the email free, and another claims it before the first one writes
    held, winner = together(environments, hold.held(requests[held_name]), hold.meanwhile(requests[winner_name]))

    # Then the one that committed wins, and the held one answers the 409 the email now deserves
    assert winner.status == 201, winner.body
    assert (held.status, held.code) == (409, expected_code), held.body
    winning_account = globex if winner_name == "invite" else winner.body["account_id"]
    assert held.body["account"]["account_id"] == winning_account
    state = "active" if winner_name == "register" else "invited"
    assert accounts_holding(api, JANE) == {winning_account: state}
    assert stored_account_ids() == {globex, winning_account}
    assert emails_to(JANE) == (0 if winner_name == "register" else 1)


def test_provisions_racing_of_one_email_have_one_201_and_every_other_409_pending_invitation(
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
