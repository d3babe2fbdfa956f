"""The README's story, step by step, against a running stack: each step one call (or a few), its answer's code and
shape checked. `STEPS` at the bottom is the story in order; change a step there, or the function it names.

The person is a fresh SES mailbox-simulator address (`success+smoke-...@simulator.amazonses.com`): SES accepts it
in the sandbox, costs no reputation, and reports it delivered. A registration is only tried on an email that was
provisioned first, so it only ever meets the documented 409, whatever self-service registration becomes. The story
accepts nothing: the token travels only in the email, which the simulator keeps (the local stack's inbox shows it,
so there the emailed link is previewed, then found revoked). `clean_up` revokes what the story created, whichever
step failed.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.smoke.target import Answer, Target

DELIVERY_WITHIN_SECONDS = 90  # SES -> EventBridge -> DeliveryEventsFunction, usually a few seconds
MAIL_WITHIN_SECONDS = 30  # the events table's stream -> the outbox -> SES, usually within a second
MAXIMUM_WAIT_SECONDS = 120  # a cooldown the story waits out (the stack's InviteCooldownSeconds, 60 by default)
INSTANT = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"


@dataclass
class Story:
    target: Target
    label: str = field(default_factory=lambda: secrets.token_hex(4))
    account_id: str = ""
    token: str = ""  # the emailed link's, where the target shows its mail

    @property
    def email(self) -> str:
        return f"success+smoke-{self.label}@simulator.amazonses.com"

    @property
    def company(self) -> str:
        return f"Smoke test {self.label}"

    @property
    def invitations(self) -> str:
        return f"/v1/internal/accounts/{self.account_id}/invitations"


def expect(answer: Answer, status: int, code: str | None = None) -> dict[str, Any]:
    """The body of `answer`, which must have `status` (and `code`, for an error)."""
    assert answer.status == status, (answer.status, answer.body)
    if code is not None:
        assert answer.code == code, answer.body
    assert isinstance(answer.body, dict), answer.body
    return answer.body


def has(body: Any, *fields: str) -> dict[str, Any]:
    assert isinstance(body, dict), body
    assert set(fields) <= set(body), (sorted(fields), body)
    return body


def is_instant(value: Any) -> None:
    assert isinstance(value, str), value
    assert re.match(INSTANT, value), value


# --- The steps ---


def documents_itself(story: Story) -> None:
    """GET /v1/openapi.json: the OpenAPI 3 document of the whole API."""
    document = expect(story.target.call("GET", "/v1/openapi.json"), 200)
    assert str(document["openapi"]).startswith("3."), document.get("openapi")
    assert {"/v1/accounts", "/v1/internal/accounts"} <= set(has(document, "paths")["paths"])


def serves_its_pages(story: Story) -> None:
    """GET /register and /invitations/accept: the two web pages."""
    for path in ("/register", "/invitations/accept"):
        page = story.target.call("GET", path)
        assert page.status == 200, (path, page.status)
        assert page.headers["content-type"].startswith("text/html"), page.headers
        assert str(page.body).startswith("<!DOCTYPE html>"), path


def refuses_unsigned_internal_calls(story: Story) -> None:
    """An unsigned internal call: API Gateway's 403 in the API's {code, message} shape (IAM is enforced)."""
    if not story.target.signs:
        return  # the local stack does not enforce IAM, as `sam local start-api` does not
    answer = story.target.call("GET", "/v1/internal/accounts/acc_00000000000000000000000000", signed=False)
    has(expect(answer, 403, "MISSING_AUTHENTICATION_TOKEN"), "message")


def sales_provisions_an_account(story: Story) -> None:
    """POST /v1/internal/accounts (signed): an account for the person's email, and an invitation email."""
    body = {"company_name": story.company, "administrator_email": story.email, "created_via": "sales"}
    account = has(expect(story.target.call("POST", "/v1/internal/accounts", body), 201), "account_id", "invitation")
    story.account_id = str(account["account_id"])
    assert (account["company_name"], account["created_via"]) == (story.company, "sales"), account
    invitation = has(account["invitation"], "invitation_id", "email", "status", "expires_at")
    assert (invitation["email"], invitation["status"]) == (story.email, "pending"), invitation
    is_instant(invitation["expires_at"])


def registering_points_to_the_existing_account(story: Story) -> None:
    """POST /v1/accounts with that email: 409 PENDING_INVITATION, with the account to join."""
    body = {"email": story.email, "company_name": "Someone else's name for it"}
    conflict = expect(story.target.call("POST", "/v1/accounts", body), 409, "PENDING_INVITATION")
    account = has(has(conflict, "message", "account", "invitation")["account"], "account_id", "company_name")
    assert (account["account_id"], account["company_name"], account["created_via"]) == (
        story.account_id,
        story.company,
        "sales",
    ), account
    invitation = has(conflict["invitation"], "status", "expires_at")
    assert invitation["status"] == "pending", invitation


def it_is_no_self_service_registration(story: Story) -> None:
    """GET /v1/accounts/{account_id}/registration: 404 NOT_FOUND, as for every account someone else created (the
    route answers a registrant's page only)."""
    answer = story.target.call("GET", f"/v1/accounts/{story.account_id}/registration")
    has(expect(answer, 404, "NOT_FOUND"), "message")


def joining_sends_a_fresh_invitation(story: Story) -> None:
    """POST /v1/accounts/{account_id}/join: 202, a new invitation email; the first link stops working (asked again
    once the Retry-After of a 429 RATE_LIMITED has passed: one email a cooldown, provisioning's included)."""
    join = f"/v1/accounts/{story.account_id}/join"
    answer = story.target.call("POST", join, {"email": story.email})
    if answer.status == 429:
        has(expect(answer, 429, "RATE_LIMITED"), "message")
        time.sleep(min(int(answer.headers["retry-after"]), MAXIMUM_WAIT_SECONDS))
        answer = story.target.call("POST", join, {"email": story.email})
    sent = has(expect(answer, 202), "status", "email", "expires_at")
    assert (sent["status"], sent["email"]) == ("invitation_sent", story.email), sent
    is_instant(sent["expires_at"])


def the_listing_shows_the_new_invitation_over_the_old(story: Story) -> None:
    """GET .../invitations (signed): newest first, the join's pending, the provisioning's superseded."""
    listed = has(expect(story.target.call("GET", story.invitations), 200), "items", "next_token")
    items = [has(item, "invitation_id", "email", "status", "created_at", "expires_at") for item in listed["items"]]
    assert [(item["email"], item["status"]) for item in items] == [
        (story.email, "pending"),
        (story.email, "superseded"),
    ], items


def the_account_shows_its_invited_administrator(story: Story) -> None:
    """GET /v1/internal/accounts/{account_id} (signed): the account, and the person invited to administer it."""
    account = expect(story.target.call("GET", f"/v1/internal/accounts/{story.account_id}"), 200)
    has(account, "account_id", "company_name", "created_via", "created_at", "administrators")
    administrators = [(admin["email"], admin["state"]) for admin in account["administrators"]]
    assert administrators == [(story.email, "invited")], administrators


def the_link_previews_its_invitation(story: Story) -> None:
    """POST /v1/invitations/preview: the emailed link's invitation where the mail can be read, else an unknown
    token's 404 INVITATION_NOT_FOUND."""
    if not story.target.reads_mail:
        unknown = {"token": secrets.token_urlsafe(32)}
        expect(story.target.call("POST", "/v1/invitations/preview", unknown), 404, "INVITATION_NOT_FOUND")
        return
    deadline = time.monotonic() + MAIL_WITHIN_SECONDS
    while True:  # the outbox mails after the answer: the join's email is the newest once it has left
        mails = story.target.call("GET", "/_local/inbox.json").body
        assert isinstance(mails, list), mails
        mine = [mail for mail in mails if story.email in mail["to"]]  # newest first
        # The provisioning's email, had it not left before the join superseded it, was never sent (the outbox
        # sends only what is still pending); sent, its link now answers 410 INVITATION_SUPERSEDED.
        story.token = mine[0]["text"].split("#token=", 1)[1].split()[0] if mine else ""
        answer = story.target.call("POST", "/v1/invitations/preview", {"token": story.token}) if mine else None
        if (answer is not None and answer.status == 200) or time.monotonic() > deadline:
            assert answer is not None, mails
            break
        time.sleep(0.5)
    preview = expect(answer, 200)
    has(preview, "invitation_id", "status", "email", "account_id", "company_name", "created_via", "expires_at")
    assert (preview["status"], preview["account_id"]) == ("pending", story.account_id), preview


def ses_reports_the_email_delivered(story: Story) -> None:
    """The pending invitation's `delivery` turns `delivered`: SES's report reached the stack (its configuration
    set, the EventBridge rule and DeliveryEventsFunction)."""
    deadline = time.monotonic() + DELIVERY_WITHIN_SECONDS
    while True:
        items = expect(story.target.call("GET", f"{story.invitations}?status=pending"), 200)["items"]
        delivery = items[0].get("delivery") or {} if items else {}
        if delivery.get("status") == "delivered" or time.monotonic() > deadline:
            assert delivery.get("status") == "delivered", items
            return
        time.sleep(3)


def the_timeline_tells_what_happened_in_order(story: Story) -> None:
    """GET .../events (signed): the account's events, numbered 1, 2, 3 ..., the provisioning's and the join's."""
    timeline = expect(story.target.call("GET", f"/v1/internal/accounts/{story.account_id}/events?limit=100"), 200)
    items = [has(item, "event_id", "type", "occurred_at", "sequence", "actor", "data") for item in timeline["items"]]
    assert [item["sequence"] for item in items] == list(range(1, len(items) + 1)), items
    changes = [item["type"] for item in items if item["type"] != "invitation.delivery"]
    assert changes == ["account.created", "invitation.sent", "invitation.superseded", "invitation.sent"], changes


def clean_up(story: Story) -> None:
    """DELETE each pending invitation the story made (signed): 204, and its email free again; a link the story
    could read now answers 410 INVITATION_REVOKED."""
    if not story.account_id:
        return
    pending = expect(story.target.call("GET", f"{story.invitations}?status=pending"), 200)["items"]
    for item in pending:
        revoked = story.target.call("DELETE", f"{story.invitations}/{item['invitation_id']}")
        assert revoked.status == 204, (revoked.status, revoked.body)
    if story.token:
        gone = story.target.call("POST", "/v1/invitations/preview", {"token": story.token})
        expect(gone, 410, "INVITATION_REVOKED")


STEPS: tuple[Callable[[Story], None], ...] = (
    documents_itself,
    serves_its_pages,
    refuses_unsigned_internal_calls,
    sales_provisions_an_account,
    registering_points_to_the_existing_account,
    it_is_no_self_service_registration,
    joining_sends_a_fresh_invitation,
    the_listing_shows_the_new_invitation_over_the_old,
    the_account_shows_its_invited_administrator,
    the_link_previews_its_invitation,
    ses_reports_the_email_delivered,
    the_timeline_tells_what_happened_in_order,
)
