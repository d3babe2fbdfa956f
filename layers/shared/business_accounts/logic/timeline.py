"""An account's timeline: its events, oldest first, one page at a time (support reads it; consumers replay it)."""

from __future__ import annotations

from business_accounts.logic.services import Services
from business_accounts.models import api
from business_accounts.models.errors import AccountNotFound


def timeline(services: Services, *, account_id: str, after: int, limit: int) -> api.EventPage:
    """Up to `limit` events numbered above `after`; `next_after` while more may follow. One query per page (and a
    read of the account when a first page is empty, to tell an unknown account from one without events)."""
    page = services.store.events_of(account_id, after=after, limit=limit)
    if not page and after == 0 and services.store.account(account_id) is None:
        raise AccountNotFound()
    return api.EventPage(items=page, next_after=page[-1].sequence if len(page) == limit else None)
