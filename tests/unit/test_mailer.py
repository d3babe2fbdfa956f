"""The invitation email's words, in every language, and its hand-over to SES v2 (stubbed: no sockets)."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import UTC, datetime

import boto3
import pytest
from botocore.stub import ANY, Stubber

from business_accounts.adapters.ses import SesMailer
from business_accounts.logic import invitation_email
from business_accounts.logic.invitation_email import (
    COPY_THE_LINK,
    GREETING,
    INVITED,
    NOT_EXPECTED,
    OPEN_THE_LINK,
    SUBJECT,
    VALID_UNTIL,
    WHY_THE_ACCOUNT_EXISTS,
    InvitationEmail,
    MailDeliveryError,
    compose,
    render_invitation,
)
from business_accounts.logic.translation import translations, written_instant
from business_accounts.models.languages import DEFAULT, SUPPORTED
from business_accounts.models.types import CreatedVia

INVITATION = InvitationEmail(
    to="jane@example.com",
    company_name='<script>alert("x")</script> Smith & Sons',
    created_via=CreatedVia.UPGRADE_INSURANCE,
    link="https://account.example.com/accept#token=abc_DEF-123",
    expires_at=datetime(2026, 12, 3, 9, 0, tzinfo=UTC),
    invitation_id="inv_01JDZ3K4Q6W8X9Y2Z3A4B5C6D7",
    account_id="acc_01JDZ3K4Q6W8X9Y2Z3A4B5C6D7",
)


def test_render_invitation_html_escapes_the_company_and_text_keeps_it() -> None:
    rendered = render_invitation(INVITATION)

    assert "<script>" not in rendered.html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Smith &amp; Sons" in rendered.html
    assert '<script>alert("x")</script> Smith & Sons' in rendered.text


def test_render_invitation_says_why_when_until_and_what_if_unexpected() -> None:
    rendered = render_invitation(INVITATION)

    for part in (rendered.text, rendered.html):
        assert "Upgrade Insurance" in part
        assert "3 December 2026, 09:00 UTC" in part
        assert "Did not expect this?" in part
    assert INVITATION.link in rendered.text
    assert 'href="https://account.example.com/accept#token=abc_DEF-123"' in rendered.html


@pytest.mark.parametrize("created_via", list(CreatedVia))
def test_render_invitation_every_origin_has_words(created_via: CreatedVia) -> None:
    rendered = render_invitation(InvitationEmail(**{**INVITATION.__dict__, "created_via": created_via}))

    assert WHY_THE_ACCOUNT_EXISTS[created_via] in rendered.text
    assert "_" not in WHY_THE_ACCOUNT_EXISTS[created_via]  # words, not the code


def _ses_client() -> object:
    return boto3.client("sesv2", region_name="eu-west-1")


def test_ses_mailer_sends_text_and_html_from_the_sender_with_the_configuration_set() -> None:
    client = _ses_client()
    stubber = Stubber(client)
    stubber.add_response(
        "send_email",
        {"MessageId": "m-1"},
        {
            "FromEmailAddress": "no-reply@example.com",
            "Destination": {"ToAddresses": ["jane@example.com"]},
            "Content": {"Raw": {"Data": ANY}},
            "EmailTags": ANY,
            "ConfigurationSetName": "invitations",
        },
    )
    mailer = SesMailer(lambda: client, sender="no-reply@example.com", configuration_set="invitations")  # type: ignore[arg-type]
    sent: list[bytes] = []
    client.meta.events.register(  # type: ignore[attr-defined]
        "provide-client-params.sesv2.SendEmail", lambda params, **_: sent.append(params["Content"]["Raw"]["Data"])
    )

    with stubber:
        mailer.send(compose(INVITATION, sender="no-reply@example.com"))

    message = email.message_from_bytes(sent[0], policy=email.policy.default)
    assert message["To"] == "jane@example.com"
    assert message.get_body(preferencelist=("plain",)) is not None
    assert message.get_body(preferencelist=("html",)) is not None


def test_ses_mailer_refusal_becomes_mail_delivery_error() -> None:
    client = _ses_client()
    stubber = Stubber(client)
    stubber.add_client_error("send_email", "MessageRejected", "Email address is not verified.", 400)
    mailer = SesMailer(lambda: client, sender="no-reply@example.com", configuration_set=None)  # type: ignore[arg-type]

    with stubber, pytest.raises(MailDeliveryError):
        mailer.send(compose(INVITATION, sender="no-reply@example.com"))


# --- In every language ---

OTHER_LOCALES = [locale for locale in SUPPORTED if locale != DEFAULT]
ENGLISH_TEXTS = (GREETING, INVITED, OPEN_THE_LINK, COPY_THE_LINK, VALID_UNTIL, NOT_EXPECTED, SUBJECT)


def _in(locale: str, **changes: object) -> InvitationEmail:
    return InvitationEmail(**{**INVITATION.__dict__, "locale": locale, **changes})


@pytest.mark.parametrize("locale", SUPPORTED)
def test_render_invitation_in_every_locale_fills_every_placeholder_and_escapes_the_html(locale: str) -> None:
    rendered = render_invitation(_in(locale))

    for part in (rendered.subject, rendered.text, rendered.html):
        assert not re.search(r"\{\w*\}", part), f"{locale}: a placeholder left unfilled"
    assert '<script>alert("x")</script> Smith & Sons' in rendered.subject
    assert '<script>alert("x")</script> Smith & Sons' in rendered.text
    assert "<script>" not in rendered.html
    assert rendered.html.count("&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Smith &amp; Sons") == 3
    assert f'<html lang="{locale}">' in rendered.html
    assert rendered.text.count(INVITATION.link) == 1
    assert rendered.html.count(f'href="{INVITATION.link}"') == 2
    assert written_instant(INVITATION.expires_at, locale) in rendered.text


@pytest.mark.parametrize("locale", OTHER_LOCALES)
def test_render_invitation_in_another_locale_says_nothing_in_english(locale: str) -> None:
    rendered = render_invitation(_in(locale))
    english = render_invitation(INVITATION)

    assert rendered.subject != english.subject
    for text in ENGLISH_TEXTS:
        first_words = text.split("{")[0].strip()
        if first_words:
            assert first_words not in rendered.text, f"{locale} says {first_words!r} in English"
            assert first_words not in rendered.html, f"{locale} says {first_words!r} in English"
    for why in WHY_THE_ACCOUNT_EXISTS.values():
        assert why not in rendered.text


@pytest.mark.parametrize("locale", SUPPORTED)
def test_render_invitation_in_every_locale_says_why_in_that_locale(locale: str) -> None:
    say = translations(locale).gettext

    for created_via in CreatedVia:
        rendered = render_invitation(_in(locale, created_via=created_via))

        assert say(WHY_THE_ACCOUNT_EXISTS[created_via]) in rendered.text


def test_render_invitation_html_escapes_what_a_translation_says(monkeypatch: pytest.MonkeyPatch) -> None:
    class Mischievous:
        def gettext(self, message: str) -> str:
            return "<b>" + message + "</b>"

    monkeypatch.setattr(invitation_email, "translations", lambda _: Mischievous())

    rendered = render_invitation(_in("de"))

    assert "<b>" not in rendered.html
    assert "&lt;b&gt;" in rendered.html


def test_ses_mailer_tags_the_email_with_its_invitation_and_account_for_delivery_feedback() -> None:
    client = _ses_client()
    stubber = Stubber(client)
    expected_tags = [
        {"Name": "category", "Value": "invitation"},
        {"Name": "invitation_id", "Value": INVITATION.invitation_id},
        {"Name": "account_id", "Value": INVITATION.account_id},
    ]
    stubber.add_response(
        "send_email",
        {"MessageId": "m-1"},
        {
            "FromEmailAddress": "no-reply@example.com",
            "Destination": {"ToAddresses": ["jane@example.com"]},
            "Content": {"Raw": {"Data": ANY}},
            "EmailTags": expected_tags,  # SES hands them back on every report; never the token or its hash
        },
    )
    mailer = SesMailer(lambda: client, sender="no-reply@example.com", configuration_set=None)  # type: ignore[arg-type]

    with stubber:
        mailer.send(compose(INVITATION, sender="no-reply@example.com"))

    stubber.assert_no_pending_responses()
