"""The local inbox: every email sent through the local SES, newest first, each opening to its HTML."""

from __future__ import annotations

import email
import email.policy
import json
from dataclasses import asdict, dataclass
from html import escape

from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends


@dataclass(frozen=True)
class Mail:
    number: int
    sender: str
    to: list[str]
    subject: str
    text: str
    html: str


def mails(region: str) -> list[Mail]:
    """Newest first, parsed from the MIME source SES received."""
    found = []
    for number, message in enumerate(ses_backends[DEFAULT_ACCOUNT_ID][region].sent_messages, start=1):
        raw = getattr(message, "raw_data", None)
        if raw is None:  # a simple (non-raw) message
            found.append(
                Mail(
                    number,
                    message.source,
                    list(message.destinations.get("ToAddresses", [])),
                    message.subject,
                    message.body,
                    message.body,
                )
            )
            continue
        parsed = email.message_from_string(raw, policy=email.policy.default)
        text, html = parsed.get_body(preferencelist=("plain",)), parsed.get_body(preferencelist=("html",))
        found.append(
            Mail(
                number=number,
                sender=str(parsed["From"]),
                to=list(dict.fromkeys(message.destinations)),
                subject=str(parsed["Subject"]),
                text=text.get_content() if text else "",
                html=html.get_content() if html else "",
            )
        )
    return found[::-1]


def _list_page(found: list[Mail]) -> str:
    rows = (
        "".join(
            f'<li><a href="/_local/inbox/{mail.number}">{escape(mail.subject)}</a>'
            f"<br><small>to {escape(', '.join(mail.to))}</small></li>"
            for mail in found
        )
        or "<li>No emails yet.</li>"
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Local inbox</title>'
        "<style>body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem}"
        "li{margin:.75rem 0}</style></head><body><h1>Local inbox</h1>"
        f"<p>Emails sent through the local SES, newest first.</p><ol reversed>{rows}</ol></body></html>"
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
