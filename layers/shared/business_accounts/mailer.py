"""The invitation email: its words (text and HTML), the whole message built before anything is written, and SES v2."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from html import escape
from typing import TYPE_CHECKING, Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from business_accounts.mailbox import ascii_address
from business_accounts.types import CreatedVia, as_one_line
from business_accounts.wording import WHY_THE_ACCOUNT_EXISTS

if TYPE_CHECKING:
    from mypy_boto3_sesv2.client import SESV2Client


@dataclass(frozen=True)
class InvitationEmail:
    """One invitation to send: who to, for which account, the link and when it stops working."""

    to: str
    company_name: str
    created_via: CreatedVia
    link: str
    expires_at: datetime
    # Delivery feedback: SES reports on the email carry these back as message tags (never the token or its hash).
    invitation_id: str
    account_id: str


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class ComposedEmail:
    """An invitation as the mail service takes it: the complete MIME message and the address it goes to."""

    invitation: InvitationEmail
    recipient: str  # the address as SES takes it: ASCII, the domain in Punycode
    mime: bytes


# The SES message tags that tie the events SES reports about an invitation email to its invitation.
CATEGORY_TAG, INVITATION_TAG, ACCOUNT_TAG = "category", "invitation_id", "account_id"


class MailDeliveryError(Exception):
    """The email could not be handed to the mail service."""


class Mailer(Protocol):
    def send(self, email: ComposedEmail) -> None:
        """Send it, or raise MailDeliveryError."""


def render_invitation(email: InvitationEmail) -> RenderedEmail:
    why = WHY_THE_ACCOUNT_EXISTS[email.created_via]
    expiry = email.expires_at.strftime("%d %B %Y at %H:%M UTC")
    subject = f"You are invited to administer the {as_one_line(email.company_name)} business account"
    text = (
        f"Hello,\n\n"
        f"A business account for {email.company_name} already exists: it {why}. "
        f"You have been invited to become one of its administrators.\n\n"
        f"To accept the invitation, open this link:\n{email.link}\n\n"
        f"The link works until {expiry}. If it has expired, open it anyway and ask for a new invitation "
        f"in one click.\n\n"
        f"Did not expect this? You can ignore this email: nothing changes unless you accept. "
        f"If you keep getting these emails, tell your company's IT administrator or our support team.\n"
    )
    company, link = escape(email.company_name), escape(email.link, quote=True)
    html = (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(subject)}</title></head>\n"
        '<body style="font-family: Arial, Helvetica, sans-serif; line-height: 1.5; color: #1f2933;">\n'
        "<p>Hello,</p>\n"
        f"<p>A business account for <strong>{company}</strong> already exists: it {escape(why)}. "
        "You have been invited to become one of its administrators.</p>\n"
        f'<p><a href="{link}" style="display: inline-block; padding: 10px 18px; background: #c8102e; '
        f'color: #ffffff; text-decoration: none; border-radius: 4px;">Join {company}</a></p>\n'
        f'<p>Or copy this link into your browser:<br><a href="{link}">{link}</a></p>\n'
        f"<p>The link works until <strong>{expiry}</strong>. If it has expired, open it anyway and ask for "
        "a new invitation in one click.</p>\n"
        "<p>Did not expect this? You can ignore this email: nothing changes unless you accept. "
        "If you keep getting these emails, tell your company's IT administrator or our support team.</p>\n"
        "</body></html>\n"
    )
    return RenderedEmail(subject=subject, text=text, html=html)


def compose(email: InvitationEmail, *, sender: str) -> ComposedEmail:
    """The whole message, headers included, so whatever could fail to build fails before anything is written."""
    rendered = render_invitation(email)
    recipient = ascii_address(email.to)
    local, _, domain = recipient.rpartition("@")
    message = EmailMessage()
    message["Subject"] = rendered.subject
    message["From"] = sender
    message["To"] = Address(username=local, domain=domain)  # built from its parts, never parsed from text
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    return ComposedEmail(invitation=email, recipient=recipient, mime=message.as_bytes())


class SesMailer:
    """Sends invitation emails with SES v2 `SendEmail`, from the verified sender identity."""

    def __init__(self, client: Callable[[], SESV2Client], *, sender: str, configuration_set: str | None) -> None:
        self._client = client
        self._sender = sender
        self._configuration_set = configuration_set

    def send(self, email: ComposedEmail) -> None:
        request: dict[str, Any] = {
            "FromEmailAddress": self._sender,
            "Destination": {"ToAddresses": [email.recipient]},
            "Content": {"Raw": {"Data": email.mime}},  # text and HTML as one multipart/alternative
            "EmailTags": [
                {"Name": CATEGORY_TAG, "Value": "invitation"},
                {"Name": INVITATION_TAG, "Value": email.invitation.invitation_id},
                {"Name": ACCOUNT_TAG, "Value": email.invitation.account_id},
            ],
        }
        if self._configuration_set:
            request["ConfigurationSetName"] = self._configuration_set
        try:
            self._client().send_email(**request)
        except (ClientError, BotoCoreError) as error:
            raise MailDeliveryError(type(error).__name__) from error
