"""The invitation email: its words (text and HTML), and the whole MIME message built before anything is written."""

from __future__ import annotations

import email.policy
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from functools import cache
from pathlib import Path
from typing import Protocol

from markupsafe import Markup

from business_accounts.logic.translation import translations, written_instant
from business_accounts.models.languages import DEFAULT as DEFAULT_LOCALE
from business_accounts.models.languages import N_
from business_accounts.models.mailbox import ascii_address
from business_accounts.models.types import CreatedVia, InvitationPurpose, as_one_line
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
    purpose: InvitationPurpose = InvitationPurpose.INVITATION  # a confirmation asks to confirm one's own registration


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
    """The email could not be handed to the mail service, or whether it was is not known: try again."""


class MailRefused(MailDeliveryError):
    """The mail service refused this email for good (it did not leave): trying again would not help."""


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
# A confirmation: the registrant proves that the address is theirs (SPEC, Self-service registration).
CONFIRM_SUBJECT = N_("Confirm your email address to finish registering {company}")
CONFIRM_OPENING = N_(
    "You asked to register a business account for {company} with this email address. "
    "Confirm that the address is yours, and you become the account's administrator."
)
CONFIRM_OPEN_THE_LINK = N_("To confirm your email address, open this link:")
CONFIRM = N_("Confirm my email address")
# Translators: {until} is a date and time in UTC, written the way your language writes them.
CONFIRM_VALID_UNTIL = N_(
    "The link works until {until}. If it has expired, open it anyway and ask for a new one in one click."
)
CONFIRM_NOT_EXPECTED = N_(
    "Did not register? You can ignore this email: no business account is created for this address unless you "
    "confirm it."
)


@dataclass(frozen=True)
class _Words:
    """What an email of one purpose says, in English (marked for the catalogs), translated when it is rendered."""

    subject: str
    opening: str
    open_the_link: str
    button: str
    valid_until: str
    not_expected: str


_WORDS = {
    InvitationPurpose.INVITATION: _Words(SUBJECT, INVITED, OPEN_THE_LINK, JOIN, VALID_UNTIL, NOT_EXPECTED),
    InvitationPurpose.CONFIRMATION: _Words(
        CONFIRM_SUBJECT, CONFIRM_OPENING, CONFIRM_OPEN_THE_LINK, CONFIRM, CONFIRM_VALID_UNTIL, CONFIRM_NOT_EXPECTED
    ),
}


@cache
def _html_template() -> Markup:
    """invitation_email.html, as Markup: `format` escapes every value that is not Markup built here."""
    return Markup((Path(__file__).parent / "invitation_email.html").read_text(encoding="utf-8"))  # noqa: S704


def render_invitation(email: InvitationEmail) -> RenderedEmail:
    """The subject, text and HTML of the email in its locale. The HTML is escaped by construction: the template is
    Markup, whose `format` escapes every value, and a translated sentence with markup inside is Markup too, whose
    placeholders escape what fills them, so neither a translation nor a company name can add markup."""
    say = translations(email.locale).gettext
    words = _WORDS[email.purpose]
    why = say(WHY_THE_ACCOUNT_EXISTS[email.created_via])
    until = written_instant(email.expires_at, email.locale)
    company = email.company_name
    subject = say(words.subject).format(company=_subject_words(company))
    text = (
        f"{say(GREETING)}\n\n"
        f"{say(words.opening).format(company=company, why=why)}\n\n"
        f"{say(words.open_the_link)}\n{email.link}\n\n"
        f"{say(words.valid_until).format(until=until)}\n\n"
        f"{say(words.not_expected)}\n"
    )

    def marked(message: str, **values: str | Markup) -> Markup:
        return Markup.escape(say(message)).format(**values)

    html = _html_template().format(
        locale=email.locale,
        subject=subject,
        link=email.link,
        greeting=say(GREETING),
        opening=marked(words.opening, company=Markup("<strong>{}</strong>").format(company), why=why),
        button=say(words.button).format(company=company),
        copy_the_link=say(COPY_THE_LINK),
        valid_until=marked(words.valid_until, until=Markup("<strong>{}</strong>").format(until)),
        not_expected=say(words.not_expected),
    )
    return RenderedEmail(subject=subject, text=text, html=str(html))


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
