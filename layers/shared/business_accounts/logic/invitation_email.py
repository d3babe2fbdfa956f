"""The invitation email: its words (text and HTML), and the whole MIME message built before anything is written."""

from __future__ import annotations

import email.policy
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from html import escape
from typing import Protocol

from business_accounts.logic.translation import translations, written_instant
from business_accounts.models.languages import DEFAULT as DEFAULT_LOCALE
from business_accounts.models.languages import N_
from business_accounts.models.mailbox import ascii_address
from business_accounts.models.types import CreatedVia, as_one_line
from business_accounts.models.wording import WHY_THE_ACCOUNT_EXISTS


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
    locale: str = DEFAULT_LOCALE  # the language it is written in


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


# --- The words: English, marked for the catalogs (locales/), translated when an email is rendered ---

SUBJECT = N_("You are invited to administer the {company} business account")
GREETING = N_("Hello,")
# Translators: {why} is one whole sentence saying why the account exists.
INVITED = N_(
    "A business account for {company} already exists. {why} You have been invited to become one of its administrators."
)
OPEN_THE_LINK = N_("To accept the invitation, open this link:")
JOIN = N_("Join {company}")
COPY_THE_LINK = N_("Or copy this link into your browser:")
# Translators: {until} is a date and time in UTC, written the way your language writes them.
VALID_UNTIL = N_(
    "The link works until {until}. If it has expired, open it anyway and ask for a new invitation in one click."
)
NOT_EXPECTED = N_(
    "Did not expect this? You can ignore this email: nothing changes unless you accept. "
    "If you keep getting these emails, tell your company's IT administrator or our support team."
)
_STYLE = "font-family: Arial, Helvetica, sans-serif; line-height: 1.5; color: #1f2933;"
_BUTTON = (
    "display: inline-block; padding: 10px 18px; background: #c8102e; color: #ffffff; text-decoration: none; "
    "border-radius: 4px;"
)


def render_invitation(email: InvitationEmail) -> RenderedEmail:
    """The subject, text and HTML of the email in its locale. In the HTML part each translated text is escaped
    first, then its placeholders are filled in with escaped values, so neither a translation nor a company name
    can add markup."""
    say = translations(email.locale).gettext
    why = say(WHY_THE_ACCOUNT_EXISTS[email.created_via])
    until = written_instant(email.expires_at, email.locale)
    company = email.company_name
    subject = say(SUBJECT).format(company=_subject_words(company))
    text = (
        f"{say(GREETING)}\n\n"
        f"{say(INVITED).format(company=company, why=why)}\n\n"
        f"{say(OPEN_THE_LINK)}\n{email.link}\n\n"
        f"{say(VALID_UNTIL).format(until=until)}\n\n"
        f"{say(NOT_EXPECTED)}\n"
    )

    def html(message: str, **values: str) -> str:
        return escape(say(message)).format(**values)

    strong = {"company": f"<strong>{escape(company)}</strong>"}
    link = escape(email.link, quote=True)
    html_part = (
        "<!DOCTYPE html>\n"
        f'<html lang="{escape(email.locale, quote=True)}"><head><meta charset="utf-8">'
        f"<title>{escape(subject)}</title></head>\n"
        f'<body style="{_STYLE}">\n'
        f"<p>{html(GREETING)}</p>\n"
        f"<p>{html(INVITED, **strong, why=escape(why))}</p>\n"
        f'<p><a href="{link}" style="{_BUTTON}">{html(JOIN, company=escape(company))}</a></p>\n'
        f'<p>{html(COPY_THE_LINK)}<br><a href="{link}">{link}</a></p>\n'
        f"<p>{html(VALID_UNTIL, until=f'<strong>{escape(until)}</strong>')}</p>\n"
        f"<p>{html(NOT_EXPECTED)}</p>\n"
        "</body></html>\n"
    )
    return RenderedEmail(subject=subject, text=text, html=html_part)


# RFC 5322 allows 998 characters a line; folding a Subject at 78, Python's email can bring it back with a space
# in front (after an apostrophe, or a run of spaces). No subject of ours comes near 998.
_HEADERS_ON_ONE_LINE = email.policy.default.clone(max_line_length=998)


def _subject_words(name: str) -> str:
    """The name on one line with single spaces: a Subject folds at spaces, and a run of them comes back changed."""
    return " ".join(as_one_line(name).split())


def compose(email: InvitationEmail, *, sender: str) -> ComposedEmail:
    """The whole message, headers included, so whatever could fail to build fails before anything is written."""
    rendered = render_invitation(email)
    recipient = ascii_address(email.to)
    local, _, domain = recipient.rpartition("@")
    message = EmailMessage(policy=_HEADERS_ON_ONE_LINE)
    message["Subject"] = rendered.subject
    message["From"] = sender
    message["To"] = Address(username=local, domain=domain)  # built from its parts, never parsed from text
    message.set_content(rendered.text, cte="quoted-printable")  # 7-bit on the wire, whatever the language
    message.add_alternative(rendered.html, subtype="html", cte="quoted-printable")
    return ComposedEmail(invitation=email, recipient=recipient, mime=message.as_bytes())
