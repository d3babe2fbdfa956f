"""Delivery feedback on the local stack: SES's mailbox simulator reports each email a couple of seconds after it
is sent, through the template's configuration set destination and EventBridge rule, to DeliveryEventsFunction."""

from __future__ import annotations

import time
import uuid
from typing import Any

import requests

from tests.e2e.conftest import LocalStack

SIMULATOR = "simulator.amazonses.com"
WITHIN_SECONDS = 20  # two seconds per report locally; a loaded machine takes longer to invoke the function


def simulator_address(scenario: str) -> str:
    """`bounce+3f2a...@simulator.amazonses.com`: SES's simulator address for `scenario`, labelled for this test."""
    return f"{scenario}+{uuid.uuid4().hex[:10]}@{SIMULATOR}"


def provision(stack: LocalStack, email: str) -> str:
    answer = stack.post(
        "/v1/internal/accounts", {"company_name": "ACME Ltd", "administrator_email": email, "created_via": "sales"}
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["account_id"])


def public_delivery(stack: LocalStack, email: str) -> dict[str, Any] | None:
    """The `delivery` a registration with `email` is told of (409 PENDING_INVITATION): a bounce or a rejection only."""
    answer = stack.post("/v1/accounts", {"email": email, "company_name": "ACME"})
    assert answer.json()["code"] == "PENDING_INVITATION", answer.text
    delivery: dict[str, Any] | None = answer.json()["invitation"].get("delivery")
    return delivery


def support_delivery(stack: LocalStack, account_id: str, email: str) -> dict[str, Any]:
    """The `delivery` of the invitation `email` waits on, as support sees it (the account view); `due` while the
    outbox has not sent it yet."""
    administrators = stack.get(f"/v1/internal/accounts/{account_id}").json()["administrators"]
    (invited,) = [administrator for administrator in administrators if administrator["email"] == email]
    delivery: dict[str, Any] = invited["invitation"].get("delivery") or {"status": "due"}
    return delivery


def eventually(status: str, read: Any) -> dict[str, Any]:
    """`read()` once it reports `status`, polled as a person would reload; fails after WITHIN_SECONDS."""
    deadline = time.monotonic() + WITHIN_SECONDS
    while True:
        found: dict[str, Any] = read()
        if found["status"] == status or time.monotonic() > deadline:
            assert found["status"] == status, found
            return found
        time.sleep(0.5)


def join(stack: LocalStack, account_id: str, email: str) -> requests.Response:
    return stack.post(f"/v1/accounts/{account_id}/join", {"email": email})


def test_delivery_bounce_address_shows_bounced_on_the_pending_answer(stack: LocalStack) -> None:
    email = simulator_address("bounce")
    account_id = provision(stack, email)

    assert support_delivery(stack, account_id, email)["status"] in ("due", "sent", "bounced")  # until SES reports
    bounced = eventually("bounced", lambda: support_delivery(stack, account_id, email))

    assert public_delivery(stack, email) == bounced  # the one thing the person's own screen is told

    listed = stack.get(f"/v1/internal/accounts/{account_id}/invitations").json()["items"]
    assert [item["delivery"] for item in listed] == [bounced]
    administrator = stack.get(f"/v1/internal/accounts/{account_id}").json()["administrators"][0]
    assert administrator["invitation"]["delivery"] == bounced


def test_delivery_success_address_shows_delivered(stack: LocalStack) -> None:
    email = simulator_address("success")
    account_id = provision(stack, email)

    eventually("delivered", lambda: support_delivery(stack, account_id, email))
    assert public_delivery(stack, email) is None


def test_delivery_any_other_address_is_delivered_and_the_inbox_shows_it(stack: LocalStack) -> None:
    email = f"person-{uuid.uuid4().hex[:10]}@example.com"
    account_id = provision(stack, email)

    eventually("delivered", lambda: support_delivery(stack, account_id, email))
    mail = stack.mail_to(email)
    assert mail["delivery"]["status"] == "delivered"
    assert "delivery: <strong>delivered</strong>" in stack.get("/_local/inbox").text


def test_delivery_complaint_address_is_suppressed_until_lifted(short_lived_stack: LocalStack) -> None:
    stack = short_lived_stack  # no cooldown: the join after the lift is not held up by the limits
    email = simulator_address("complaint")
    account_id = provision(stack, email)

    eventually("complained", lambda: support_delivery(stack, account_id, email))
    assert public_delivery(stack, email) is None  # a complaint is never told to the public

    refused = join(stack, account_id, email)
    assert (refused.status_code, refused.json()["code"]) == (409, "EMAIL_SUPPRESSED")
    resent = stack.post("/v1/invitations/resend", {"email": email})
    assert resent.status_code == 202  # one answer for every address, and nothing sent
    assert len([mail for mail in stack.inbox() if email in mail["to"]]) == 1
    lifted = requests.delete(f"{stack.api}/v1/internal/suppressions/{email.replace('@', '%40')}", timeout=30)
    assert lifted.status_code == 204
    assert join(stack, account_id, email).status_code == 202
    stack.mail_to(email, count=2)


def test_delivery_suppression_list_address_bounces(stack: LocalStack) -> None:
    email = simulator_address("suppressionlist")
    account_id = provision(stack, email)

    eventually("bounced", lambda: support_delivery(stack, account_id, email))


def test_delivery_stack_says_which_configuration_set_reaches_which_rule(stack: LocalStack) -> None:
    line = stack.wait_for_line("SES reports")

    assert "InvitationConfigurationSet" in line
    assert "DeliveryEventsFunction.SesReports" in line
