"""The invitation email's words, and its hand-over to SES v2 (stubbed: no sockets)."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime

import boto3
import pytest
from botocore.stub import ANY, Stubber

from business_accounts.mailer import (
    WHY_THE_ACCOUNT_EXISTS,
    InvitationEmail,
    MailDeliveryError,
    SesMailer,
    compose,
    render_invitation,
)
from business_accounts.types import CreatedVia

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
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Smith &amp; Sons" in rendered.html
    assert '<script>alert("x")</script> Smith & Sons' in rendered.text


def test_render_invitation_says_why_when_until_and_what_if_unexpected() -> None:
    rendered = render_invitation(INVITATION)

    for part in (rendered.text, rendered.html):
        assert "Upgrade Insurance" in part
        assert "03 December 2026 at 09:00 UTC" in part
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
