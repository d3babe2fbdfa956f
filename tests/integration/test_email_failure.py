"""When SES refuses or cannot be reached: 503 EMAIL_DELIVERY_FAILED, nothing changed, nothing claims the email was
sent, and a retry works at once."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any
from unittest.mock import patch

import boto3
import pytest
from botocore.exceptions import BotoCoreError, EndpointConnectionError, ReadTimeoutError

from business_accounts.adapters.wiring import services, sesv2_client
from business_accounts.logic.invitation_email import ComposedEmail, InvitationEmail, MailDeliveryError
from business_accounts.logic.services import Services
from tests.support.answers import assert_declares_json
from tests.support.api import Answer, Api
from tests.support.aws import REGION, TABLE_NAMES, emails_to, sent_emails, stored_account_ids
from tests.support.fakes import FakeClock
from tests.support.faults import ses_refuses, unreachable
from tests.support.output import Output
from tests.support.routes import ROUTES, SENDING_ROUTES, Standing
from tests.support.story import JANE, administrators, invitations_listed, latest_token, provision, provision_answer

SES_ENDPOINT = f"https://email.{REGION}.amazonaws.com"
TRANSPORT_ERRORS: dict[str, Callable[[], BotoCoreError]] = {
    "endpoint-connection": lambda: EndpointConnectionError(endpoint_url=SES_ENDPOINT),
    "read-timeout": lambda: ReadTimeoutError(endpoint_url=SES_ENDPOINT),
}


@dataclasses.dataclass
class BrokenMailer:
    """Keeps what it was asked to send, so a test can try the link that never went out, then fails."""

    attempted: list[InvitationEmail] = dataclasses.field(default_factory=list)

    def send(self, email: ComposedEmail) -> None:
        self.attempted.append(email.invitation)
        raise MailDeliveryError("connection reset")


@contextmanager
def mailer_broken(runtime: Services) -> Iterator[BrokenMailer]:
    broken = BrokenMailer()
    services.use(dataclasses.replace(runtime, mailer=broken))
    try:
        yield broken
    finally:
        services.use(runtime)


def ses_unreachable(error: BotoCoreError) -> AbstractContextManager[Any]:
    """Every SendEmail of the service fails in transport, retries included."""
    return unreachable(sesv2_client(), "SendEmail", error)


def assert_delivery_failed(answer: Answer) -> None:
    assert answer.status == 503, answer.body
    assert answer.code == "EMAIL_DELIVERY_FAILED"
    retry_after = answer.headers["Retry-After"]
    assert retry_after.isdigit()
    assert int(retry_after) >= 1
    assert set(answer.body) == {"code", "message"}


def listed_invitations(api: Api, account_id: str) -> list[tuple[str, str]]:
    listed = api.get(f"/v1/internal/accounts/{account_id}/invitations")
    assert listed.status == 200, listed.body
    return [(item["invitation_id"], item["status"]) for item in listed.body["items"]]


# Each sends JANE a new link for the invitation she already has.
RESENDING_ROUTES: dict[str, Callable[[Api, Standing], Answer]] = {
    "join": lambda api, s: api.post(f"/v1/accounts/{s.account_id}/join", {"email": JANE}),
    "resend": lambda api, _: api.post("/v1/invitations/resend", {"email": JANE}),
    "renew": lambda api, s: api.post("/v1/invitations/renew", {"token": s.token}),
    "invite": lambda api, s: api.post(f"/v1/internal/accounts/{s.account_id}/invitations", {"email": JANE}),
}


# --- Any route that sends ---


@pytest.mark.parametrize("route", SENDING_ROUTES)
def test_email_failure_on_any_sending_route_answers_503_email_delivery_failed_as_json(
    api: Api, standing: Standing, route: str
) -> None:
    # Given SES refuses the route's email
    with ses_refuses():
        # When the route is called
        answer = ROUTES[route].succeed(api, standing)

    # Then it answers 503 EMAIL_DELIVERY_FAILED, in JSON
    assert (answer.status, answer.code) == (503, "EMAIL_DELIVERY_FAILED"), answer.body
    assert_declares_json(answer)
    assert answer.header("Retry-After")


# --- Join, resend, renew and internal invite ---


@pytest.mark.parametrize("route", RESENDING_ROUTES)
def test_email_failure_on_a_sending_route_answers_email_delivery_failed(
    api: Api, standing: Standing, route: str
) -> None:
    with ses_refuses():
        answer = RESENDING_ROUTES[route](api, standing)

    assert_delivery_failed(answer)


@pytest.mark.parametrize("route", RESENDING_ROUTES)
def test_email_failure_on_a_sending_route_keeps_the_previous_link_and_lists_nothing_new(
    api: Api, standing: Standing, route: str
) -> None:
    with ses_refuses():
        RESENDING_ROUTES[route](api, standing)

    still_working = api.post("/v1/invitations/preview", {"token": standing.token})
    assert still_working.status == 200, still_working.body
    assert listed_invitations(api, standing.account_id) == [(standing.invitation_id, "pending")]
    assert administrators(api, standing.account_id) == [{"email": JANE, "state": "invited"}]
    assert len(sent_emails()) == 1


@pytest.mark.parametrize("route", RESENDING_ROUTES)
def test_email_failure_on_a_sending_route_then_an_immediate_retry_is_sent(
    api: Api, standing: Standing, route: str
) -> None:
    with ses_refuses():
        RESENDING_ROUTES[route](api, standing)

    retry = RESENDING_ROUTES[route](api, standing)

    assert retry.status in (201, 202), retry.body
    assert len(sent_emails()) == 2
    assert api.post("/v1/invitations/preview", {"token": latest_token()}).status == 200
    assert api.post("/v1/invitations/preview", {"token": standing.token}).code == "INVITATION_SUPERSEDED"


@pytest.mark.parametrize("route", RESENDING_ROUTES)
def test_email_failure_through_a_broken_mailer_answers_email_delivery_failed_and_a_retry_works(
    api: Api, runtime: Services, standing: Standing, route: str
) -> None:
    with mailer_broken(runtime):
        failed = RESENDING_ROUTES[route](api, standing)
    retry = RESENDING_ROUTES[route](api, standing)

    assert_delivery_failed(failed)
    assert retry.status in (201, 202), retry.body


def test_email_failure_on_an_expired_invitation_keeps_it_expired_and_joinable(api: Api, clock: FakeClock) -> None:
    account = provision(api)
    token = sent_emails()[-1].token
    clock.advance(days=8)

    with ses_refuses():
        failed = api.post("/v1/invitations/renew", {"token": token})

    assert_delivery_failed(failed)
    assert api.post("/v1/invitations/preview", {"token": token}).code == "INVITATION_EXPIRED"
    assert listed_invitations(api, account["account_id"]) == [(account["invitation"]["invitation_id"], "expired")]
    assert api.post(f"/v1/accounts/{account['account_id']}/join", {"email": JANE}).status == 202


def test_email_failure_frees_the_rate_limit_slot_even_for_the_daily_limit(api: Api, clock: FakeClock) -> None:
    account = provision(api)
    for _ in range(8):
        clock.advance(seconds=61)
        assert api.post(f"/v1/accounts/{account['account_id']}/join", {"email": JANE}).status == 202
    clock.advance(seconds=61)

    with ses_refuses():
        failed = api.post(f"/v1/accounts/{account['account_id']}/join", {"email": JANE})
    tenth = api.post(f"/v1/accounts/{account['account_id']}/join", {"email": JANE})

    assert_delivery_failed(failed)
    assert tenth.status == 202, tenth.body
    assert len(sent_emails()) == 10


def test_email_failure_by_ses_throttling_answers_email_delivery_failed(api: Api, clock: FakeClock) -> None:
    account = provision(api)
    clock.advance(seconds=61)

    with ses_refuses("TooManyRequestsException", status=429):
        answer = api.post(f"/v1/accounts/{account['account_id']}/join", {"email": JANE})

    assert_delivery_failed(answer)


# --- Provisioning ---


def test_email_failure_on_provisioning_answers_email_delivery_failed(api: Api) -> None:
    with ses_refuses():
        answer = provision_answer(api)

    assert_delivery_failed(answer)
    assert sent_emails() == []


def test_email_failure_on_provisioning_leaves_the_email_free(api: Api) -> None:
    with ses_refuses():
        provision_answer(api)

    registered = api.post("/v1/accounts", {"email": JANE, "company_name": "Jane's Company"})

    assert registered.status == 201, registered.body


def test_email_failure_on_provisioning_then_an_immediate_retry_creates_the_account(api: Api) -> None:
    with ses_refuses():
        provision_answer(api)

    retry = provision_answer(api)

    assert retry.status == 201, retry.body
    account = api.get(f"/v1/internal/accounts/{retry.body['account_id']}")
    assert [(admin["email"], admin["state"]) for admin in account.body["administrators"]] == [(JANE, "invited")]
    assert listed_invitations(api, retry.body["account_id"]) == [(retry.body["invitation"]["invitation_id"], "pending")]
    assert len(sent_emails()) == 1
    assert api.post("/v1/invitations/preview", {"token": sent_emails()[-1].token}).status == 200


def test_email_failure_on_provisioning_with_a_reference_then_a_retry_sends_the_email(api: Api) -> None:
    with ses_refuses():
        failed = provision_answer(api, external_reference="order-1001")

    retry = provision_answer(api, external_reference="order-1001")

    assert_delivery_failed(failed)
    assert retry.status == 201, retry.body
    assert len(sent_emails()) == 1  # not the first answer replayed without an email
    assert api.post("/v1/invitations/preview", {"token": sent_emails()[-1].token}).status == 200


def test_email_failure_on_provisioning_leaves_no_account_and_no_working_link(api: Api, runtime: Services) -> None:
    with mailer_broken(runtime) as broken:
        failed = provision_answer(api)

    assert_delivery_failed(failed)
    never_sent = broken.attempted[0].link.split("#token=", 1)[1]
    assert api.post("/v1/invitations/preview", {"token": never_sent}).code == "INVITATION_NOT_FOUND"
    assert stored_account_ids() == set()


def test_email_failure_on_provisioning_then_a_retry_leaves_exactly_one_account(api: Api, runtime: Services) -> None:
    with mailer_broken(runtime):
        provision_answer(api)

    retry = provision_answer(api)

    assert retry.status == 201, retry.body
    assert stored_account_ids() == {retry.body["account_id"]}


# --- An email that cannot even be built: nothing is written first ---


def test_email_that_cannot_be_built_answers_internal_error_and_writes_nothing(api: Api) -> None:
    provision_jane = {"company_name": "ACME Ltd", "administrator_email": JANE, "created_via": "sales"}

    # Given building the invitation email fails (an unforeseen bug in the message)
    with patch("business_accounts.logic.delivery.compose", side_effect=ValueError("header cannot be built")):
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


# --- SES out of reach: a transport error, not a refusal ---


@pytest.mark.parametrize("error", TRANSPORT_ERRORS)
def test_email_failure_ses_unreachable_on_join_answers_503_email_delivery_failed_with_retry_after(
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
    retry_after = answer.header("Retry-After")
    assert retry_after is not None
    assert retry_after.isdigit()
    assert int(retry_after) >= 1
    assert emails_to(JANE) == 1  # the provisioning's only


@pytest.mark.parametrize("error", TRANSPORT_ERRORS)
def test_email_failure_ses_unreachable_on_join_keeps_the_previous_link_pending(
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
def test_email_failure_ses_unreachable_on_join_then_a_retry_at_once_sends_a_working_link(
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


# --- Nothing logged or counted claims a failed email was sent ---

FAILURES: dict[str, Callable[[], AbstractContextManager[Any]]] = {
    "ses-refuses": ses_refuses,
    "ses-unreachable": lambda: ses_unreachable(EndpointConnectionError(endpoint_url=SES_ENDPOINT)),
}


@pytest.mark.parametrize("failure", FAILURES)
def test_email_failure_on_join_logs_and_counts_no_invitation_sent_but_one_failure(
    api: Api, clock: FakeClock, output: Output, retry_sleeps: list[float], failure: str
) -> None:
    # Given a provisioned account, whose sent invitation was logged and counted
    account = provision(api)
    assert "invitation sent" in output.messages(), "the service's log lines reach the captured output"
    assert output.metrics().get("InvitationsSent") == 1, "the EMF metrics reach the captured stdout"
    output.forget()
    clock.advance(seconds=61)

    # When the email of a Join fails
    with FAILURES[failure]():
        answer = api.post(f"/v1/accounts/{account['account_id']}/join", {"email": JANE})

    # Then nothing logged or counted says it was sent, and the failure is counted once
    assert answer.code == "EMAIL_DELIVERY_FAILED", answer.body
    messages = output.messages()
    assert "invitation email failed; undoing the invitation" in messages
    assert [message for message in messages if "sent" in message.lower()] == []
    metrics = output.metrics()
    assert "InvitationsSent" not in metrics
    assert metrics.get("InvitationEmailFailures") == 1


def test_email_failure_on_provisioning_logs_no_provisioned_account_and_counts_no_invitation_sent(
    api: Api, output: Output
) -> None:
    # Given SES refuses
    with ses_refuses():
        # When an account is provisioned
        answer = provision_answer(api)

    # Then no line says the invitation was sent or the account provisioned, and the failure is counted
    assert answer.code == "EMAIL_DELIVERY_FAILED", answer.body
    messages = output.messages()
    assert "invitation email failed; undoing the invitation" in messages
    assert "invitation sent" not in messages
    assert "account provisioned" not in messages
    metrics = output.metrics()
    assert "InvitationsSent" not in metrics
    assert metrics.get("InvitationEmailFailures") == 1
