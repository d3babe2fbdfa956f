"""Steps of the story that many tests take: an account provisioned by sales, its latest link, who administers it."""

from __future__ import annotations

from typing import Any

from tests.support.api import Answer, Api
from tests.support.aws import sent_emails

JANE = "jane@example.com"
FIRST_EXPIRY = "2026-12-03T09:00:00Z"  # the FakeClock's start plus the seven-day TTL


def provision_answer(
    api: Api, email: str = JANE, company_name: str = "ACME Ltd", created_via: str = "sales", **extra: str
) -> Answer:
    """POST /v1/internal/accounts (`extra` adds fields, such as an external reference), whatever it answers."""
    return api.post(
        "/v1/internal/accounts",
        {"company_name": company_name, "administrator_email": email, "created_via": created_via, **extra},
    )


def provision(
    api: Api, email: str = JANE, company_name: str = "ACME Ltd", created_via: str = "sales", **extra: str
) -> Any:
    """POST /v1/internal/accounts, which must succeed; the body of its 201."""
    answer = provision_answer(api, email, company_name, created_via, **extra)
    assert answer.status == 201, answer.body
    return answer.body


def latest_token(to: str | None = None) -> str:
    """The token in the newest invitation email (the newest to `to` alone, when given)."""
    return [mail for mail in sent_emails() if to is None or set(mail.to) == {to}][-1].token


def administrators(api: Api, account_id: str) -> list[dict[str, str]]:
    """GET /v1/internal/accounts/{id}, which must succeed: its administrators, each an email and a state."""
    answer = api.get(f"/v1/internal/accounts/{account_id}")
    assert answer.status == 200, answer.body
    # Who administers the account, and in which state (an invited one's invitation is not what these tests check).
    return [{"email": admin["email"], "state": admin["state"]} for admin in answer.body["administrators"]]


def invitations_listed(api: Api, account_id: str) -> list[tuple[str, str]]:
    """GET /v1/internal/accounts/{id}/invitations, which must succeed: each invitation's email and status."""
    answer = api.get(f"/v1/internal/accounts/{account_id}/invitations")
    assert answer.status == 200, answer.body
    return [(item["email"], item["status"]) for item in answer.body["items"]]


def register_confirmed(api: Api, email: str = JANE, company_name: str = "ACME", **extra: str) -> Any:
    """POST /v1/accounts, then the registrant confirms through the link just mailed: a verified account whose
    registrant is its active administrator. The body of the registration's 201."""
    registered = api.post("/v1/accounts", {"email": email, "company_name": company_name, **extra})
    assert registered.status == 201, registered.body
    confirmed = api.post("/v1/invitations/accept", {"token": latest_token()})  # the newest: its confirmation
    assert confirmed.status == 200, confirmed.body
    return registered.body
