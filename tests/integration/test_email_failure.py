"""When SES refuses an invitation email: 503 EMAIL_DELIVERY_FAILED, nothing changed, and a retry works at once."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from unittest.mock import patch

import boto3
import pytest
from boto3.dynamodb.conditions import Attr
from botocore.stub import Stubber

from business_accounts.mailer import ComposedEmail, InvitationEmail, MailDeliveryError
from business_accounts.services import Services, services, sesv2_client
from tests.support.api import Answer, Api
from tests.support.aws import REGION, TABLE_NAMES, sent_emails
from tests.support.fakes import FakeClock

JANE = "jane@example.com"


@contextmanager
def ses_refuses(error_code: str = "MessageRejected", http_status_code: int = 400) -> Iterator[None]:
    """The next SendEmail fails as SES would; anything else SES is asked meanwhile fails the test."""
    with Stubber(sesv2_client()) as stubber:
        stubber.add_client_error("send_email", error_code, http_status_code=http_status_code)
        yield
        stubber.assert_no_pending_responses()


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


def provision(api: Api, email: str = JANE, **extra: str) -> Answer:
    return api.post(
        "/v1/internal/accounts",
        {"company_name": "ACME Ltd", "administrator_email": email, "created_via": "sales", **extra},
    )


def provisioned(api: Api) -> Any:
    answer = provision(api)
    assert answer.status == 201, answer.body
    return answer.body


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


SENDING_ROUTES: dict[str, Callable[[Api, str, str], Answer]] = {
    "join": lambda api, account_id, _: api.post(f"/v1/accounts/{account_id}/join", {"email": JANE}),
    "resend": lambda api, _, __: api.post("/v1/invitations/resend", {"email": JANE}),
    "renew": lambda api, _, token: api.post("/v1/invitations/renew", {"token": token}),
    "invite": lambda api, account_id, _: api.post(f"/v1/internal/accounts/{account_id}/invitations", {"email": JANE}),
}


# --- Join, resend, renew and internal invite ---


@pytest.mark.parametrize("route", SENDING_ROUTES)
def test_email_failure_on_a_sending_route_answers_email_delivery_failed(api: Api, clock: FakeClock, route: str) -> None:
    account = provisioned(api)
    token = sent_emails()[-1].token
    clock.advance(seconds=61)

    with ses_refuses():
        answer = SENDING_ROUTES[route](api, account["account_id"], token)

    assert_delivery_failed(answer)


@pytest.mark.parametrize("route", SENDING_ROUTES)
def test_email_failure_on_a_sending_route_keeps_the_previous_link_and_lists_nothing_new(
    api: Api, clock: FakeClock, route: str
) -> None:
    account = provisioned(api)
    token = sent_emails()[-1].token
    clock.advance(seconds=61)

    with ses_refuses():
        SENDING_ROUTES[route](api, account["account_id"], token)

    still_working = api.post("/v1/invitations/preview", {"token": token})
    assert still_working.status == 200, still_working.body
    assert listed_invitations(api, account["account_id"]) == [(account["invitation"]["invitation_id"], "pending")]
    administrators = api.get(f"/v1/internal/accounts/{account['account_id']}").body["administrators"]
    assert [(admin["email"], admin["state"]) for admin in administrators] == [(JANE, "invited")]
    assert len(sent_emails()) == 1


@pytest.mark.parametrize("route", SENDING_ROUTES)
def test_email_failure_on_a_sending_route_then_an_immediate_retry_is_sent(
    api: Api, clock: FakeClock, route: str
) -> None:
    account = provisioned(api)
    token = sent_emails()[-1].token
    clock.advance(seconds=61)
    with ses_refuses():
        SENDING_ROUTES[route](api, account["account_id"], token)

    retry = SENDING_ROUTES[route](api, account["account_id"], token)

    assert retry.status in (201, 202), retry.body
    assert len(sent_emails()) == 2
    assert api.post("/v1/invitations/preview", {"token": sent_emails()[-1].token}).status == 200
    assert api.post("/v1/invitations/preview", {"token": token}).code == "INVITATION_SUPERSEDED"


@pytest.mark.parametrize("route", SENDING_ROUTES)
def test_email_failure_through_a_broken_mailer_answers_email_delivery_failed_and_a_retry_works(
    api: Api, clock: FakeClock, runtime: Services, route: str
) -> None:
    account = provisioned(api)
    token = sent_emails()[-1].token
    clock.advance(seconds=61)

    with mailer_broken(runtime):
        failed = SENDING_ROUTES[route](api, account["account_id"], token)
    retry = SENDING_ROUTES[route](api, account["account_id"], token)

    assert_delivery_failed(failed)
    assert retry.status in (201, 202), retry.body


def test_email_failure_on_an_expired_invitation_keeps_it_expired_and_joinable(api: Api, clock: FakeClock) -> None:
    account = provisioned(api)
    token = sent_emails()[-1].token
    clock.advance(days=8)

    with ses_refuses():
        failed = api.post("/v1/invitations/renew", {"token": token})

    assert_delivery_failed(failed)
    assert api.post("/v1/invitations/preview", {"token": token}).code == "INVITATION_EXPIRED"
    assert listed_invitations(api, account["account_id"]) == [(account["invitation"]["invitation_id"], "expired")]
    assert api.post(f"/v1/accounts/{account['account_id']}/join", {"email": JANE}).status == 202


def test_email_failure_frees_the_rate_limit_slot_even_for_the_daily_limit(api: Api, clock: FakeClock) -> None:
    account = provisioned(api)
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
    account = provisioned(api)
    clock.advance(seconds=61)

    with ses_refuses("TooManyRequestsException", http_status_code=429):
        answer = api.post(f"/v1/accounts/{account['account_id']}/join", {"email": JANE})

    assert_delivery_failed(answer)


# --- Provisioning ---


def test_email_failure_on_provisioning_answers_email_delivery_failed(api: Api) -> None:
    with ses_refuses():
        answer = provision(api)

    assert_delivery_failed(answer)
    assert sent_emails() == []


def test_email_failure_on_provisioning_leaves_the_email_free(api: Api) -> None:
    with ses_refuses():
        provision(api)

    registered = api.post("/v1/accounts", {"email": JANE, "company_name": "Jane's Company"})

    assert registered.status == 201, registered.body


def test_email_failure_on_provisioning_then_an_immediate_retry_creates_the_account(api: Api) -> None:
    with ses_refuses():
        provision(api)

    retry = provision(api)

    assert retry.status == 201, retry.body
    account = api.get(f"/v1/internal/accounts/{retry.body['account_id']}")
    assert [(admin["email"], admin["state"]) for admin in account.body["administrators"]] == [(JANE, "invited")]
    assert listed_invitations(api, retry.body["account_id"]) == [(retry.body["invitation"]["invitation_id"], "pending")]
    assert len(sent_emails()) == 1
    assert api.post("/v1/invitations/preview", {"token": sent_emails()[-1].token}).status == 200


def test_email_failure_on_provisioning_with_a_reference_then_a_retry_sends_the_email(api: Api) -> None:
    with ses_refuses():
        failed = provision(api, external_reference="order-1001")

    retry = provision(api, external_reference="order-1001")

    assert_delivery_failed(failed)
    assert retry.status == 201, retry.body
    assert len(sent_emails()) == 1  # not the first answer replayed without an email
    assert api.post("/v1/invitations/preview", {"token": sent_emails()[-1].token}).status == 200


def test_email_failure_on_provisioning_leaves_no_account_and_no_working_link(api: Api, runtime: Services) -> None:
    with mailer_broken(runtime) as broken:
        failed = provision(api)

    assert_delivery_failed(failed)
    never_sent = broken.attempted[0].link.split("#token=", 1)[1]
    assert api.post("/v1/invitations/preview", {"token": never_sent}).code == "INVITATION_NOT_FOUND"
    assert stored_accounts() == []


def test_email_failure_on_provisioning_then_a_retry_leaves_exactly_one_account(api: Api, runtime: Services) -> None:
    with mailer_broken(runtime):
        provision(api)

    retry = provision(api)

    assert retry.status == 201, retry.body
    assert stored_accounts() == [retry.body["account_id"]]


def stored_accounts() -> list[str]:
    """The account ids in the accounts table: no route lists accounts, and a failed provisioning returns no id."""
    table = boto3.resource("dynamodb", region_name=REGION).Table(TABLE_NAMES["AccountsTable"])
    items = table.scan(FilterExpression=Attr("sk").eq("ACCOUNT"))["Items"]
    return [str(item["account_id"]) for item in items]


# --- An email that cannot even be built: nothing is written first ---


def test_email_that_cannot_be_built_answers_internal_error_and_writes_nothing(api: Api) -> None:
    provision_jane = {"company_name": "ACME Ltd", "administrator_email": JANE, "created_via": "sales"}

    # Given building the invitation email fails (an unforeseen bug in the message)
    with patch("business_accounts.delivery.compose", side_effect=ValueError("header cannot be built")):
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
