"""Tokens and email addresses stay secret: a whole flow's logs, metrics, answers and stored items are searched."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest

from business_accounts.tokens import token_hash
from tests.support.api import Answer, Api
from tests.support.aws import REGION, TABLE_NAMES, sent_emails
from tests.support.events import LambdaContext, load_event
from tests.support.fakes import FakeClock
from tools.functions import functions

JANE = "jane.doe@example.com"
BOB = "bob.builder@example.com"
CAROL = "carol.white@example.com"
DAN = "dan.brown@example.com"
STRANGER = "nobody.known@example.com"
ADDRESSES = (JANE, BOB, CAROL, DAN, STRANGER)


class RecordingHandler(logging.Handler):
    """What caplog would keep (caplog is off under `-p no:logging`): every record, with its extra fields."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage() + " " + json.dumps(vars(record), default=str))


@dataclass
class Output:
    """Everything the functions wrote: the service logger's JSON lines, stdout (EMF metrics), stderr, records."""

    capsys: pytest.CaptureFixture[str]
    service_log: io.StringIO
    records: RecordingHandler
    caplog: pytest.LogCaptureFixture | None
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        captured = self.capsys.readouterr()
        self.stdout += captured.out.splitlines()
        self.stderr += captured.err.splitlines()
        caplog_lines = self.caplog.text.splitlines() if self.caplog else []
        return self.service_lines() + self.stdout + self.stderr + self.records.lines + caplog_lines

    def service_lines(self) -> list[str]:
        return self.service_log.getvalue().splitlines()


@pytest.fixture
def output(request: pytest.FixtureRequest) -> Iterator[Output]:
    """The service logger's handler writes to a buffer, at DEBUG (the most verbose level the template allows)."""
    # Imported before capsys starts, so that a first import does not bind the logger to this test's stdout.
    from business_accounts.observability import logger

    capsys: pytest.CaptureFixture[str] = request.getfixturevalue("capsys")
    # caplog too where pytest's logging plugin is on (`-p no:logging` turns it off; RecordingHandler stays).
    with_caplog = request.config.pluginmanager.has_plugin("logging")
    caplog: pytest.LogCaptureFixture | None = request.getfixturevalue("caplog") if with_caplog else None
    if caplog:
        caplog.set_level(logging.DEBUG, logger=logger.name)
    handler = logger.registered_handler
    service_log = io.StringIO()
    records = RecordingHandler()
    root = logging.getLogger()
    root.addHandler(records)
    previous_stream, handler.stream = handler.stream, service_log
    previous_level = logger.log_level
    logger.setLevel(logging.DEBUG)
    try:
        yield Output(capsys, service_log, records, caplog)
    finally:
        logger.setLevel(previous_level)
        handler.stream = previous_stream
        root.removeHandler(records)


class RecordingApi:
    """The api fixture, keeping every answer so that all of them can be searched."""

    def __init__(self, api: Api) -> None:
        self._api = api
        self.answers: list[Answer] = []

    def request(self, method: str, path: str, **options: Any) -> Answer:
        answer = self._api.request(method, path, **options)
        self.answers.append(answer)
        return answer

    def post(self, path: str, body: Any = None, **options: Any) -> Answer:
        return self.request("POST", path, body=body, **options)

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def delete(self, path: str) -> Answer:
        return self.request("DELETE", path)


def last_token_to(email: str) -> str:
    return [mail for mail in sent_emails() if set(mail.to) == {email}][-1].token


def stored_items() -> dict[str, list[dict[str, Any]]]:
    client = boto3.client("dynamodb", region_name=REGION)
    found: dict[str, list[dict[str, Any]]] = {}
    for logical_id, name in TABLE_NAMES.items():
        items: list[dict[str, Any]] = []
        request: dict[str, Any] = {"TableName": name}
        while True:
            page = client.scan(**request)
            items += page["Items"]
            if "LastEvaluatedKey" not in page:
                break
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        found[logical_id] = items
    return found


def whole_flow(api: RecordingApi, clock: FakeClock) -> None:
    """Every route and the cleanup, the happy paths and the refusals that mention a token or an email."""
    provisioned = api.post(
        "/v1/internal/accounts",
        {"company_name": "ACME Ltd", "administrator_email": JANE, "created_via": "upgrade_insurance"},
    )
    assert provisioned.status == 201, provisioned.body
    account_id = provisioned.body["account_id"]
    first = last_token_to(JANE)
    registered = api.post("/v1/accounts", {"email": JANE, "company_name": "ACME"})
    assert registered.code == "PENDING_INVITATION", registered.body
    for _ in range(2):  # a retry with the same key answers from the idempotency store
        other = api.post("/v1/accounts", {"email": DAN, "company_name": "Dan's"}, headers={"Idempotency-Key": "k-1"})
        assert other.status == 201, other.body
    assert api.post(f"/v1/accounts/{account_id}/join", {"email": JANE}).code == "RATE_LIMITED"
    clock.advance(seconds=61)
    assert api.post(f"/v1/accounts/{account_id}/join", {"email": JANE}).status == 202
    clock.advance(seconds=61)
    assert api.post("/v1/invitations/resend", {"email": JANE}).status == 202
    assert api.post("/v1/invitations/resend", {"email": STRANGER}).status == 202
    assert api.post("/v1/invitations/preview", {"token": first}).code == "INVITATION_SUPERSEDED"
    clock.advance(seconds=61)
    assert api.post("/v1/invitations/renew", {"token": first}).status == 202
    current = last_token_to(JANE)
    assert api.post("/v1/invitations/preview", {"token": current}).status == 200
    assert api.post("/v1/invitations/accept", {"token": current + "$"}).code == "VALIDATION_ERROR"
    assert api.post("/v1/invitations/accept", {"token": current}).status == 200
    assert api.post("/v1/invitations/accept", {"token": current}).code == "INVITATION_ALREADY_ACCEPTED"
    assert api.post("/v1/invitations/renew", {"token": first}).code == "INVITATION_ALREADY_ACCEPTED"
    assert api.post("/v1/accounts", {"email": JANE, "company_name": "ACME"}).code == "ALREADY_REGISTERED"
    invited = api.post(f"/v1/internal/accounts/{account_id}/invitations", {"email": BOB, "invited_by": JANE})
    assert invited.status == 201, invited.body
    bob_token = last_token_to(BOB)
    assert api.post(f"/v1/internal/accounts/{account_id}/invitations", {"email": CAROL}).status == 201
    assert api.get(f"/v1/internal/accounts/{account_id}/invitations").status == 200
    assert api.get(f"/v1/internal/accounts/{account_id}").status == 200
    revoked = api.delete(f"/v1/internal/accounts/{account_id}/invitations/{invited.body['invitation_id']}")
    assert revoked.status == 204
    assert api.post("/v1/invitations/preview", {"token": bob_token}).code == "INVITATION_REVOKED"
    clock.advance(days=8)
    handler = functions()["CleanupFunction"].entry_point()
    assert handler(load_event("cleanup_schedule"), LambdaContext(function_name="CleanupFunction")) == {"expired": 1}
    assert api.post("/v1/invitations/preview", {"token": last_token_to(CAROL)}).code == "INVITATION_EXPIRED"


@pytest.fixture
def flow(api: Api, clock: FakeClock, output: Output) -> tuple[RecordingApi, list[str], list[str]]:
    """The whole flow run once: its answers, its log lines and the tokens that its emails carried."""
    recording = RecordingApi(api)
    whole_flow(recording, clock)
    tokens = [mail.token for mail in sent_emails()]
    assert len(set(tokens)) == len(tokens) >= 6
    return recording, output.lines(), tokens


def test_logs_of_whole_flow_carry_no_token(flow: tuple[RecordingApi, list[str], list[str]]) -> None:
    _, lines, tokens = flow

    assert any('"message":"invitation sent"' in line for line in lines), "the service's log lines were not captured"
    leaks = [(token[:6], line) for token in tokens for line in lines if token in line]
    assert leaks == []


def test_logs_of_whole_flow_carry_no_full_email_address(flow: tuple[RecordingApi, list[str], list[str]]) -> None:
    _, lines, _ = flow

    assert any("j***@example.com" in line for line in lines), "masked addresses should still correlate"
    leaks = [(email, line) for email in ADDRESSES for line in lines if email in line]
    assert leaks == []


def test_logs_of_whole_flow_are_structured_json_with_request_id(
    flow: tuple[RecordingApi, list[str], list[str]], output: Output
) -> None:
    log_lines = [json.loads(line) for line in output.service_lines()]
    metric_lines = [json.loads(line) for line in output.stdout if line.startswith('{"_aws"')]

    assert log_lines
    assert all(line.get("function_request_id") for line in log_lines)
    assert all(line.get("correlation_id") for line in log_lines if line.get("function_name") != "CleanupFunction")
    assert metric_lines, "the metrics (EMF on stdout) were searched too"


def test_answers_of_whole_flow_carry_no_token(flow: tuple[RecordingApi, list[str], list[str]]) -> None:
    api, _, tokens = flow

    for answer in api.answers:
        text = json.dumps(answer.body) + json.dumps(answer.headers)
        assert not [token for token in tokens if token in text], answer.body


def test_stored_items_hold_only_token_hashes(flow: tuple[RecordingApi, list[str], list[str]]) -> None:
    _, _, tokens = flow

    items = stored_items()

    text = json.dumps(items)
    assert not [token for token in tokens if token in text]
    stored_hashes = {item["token_hash"]["S"] for item in items["InvitationsTable"]}
    assert {token_hash(token) for token in tokens} <= stored_hashes
    assert items["IdempotencyTable"], "the idempotency store was written, and searched"
