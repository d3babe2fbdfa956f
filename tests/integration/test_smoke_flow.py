"""The whole story once, through the handlers: pending invitation, join, email, preview, accept."""

from tests.support.api import Api
from tests.support.aws import sent_emails
from tests.support.fakes import FakeClock


def test_story_pending_join_accept_makes_an_administrator(api: Api, clock: FakeClock) -> None:
    provisioned = api.post(
        "/v1/internal/accounts",
        {"company_name": "ACME Ltd", "administrator_email": "Jane@Example.com", "created_via": "sales"},
    )
    assert provisioned.status == 201, provisioned.body
    account_id = provisioned.body["account_id"]

    registered = api.post("/v1/accounts", {"email": "jane@example.com", "company_name": "ACME"})
    assert registered.status == 409
    assert registered.code == "PENDING_INVITATION"

    clock.advance(days=8)  # the first invitation has expired by now
    assert (
        api.post("/v1/accounts", {"email": "jane@example.com", "company_name": "ACME"}).body["invitation"]["status"]
        == "expired"
    )
    joined = api.post(f"/v1/accounts/{account_id}/join", {"email": "jane@example.com"})
    assert joined.status == 202, joined.body
    token = sent_emails()[-1].token
    preview = api.post("/v1/invitations/preview", {"token": token})
    assert preview.status == 200, preview.body
    accepted = api.post("/v1/invitations/accept", {"token": token})
    assert accepted.status == 200, accepted.body
    assert api.post("/v1/invitations/accept", {"token": token}).code == "INVITATION_ALREADY_ACCEPTED"
