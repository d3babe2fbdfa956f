"""Tokens and email addresses stay secret: a whole flow's logs, metrics, answers and stored items are searched."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from business_accounts.logic.tokens import token_hash
from tests.support.api import Answer, Api
from tests.support.aws import REGION, TABLE_NAMES, sent_emails
from tests.support.events import LambdaContext, load_event
from tests.support.fakes import FakeClock
from tests.support.output import Output
from tests.support.story import latest_token
from tools.functions import functions

JANE = "jane.doe@example.com"
BOB = "bob.builder@example.com"
CAROL = "carol.white@example.com"
DAN = "dan.brown@example.com"
STRANGER = "nobody.known@example.com"
ADDRESSES = (JANE, BOB, CAROL, DAN, STRANGER)


class RecordingApi(Api):
    """The api fixture, keeping every answer so that all of them can be searched."""

    def __init__(self) -> None:
        super().__init__()
        self.answers: list[Answer] = []

    def request(self, method: str, path: str, **options: Any) -> Answer:
        answer = super().request(method, path, **options)
        self.answers.append(answer)
        return answer


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
    first = latest_token(JANE)
    registered = api.post("/v1/accounts", {"email": JANE, "company_name": "ACME"})
    assert registered.code == "PENDING_INVITATION", registered.body
    for _ in range(2):  # a retry with the same key answers from the idempotency store
        other = api.post("/v1/accounts", {"email": DAN, "company_name": "Dan's"}, headers={"Idempotency-Key": "k-1"})
        assert other.status == 201, other.body
    assert api.post(f"/v1/accounts/{account_id}/join", {"email": JANE}).status == 202
    assert api.post(f"/v1/accounts/{account_id}/join", {"email": JANE}).code == "RATE_LIMITED"
    clock.advance(seconds=61)
    assert api.post("/v1/invitations/resend", {"email": JANE}).status == 202
    assert api.post("/v1/invitations/resend", {"email": STRANGER}).status == 202
    assert api.post("/v1/invitations/preview", {"token": first}).code == "INVITATION_SUPERSEDED"
    clock.advance(seconds=61)
    assert api.post("/v1/invitations/renew", {"token": first}).status == 202
    current = latest_token(JANE)
    assert api.post("/v1/invitations/preview", {"token": current}).status == 200
    assert api.post("/v1/invitations/accept", {"token": current + "$"}).code == "VALIDATION_ERROR"
    assert api.post("/v1/invitations/accept", {"token": current}).status == 200
    assert api.post("/v1/invitations/accept", {"token": current}).code == "INVITATION_ALREADY_ACCEPTED"
    assert api.post("/v1/invitations/renew", {"token": first}).code == "INVITATION_ALREADY_ACCEPTED"
    assert api.post("/v1/accounts", {"email": JANE, "company_name": "ACME"}).code == "ALREADY_REGISTERED"
    invited = api.post(f"/v1/internal/accounts/{account_id}/invitations", {"email": BOB, "invited_by": JANE})
    assert invited.status == 201, invited.body
    bob_token = latest_token(BOB)
    assert api.post(f"/v1/internal/accounts/{account_id}/invitations", {"email": CAROL}).status == 201
    assert api.get(f"/v1/internal/accounts/{account_id}/invitations").status == 200
    assert api.get(f"/v1/internal/accounts/{account_id}").status == 200
    revoked = api.delete(f"/v1/internal/accounts/{account_id}/invitations/{invited.body['invitation_id']}")
    assert revoked.status == 204
    assert api.post("/v1/invitations/preview", {"token": bob_token}).code == "INVITATION_REVOKED"
    clock.advance(days=8)
    handler = functions()["CleanupFunction"].entry_point()
    assert handler(load_event("cleanup_schedule"), LambdaContext(function_name="CleanupFunction")) == {
        "expired": 2,  # Carol's invitation, and Dan's unconfirmed registration (which goes with it)
        "remaining": False,
    }
    assert api.post("/v1/invitations/preview", {"token": latest_token(CAROL)}).code == "INVITATION_EXPIRED"


@pytest.fixture
def flow(api: Api, clock: FakeClock, output: Output) -> tuple[RecordingApi, list[str], list[str]]:
    """The whole flow run once: its answers, its log lines and the tokens that its emails carried."""
    recording = RecordingApi()
    whole_flow(recording, clock)
    tokens = [mail.token for mail in sent_emails()]
    assert len(set(tokens)) == len(tokens) >= 6
    return recording, output.lines(), tokens


def test_logs_of_whole_flow_carry_no_token(flow: tuple[RecordingApi, list[str], list[str]]) -> None:
    _, lines, tokens = flow

    assert any('"message":"outbox: email sent"' in line for line in lines), "the service's log lines were not captured"
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
    metric_lines = output.metric_documents()

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
