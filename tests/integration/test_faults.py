"""Faults, alone and compounded, and what the service still promises (docs/design.md, "True answers under faults"):
no answer that lies, no email whose link is dead, no email lost for good, limits that count the emails that left,
and tables that stay consistent. Faults are injected with botocore's event hooks, between the code and moto."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any
from unittest.mock import patch

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError

from business_accounts.adapters.wiring import dynamodb_client, sesv2_client
from tests.support.api import Answer, Api
from tests.support.aws import REGION, TABLE_NAMES, sent_emails
from tests.support.fakes import FakeClock
from tests.support.faults import lost_answer, record_retry_sleeps, refusing, unreachable
from tests.support.invariants import assert_consistent, event_types
from tests.support.output import Output
from tests.support.routes import ROUTES, SENDING_ROUTES, standing_a_minute_after_provisioning
from tests.support.story import JANE, provision, provision_answer

SES = f"https://email.{REGION}.amazonaws.com"
DYNAMODB = f"https://dynamodb.{REGION}.amazonaws.com"


@pytest.fixture(autouse=True)
def no_sleeping(monkeypatch: pytest.MonkeyPatch) -> None:
    record_retry_sleeps(monkeypatch)


def ses_refusing() -> AbstractContextManager[list[dict[str, Any]]]:
    """Every SendEmail is refused as SES refuses an email it will never take (MessageRejected, 400)."""
    return refusing(sesv2_client(), "SendEmail", "MessageRejected")


def ses_times_out_after_taking_it() -> AbstractContextManager[None]:
    """SES takes every email (moto keeps it), but the answer never arrives: the client sees a read timeout."""
    return lost_answer(sesv2_client(), "SendEmail", ReadTimeoutError(endpoint_url=SES))


def delivery_of_latest(api: Api, account_id: str) -> dict[str, Any] | None:
    item = api.get(f"/v1/internal/accounts/{account_id}/invitations").body["items"][0]
    delivery: dict[str, Any] | None = item.get("delivery")
    return delivery


# --- SES refuses: the email did not leave, and the answer never said it had ---


@pytest.mark.parametrize("route", SENDING_ROUTES)
def test_faults_ses_refuses_answer_is_true_no_link_is_dead_and_the_count_comes_back(
    api: Api, clock: FakeClock, route: str
) -> None:
    standing = standing_a_minute_after_provisioning(api, clock)
    before = len(sent_emails())

    with ses_refusing() as refused:
        answer: Answer = ROUTES[route].succeed(api, standing)

    assert answer.status == ROUTES[route].success, answer.body  # what it says is so: the invitation is written
    assert refused  # the outbox tried
    assert len(sent_emails()) == before  # and nothing left
    if route != "POST /v1/internal/accounts":  # provisioning again claims a taken email: its retry is below
        again = ROUTES[route].succeed(api, standing)  # at once: the refused email gave its count back
        assert again.status == ROUTES[route].success, again.body
        assert len(sent_emails()) == before + 1
    assert_consistent()


def test_faults_nothing_counts_or_logs_an_email_as_sent_that_never_left(api: Api, output: Output) -> None:
    with ses_refusing():
        provision(api)  # issued, its email due; the outbox tries it and SES refuses
    refused = output.metrics()
    messages = output.messages()
    output.forget()
    with ses_times_out_after_taking_it():
        provision(api, email="bob@example.com")  # SES took it, but whether it did is not known: tried again later
    unknown = output.metrics()

    assert (refused.get("InvitationsSent", 0), refused.get("InvitationEmailFailures")) == (0, 1), refused
    assert "outbox: SES refused the email" in messages
    assert "outbox: email sent" not in messages
    assert unknown.get("InvitationsSent", 0) == 0, unknown
    assert "outbox: email sent" not in output.messages()
    provision(api, email="cat@example.com")  # SES answers again: Bob's email is tried again, and Cat's goes
    assert output.metrics().get("InvitationsSent") == 2  # each counted once it has left
    assert output.messages().count("outbox: email sent") == 2


def test_faults_ses_refuses_is_recorded_rejected_where_support_and_the_person_see_it(
    api: Api, clock: FakeClock
) -> None:
    with ses_refusing():
        provisioned = provision(api)

    assert delivery_of_latest(api, provisioned["account_id"])["status"] == "rejected"  # type: ignore[index]
    pending = api.post("/v1/accounts", {"email": JANE, "company_name": "ACME"})
    assert pending.body["invitation"]["delivery"]["status"] == "rejected"
    assert "invitation.delivery" in event_types(provisioned["account_id"])


def test_faults_ses_refuses_then_a_provisioning_retry_sends_the_email_that_never_left(api: Api) -> None:
    with ses_refusing():
        first = provision(api, external_reference="SO-1")

    again = provision(api, external_reference="SO-1")

    assert again == first  # the first answer, replayed
    assert [mail.to for mail in sent_emails()] == [[JANE]]  # and this time the email left
    assert_consistent()


def test_faults_provisioning_retry_after_the_email_left_sends_nothing_more(api: Api) -> None:
    provision(api, external_reference="SO-2")

    provision(api, external_reference="SO-2")

    assert len(sent_emails()) == 1


# --- SES refuses, then DynamoDB is out of reach while the refusal is recorded: compounded ---


def test_faults_ses_refuses_and_dynamodb_fails_after_the_answer_is_still_true_and_no_email_is_lost(
    api: Api,
) -> None:
    quiet = Api(drain=False)
    provisioned = provision(quiet)  # the answer: written, email due
    down = EndpointConnectionError(endpoint_url=DYNAMODB)
    with ses_refusing(), unreachable(dynamodb_client(), "TransactWriteItems", down):
        quiet.stream.pump_once()  # SES refuses, and recording the refusal fails: the stream keeps the record

    assert sent_emails() == []
    quiet.stream.drain()  # both are back: the stream delivers the record again, and this time it leaves

    assert [mail.to for mail in sent_emails()] == [[JANE]]
    assert delivery_of_latest(api, provisioned["account_id"])["status"] == "sent"  # type: ignore[index]
    assert_consistent()


# --- SES times out after taking the email: the outcome is unknown, so it is sent again, with the same link ---


def test_faults_ses_timing_out_after_taking_the_email_mails_it_again_with_the_same_working_link(api: Api) -> None:
    quiet = Api(drain=False)
    provision(quiet)
    with ses_times_out_after_taking_it():
        quiet.stream.pump_once()  # SES kept it, the client saw a timeout: the stream keeps the record

    quiet.stream.drain()

    links = {mail.token for mail in sent_emails()}
    assert len(sent_emails()) == 2  # at least once: twice, as its first outcome was unknown
    assert len(links) == 1  # never two emails with different links
    accepted = api.post("/v1/invitations/accept", {"token": links.pop()})
    assert accepted.status == 200, accepted.body
    assert_consistent()


# --- DynamoDB throttles or is out of reach during the request: nothing is written, nothing is mailed ---


@pytest.mark.parametrize("route", SENDING_ROUTES)
def test_faults_dynamodb_throttling_the_write_answers_503_and_leaves_nothing(
    api: Api, clock: FakeClock, route: str
) -> None:
    standing = standing_a_minute_after_provisioning(api, clock)
    before = len(sent_emails())

    with refusing(dynamodb_client(), "TransactWriteItems", "ThrottlingException"):
        answer = ROUTES[route].succeed(api, standing)

    assert (answer.status, answer.code) == (503, "SERVICE_UNAVAILABLE")
    assert answer.header("Retry-After") is not None
    assert len(sent_emails()) == before
    assert_consistent()


# --- The process dies between the write and the send: the email is not lost ---


def test_faults_a_crash_between_the_write_and_the_send_loses_no_email(api: Api) -> None:
    quiet = Api(drain=False)

    provisioned = provision(quiet)  # written; then the process is gone before any email

    assert sent_emails() == []
    quiet.stream.drain()  # the stream outlives the process
    assert [mail.to for mail in sent_emails()] == [[JANE]]
    assert event_types(provisioned["account_id"]) == ["account.created", "invitation.sent", "invitation.delivery"]


def test_faults_a_crash_after_sending_but_before_recording_it_sends_the_same_link_again(api: Api) -> None:
    quiet = Api(drain=False)
    provision(quiet)
    failure = EndpointConnectionError(endpoint_url=DYNAMODB)
    with unreachable(dynamodb_client(), "TransactWriteItems", failure):
        quiet.stream.pump_once()  # SES took it; recording `sent` failed: the record comes again

    quiet.stream.drain()

    assert len(sent_emails()) == 2
    assert len({mail.token for mail in sent_emails()}) == 1
    assert_consistent()


def test_faults_an_email_superseded_before_the_outbox_sends_it_is_never_mailed(api: Api, clock: FakeClock) -> None:
    quiet = Api(drain=False)
    provisioned = quiet.post(
        "/v1/internal/accounts", {"company_name": "ACME Ltd", "administrator_email": JANE, "created_via": "sales"}
    ).body
    clock.advance(seconds=61)
    quiet.post(f"/v1/accounts/{provisioned['account_id']}/join", {"email": JANE})  # supersedes the first

    quiet.stream.drain()

    assert len(sent_emails()) == 1  # only the newer link left, so no email carries a dead one
    accepted = api.post("/v1/invitations/accept", {"token": sent_emails()[0].token})
    assert accepted.status == 200, accepted.body


def test_faults_kms_out_of_reach_answers_503_before_anything_is_written(api: Api) -> None:
    from business_accounts.adapters.wiring import kms_client

    with unreachable(kms_client(), "GenerateMac", EndpointConnectionError(endpoint_url="https://kms")):
        answer = provision_answer(api)

    assert (answer.status, answer.code) == (503, "SERVICE_UNAVAILABLE")
    assert api.post("/v1/accounts", {"email": JANE, "company_name": "ACME"}).status == 201  # nothing claims it
    assert_consistent()


# --- An email that cannot be built: nothing is written first; old names still mail ---


def test_email_that_cannot_be_built_answers_internal_error_and_writes_nothing(api: Api) -> None:
    provision_jane = {"company_name": "ACME Ltd", "administrator_email": JANE, "created_via": "sales"}

    # Given building the invitation email fails (an unforeseen bug in the message)
    with patch("business_accounts.logic.issuing.compose", side_effect=ValueError("header cannot be built")):
        failed = api.post("/v1/internal/accounts", provision_jane)

    # Then nothing was committed: no account, no invitation, no rate-limit slot
    assert (failed.status, failed.code) == (500, "INTERNAL_ERROR"), failed.body
    assert sent_emails() == []
    retried = api.post("/v1/internal/accounts", provision_jane)
    assert retried.status == 201, retried.body  # the email is free and its cooldown untouched
    assert len(sent_emails()) == 1


def test_email_for_a_company_name_stored_before_the_name_rule_goes_out_on_one_line(api: Api, clock: FakeClock) -> None:
    # Given an account whose name was stored with a line separator, before names were checked
    account_id = api.post(
        "/v1/internal/accounts", {"company_name": "Evil Ltd", "administrator_email": JANE, "created_via": "sales"}
    ).body["account_id"]
    accounts = boto3.resource("dynamodb", region_name=REGION).Table(TABLE_NAMES["AccountsTable"])
    accounts.update_item(
        Key={"pk": f"EMAIL#{JANE}", "sk": "OWNER"},
        UpdateExpression="SET company_name = :name",
        ExpressionAttributeValues={":name": "Evil\u2028Ltd"},
    )
    clock.advance(minutes=2)

    # When Jane clicks Join
    answer = api.post(f"/v1/accounts/{account_id}/join", {"email": JANE})

    # Then the email goes out, its subject one line
    assert answer.status == 202, answer.body
    assert sent_emails()[-1].subject == "You are invited to administer the Evil Ltd business account"
