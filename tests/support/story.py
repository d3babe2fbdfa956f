"""Steps of the story that many tests start from: an account provisioned by sales, and its latest invitation link."""

from __future__ import annotations

from typing import Any

from tests.support.api import Api
from tests.support.aws import sent_emails

JANE = "jane@example.com"
FIRST_EXPIRY = "2026-12-03T09:00:00Z"  # the FakeClock's start plus the seven-day TTL


def provision(api: Api, email: str = JANE, company_name: str = "ACME Ltd", created_via: str = "sales") -> Any:
    """POST /v1/internal/accounts, which must succeed; the body of its 201."""
    answer = api.post(
        "/v1/internal/accounts",
        {"company_name": company_name, "administrator_email": email, "created_via": created_via},
    )
    assert answer.status == 201, answer.body
    return answer.body


def latest_token() -> str:
    """The token in the newest invitation email."""
    return sent_emails()[-1].token
