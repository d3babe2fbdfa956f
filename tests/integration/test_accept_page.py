"""The invitation accept page: a screen for every answer to a token, and GET or HEAD change nothing."""

from __future__ import annotations

from business_accounts.web.page_texts import ACCEPT_PAGE
from tests.support.api import Api
from tests.support.aws import sent_emails
from tests.support.pages import parse

PAGE = "/invitations/accept"


def provision_invitation(api: Api) -> str:
    provisioned = api.post(
        "/v1/internal/accounts",
        {"company_name": "ACME Ltd", "administrator_email": "jane@example.com", "created_via": "upgrade_insurance"},
    )
    assert provisioned.status == 201, provisioned.body
    return sent_emails()[-1].token


def assert_still_pending(api: Api, token: str) -> None:
    preview = api.post("/v1/invitations/preview", {"token": token})
    assert preview.status == 200, preview.body
    assert preview.body["status"] == "pending"


def test_accept_page_has_the_accept_and_renew_buttons_and_a_screen_for_every_answer(api: Api) -> None:
    page = parse(api.get(PAGE).body)

    assert ACCEPT_PAGE["accept"] in page.buttons
    assert ACCEPT_PAGE["renew"] in page.buttons
    assert set(page.screens) == {
        "checking",
        "pending",
        "accepted",
        "expired",
        "superseded",
        "renewed",
        "already_accepted",
        "revoked",
        "not_found",
        "unavailable",
    }


def test_accept_page_links_onward_to_the_portal_once_accepted(api: Api) -> None:
    body = api.get(PAGE).body

    accepted = body.split('data-screen="accepted"', 1)[1].split("</section>", 1)[0]

    assert f'<a class="button" data-portal data-text="to_portal">{ACCEPT_PAGE["to_portal"]}</a>' in accepted


def test_accept_page_get_and_head_with_a_real_token_change_nothing(api: Api) -> None:
    token = provision_invitation(api)
    emails_before = len(sent_emails())
    plain = api.get(PAGE)

    # A mail scanner may open the link (the fragment never reaches the server) or even a mangled ?token= form.
    with_query = api.get(f"{PAGE}?token={token}")
    head = api.request("HEAD", f"{PAGE}?token={token}")

    assert with_query.status == 200
    assert head.status == 200
    assert with_query.body == plain.body, "the page does not depend on the request"
    assert token not in with_query.body
    assert len(sent_emails()) == emails_before
    assert_still_pending(api, token)
    assert api.post("/v1/invitations/accept", {"token": token}).status == 200
