"""What reached the stack's event bus, read from the template's EventBridge archive: `/_local/events` and its JSON."""

from __future__ import annotations

import json
from html import escape
from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID
from moto.events.models import events_backends


def bus_events(region: str) -> list[dict[str, Any]]:
    """Every event archived, oldest first, as EventBridge delivers it (`detail` is the envelope, docs/events/)."""
    archives = events_backends[DEFAULT_ACCOUNT_ID][region].archives.values()
    found = [event for archive in archives for event in archive.events]
    return sorted(found, key=lambda event: (event["time"], event["detail"].get("sequence", 0)))


def _row(event: dict[str, Any]) -> str:
    detail = event["detail"]
    cells = (
        detail.get("occurred_at", event["time"]),
        detail.get("account_id", ""),
        str(detail.get("sequence", "")),
        event["detail-type"],
        detail.get("actor", ""),
        detail.get("event_id", ""),
    )
    return "<tr>" + "".join(f"<td>{escape(str(cell))}</td>" for cell in cells) + "</tr>"


def _list_page(found: list[dict[str, Any]]) -> str:
    rows = "".join(_row(event) for event in found) or '<tr><td colspan="6">No events yet.</td></tr>'
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Local event bus</title>'
        "<style>body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem}"
        "table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .5rem;"
        "border-bottom:1px solid #ddd;font-size:.9rem}</style></head><body><h1>Local event bus</h1>"
        "<p>Events the publisher put on the stack's bus, newest first (the archive's copy; JSON at "
        '<a href="/_local/events.json">/_local/events.json</a>, also newest first). An account\'s whole timeline, '
        "oldest first, is "
        "<code>GET /v1/internal/accounts/{account_id}/events</code>.</p>"
        "<table><thead><tr><th>occurred at</th><th>account</th><th>sequence</th><th>type</th><th>actor</th>"
        f"<th>event id</th></tr></thead><tbody>{rows}</tbody></table></body></html>"
    )


def page(region: str, method: str, path: str) -> tuple[int, str, bytes] | None:
    """The bus's pages: `/_local/events` and `/_local/events.json`; None for any other path."""
    if method not in ("GET", "HEAD") or path not in ("/_local/events", "/_local/events/", "/_local/events.json"):
        return None
    newest_first = bus_events(region)[::-1]  # as SPEC has it, and as the inbox lists its emails
    if path == "/_local/events.json":
        return 200, "application/json", json.dumps(newest_first, default=str).encode()
    return 200, "text/html; charset=utf-8", _list_page(newest_first).encode()
