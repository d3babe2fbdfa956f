"""The invitation email limits: a cooldown per address and a daily cap over a rolling 24 hours."""

from __future__ import annotations

from datetime import datetime

from business_accounts.models.errors import RateLimited
from business_accounts.models.items import MailLog

DAY_SECONDS = 86_400


def admit_email(log: MailLog, now: datetime, *, cooldown_seconds: int, daily_limit: int) -> MailLog:
    """The log with one more email at `now`, or RateLimited with the seconds until one would be admitted."""
    now_seconds = int(now.timestamp())
    recent = tuple(sent for sent in log.sent_at if sent > now_seconds - DAY_SECONDS)
    if recent and now_seconds - recent[-1] < cooldown_seconds:
        raise RateLimited(retry_after=cooldown_seconds - (now_seconds - recent[-1]))
    if len(recent) >= daily_limit:
        raise RateLimited(retry_after=max(1, recent[-daily_limit] + DAY_SECONDS - now_seconds))
    return MailLog(email=log.email, sent_at=(*recent, now_seconds), version=log.version + 1)
