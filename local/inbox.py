"""The local inbox: every email sent through the local SES, newest first, with its time, recipient and delivery."""

from __future__ import annotations

import email
import email.policy
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from html import escape
from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

_LINK = re.compile(r"https?://\S+")


@dataclass(frozen=True)
class Mail:
    number: int
    sender: str
    to: list[str]
    subject: str
    text: str
    html: str
    sent_at: str | None = None  # ISO-8601 UTC, when the local SES accepted it (ses_events.sending_options)
    links: list[str] = field(default_factory=list)  # every link in the text, in order
    # What SES last reported of it ({"status": "delivered", "at": ...}, ses_events.py); None until its first report.
    delivery: dict[str, str] | None = None


def _sent_at(message: Any) -> str | None:
    sent_at: datetime | None = getattr(message, "sent_at", None)
    return sent_at.strftime("%Y-%m-%dT%H:%M:%SZ") if sent_at else None


def mails(region: str) -> list[Mail]:
    """Newest first, parsed from the MIME source SES received."""
    found = []
    for number, message in enumerate(ses_backends[DEFAULT_ACCOUNT_ID][region].sent_messages, start=1):
        raw = getattr(message, "raw_data", None)
        if raw is None:  # a simple (non-raw) message
            sender, to = message.source, list(message.destinations.get("ToAddresses", []))
            subject, text, html = message.subject, message.body, message.body
        else:
            parsed = email.message_from_string(raw, policy=email.policy.default)
            text_part, html_part = parsed.get_body(preferencelist=("plain",)), parsed.get_body(preferencelist=("html",))
            sender, to, subject = str(parsed["From"]), list(dict.fromkeys(message.destinations)), str(parsed["Subject"])
            text = text_part.get_content() if text_part else ""
            html = html_part.get_content() if html_part else ""
        delivery = getattr(message, "delivery", None)
        found.append(Mail(number, sender, to, subject, text, html, _sent_at(message), _LINK.findall(text), delivery))
    return found[::-1]


def _when(sent_at: str | None) -> str:
    if sent_at is None:
        return "time unknown"
    return f'<time datetime="{sent_at}">{sent_at.replace("T", " ").removesuffix("Z")} UTC</time>'


def _delivery(delivery: dict[str, str] | None) -> str:
    if delivery is None:
        return "no delivery report yet"
    return f"<strong>{escape(delivery['status'])}</strong> {_when(delivery['at'])}"


def _list_page(found: list[Mail]) -> str:
    rows = (
        "".join(
            f'<li><a href="/_local/inbox/{mail.number}">{escape(mail.subject)}</a><br>'
            f"<small>to {escape(', '.join(mail.to))}, {_when(mail.sent_at)}; "
            f"delivery: {_delivery(mail.delivery)}</small></li>"
            for mail in found
        )
        or "<li>No emails yet.</li>"
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Local inbox</title>'
        "<style>body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem}"
        "li{margin:.75rem 0}</style></head><body><h1>Local inbox</h1>"
        "<p>Emails sent through the local SES, newest first, with what SES reported of each (SES's mailbox "
        "simulator addresses bounce or complain as they say; every other address is delivered).</p>"
        f"<ol reversed>{rows}</ol></body></html>"
    )


def page(region: str, method: str, path: str) -> tuple[int, str, bytes] | None:
    """The inbox's pages under /_local/inbox; None for any other path."""
    if method not in ("GET", "HEAD") or not path.startswith("/_local/inbox"):
        return None
    found = mails(region)
    if path in ("/_local/inbox", "/_local/inbox/"):
        return 200, "text/html; charset=utf-8", _list_page(found).encode()
    if path == "/_local/inbox.json":
        return 200, "application/json", json.dumps([asdict(mail) for mail in found]).encode()
    number = path.removeprefix("/_local/inbox/")
    for mail in found:
        if str(mail.number) == number:
            return 200, "text/html; charset=utf-8", (mail.html or f"<pre>{escape(mail.text)}</pre>").encode()
    return 404, "text/plain; charset=utf-8", b"No such email."


def latest_token(region: str, to: str) -> str:
    """The invitation token in the newest email to `to`: what a person would click."""
    mail = next(mail for mail in mails(region) if to in mail.to)
    return mail.text.split("#token=", 1)[1].split()[0]
