"""The invitation email as SES (on moto) received it: sender, parts, company, link, expiry, why it was sent, and the
configuration set it was sent with."""

from __future__ import annotations

import dataclasses
import re

import boto3
import pytest

from business_accounts.adapters.environment import load_settings
from business_accounts.adapters.wiring import build_services, services, sesv2_client
from tests.support.api import Api
from tests.support.aws import REGION, SENDER, Requests, SentEmail, emails_to, sent_emails
from tests.support.environment import ACCEPT_PAGE_URL
from tests.support.fakes import FakeClock
from tests.support.story import JANE, provision

FIRST_EXPIRY_IN_WORDS = "3 December 2026, 09:00 UTC"  # the FakeClock's start + 7 days, as CLDR's en-GB


def only_email() -> SentEmail:
    emails = sent_emails()
    assert len(emails) == 1
    return emails[0]


def test_invitation_email_comes_from_the_sender_to_the_invitee(api: Api) -> None:
    provision(api, "  Jane@Example.com ")

    email = only_email()

    assert email.sender == SENDER
    assert email.to == [JANE]


def test_invitation_email_has_a_text_and_an_html_part(api: Api) -> None:
    provision(api)

    email = only_email()

    assert email.text.strip()
    assert email.html.strip()
    assert "<html" in email.html.lower()
    assert "<html" not in email.text.lower()


def test_invitation_email_names_the_company_in_subject_text_and_html(api: Api) -> None:
    provision(api, company_name="ACME Ltd")

    email = only_email()

    assert "ACME Ltd" in email.subject
    assert "ACME Ltd" in email.text
    assert "ACME Ltd" in email.html


def test_invitation_email_escapes_the_company_name_in_html(api: Api) -> None:
    provision(api, company_name="<b>Smith & Sons</b>")

    email = only_email()

    assert "&lt;b&gt;Smith &amp; Sons&lt;/b&gt;" in email.html
    assert "<b>Smith & Sons</b>" not in email.html
    assert "<b>" not in email.html
    assert "Smith & Sons" in email.text  # plain text needs no escaping


def test_invitation_email_escapes_a_script_in_the_company_name(api: Api) -> None:
    provision(api, company_name='ACME"><script>alert(1)</script>')

    email = only_email()

    assert "<script>" not in email.html
    assert "&lt;script&gt;" in email.html


def test_invitation_email_carries_non_ascii_company_names_intact(api: Api) -> None:
    provision(api, company_name="Müller & Söhne Ægir GmbH")

    email = only_email()

    assert "Müller & Söhne Ægir GmbH" in email.subject
    assert "Müller & Söhne Ægir GmbH" in email.text
    assert "Müller &amp; Söhne Ægir GmbH" in email.html


def test_invitation_email_link_is_the_accept_page_with_the_token_in_the_fragment(api: Api) -> None:
    provision(api)

    email = only_email()

    link = f"{ACCEPT_PAGE_URL}#token={email.token}"
    assert link in email.text
    assert f'href="{link}"' in email.html
    assert re.fullmatch(r"[A-Za-z0-9_-]{43,}", email.token)
    assert "?token=" not in email.text
    assert "?token=" not in email.html


def test_invitation_email_token_works_on_the_preview_route(api: Api) -> None:
    provisioned = provision(api)

    answer = api.post("/v1/invitations/preview", {"token": only_email().token})

    assert answer.status == 200, answer.body
    assert answer.body["account_id"] == provisioned["account_id"]


def test_invitation_email_token_appears_in_no_api_answer(api: Api) -> None:
    provisioned = provision(api)
    token = only_email().token

    preview = api.post("/v1/invitations/preview", {"token": token})
    listed = api.get(f"/v1/internal/accounts/{provisioned['account_id']}/invitations")

    for body in (provisioned, preview.body, listed.body):
        assert token not in repr(body)


def test_invitation_email_states_the_expiry_as_absolute_utc_time(api: Api) -> None:
    provision(api)

    email = only_email()

    assert FIRST_EXPIRY_IN_WORDS in email.text
    assert FIRST_EXPIRY_IN_WORDS in email.html


def test_invitation_email_after_join_states_the_new_expiry(api: Api, clock: FakeClock) -> None:
    account_id = provision(api)["account_id"]
    clock.advance(days=2, hours=5, minutes=30)

    api.post(f"/v1/accounts/{account_id}/join", {"email": JANE})

    assert "5 December 2026, 14:30 UTC" in sent_emails()[-1].text


@pytest.mark.parametrize(
    ("created_via", "words"),
    [
        ("sales", "sales team"),
        ("reseller", "reseller"),
        ("upgrade_insurance", "Upgrade Insurance"),
        ("other_product", "another of our business products"),
    ],
)
def test_invitation_email_explains_why_the_account_exists(api: Api, created_via: str, words: str) -> None:
    provision(api, created_via=created_via)

    email = only_email()

    assert words in email.text
    assert words in email.html
    for code in ("created_via", "self_service", "upgrade_insurance", "other_product"):
        assert code not in email.text  # in words, never the code


def test_invitation_email_of_a_self_service_registration_asks_to_confirm_the_registrant_s_own_address(
    api: Api,
) -> None:
    registered = api.post("/v1/accounts", {"email": JANE, "company_name": "ACME Ltd"})

    email = only_email()

    assert registered.status == 201, registered.body
    assert email.to == [JANE]
    assert email.subject == "Confirm your email address to finish registering ACME Ltd"
    for part in (email.text, email.html):
        assert "You asked to register a business account for" in part
        assert "ACME Ltd" in part
        assert "Confirm that the address is yours" in part
        assert "Confirm my email address" in part or "To confirm your email address, open this link:" in part
        assert FIRST_EXPIRY_IN_WORDS in part
        assert "Did not register? You can ignore this email" in part
        for invitation_words in ("invited", "already exists", "registered by someone at your company"):
            assert invitation_words not in part  # nobody invited them: it is their own registration
    assert f"{ACCEPT_PAGE_URL}#token={email.token}" in email.text
    assert f'href="{ACCEPT_PAGE_URL}#token={email.token}"' in email.html
    assert ">Confirm my email address</a>" in email.html


def test_invitation_email_from_a_confirmed_self_service_account_explains_it_was_registered(api: Api) -> None:
    account_id = api.post("/v1/accounts", {"email": JANE, "company_name": "ACME Ltd"}).body["account_id"]
    assert api.post("/v1/invitations/accept", {"token": only_email().token}).status == 200

    invited = api.post(f"/v1/internal/accounts/{account_id}/invitations", {"email": "bob@example.com"})

    assert invited.status == 201, invited.body
    email = sent_emails()[-1]
    assert email.to == ["bob@example.com"]
    assert email.subject == "You are invited to administer the ACME Ltd business account"
    assert "registered by someone at your company" in email.text
    assert "ACME Ltd" in email.text


def test_invitation_email_says_what_to_do_if_unexpected(api: Api) -> None:
    provision(api)

    email = only_email()

    for part in (email.text, email.html):
        assert "expect" in part.lower()
        assert "ignore this email" in part.lower()


# --- SES_CONFIGURATION_SET, through a handler ---


def api_configured(monkeypatch: pytest.MonkeyPatch, clock: FakeClock, configuration_set: str | None) -> Api:
    """The handlers' services built from an environment with this SES_CONFIGURATION_SET (None: not set at all)."""
    if configuration_set is None:
        monkeypatch.delenv("SES_CONFIGURATION_SET", raising=False)
    else:
        monkeypatch.setenv("SES_CONFIGURATION_SET", configuration_set)
    load_settings.cache_clear()
    services.use(dataclasses.replace(build_services(load_settings()), clock=clock))
    return Api()


def test_invitation_email_with_configuration_set_env_names_it_in_every_send_email(
    aws: None, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the functions are configured with SES_CONFIGURATION_SET=x
    boto3.client("sesv2", region_name=REGION).create_configuration_set(ConfigurationSetName="x")
    api = api_configured(monkeypatch, clock, "x")
    requests = Requests(sesv2_client())

    # When invitations are sent through the internal API and through Join
    account = provision(api)
    clock.advance(seconds=61)
    joined = api.post(f"/v1/accounts/{account['account_id']}/join", {"email": JANE})

    # Then each SendEmail names configuration set x
    assert joined.status == 202, joined.body
    assert [request.get("ConfigurationSetName") for request in requests.of("SendEmail")] == ["x", "x"]
    assert emails_to(JANE) == 2


@pytest.mark.parametrize("configuration_set", ["", None], ids=["empty", "unset"])
def test_invitation_email_without_configuration_set_env_sends_no_configuration_set_name(
    aws: None, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, configuration_set: str | None
) -> None:
    # Given SES_CONFIGURATION_SET is empty or not set
    api = api_configured(monkeypatch, clock, configuration_set)
    requests = Requests(sesv2_client())

    # When an invitation is sent through a handler
    provision(api)

    # Then the SendEmail request carries no ConfigurationSetName at all
    made = requests.of("SendEmail")
    assert len(made) == 1
    assert "ConfigurationSetName" not in made[0]
    assert made[0]["FromEmailAddress"] == load_settings().sender_email
    assert emails_to(JANE) == 1
