"""The invitation email limits: a cooldown per address and a daily cap over a rolling 24 hours, per budget."""

from __future__ import annotations

from datetime import datetime

from business_accounts.models.errors import RateLimited
from business_accounts.models.items import MailLog

DAY_SECONDS = 86_400


def seconds_until_admitted(log: MailLog, now: datetime, *, cooldown_seconds: int, daily_limit: int) -> int:
    """How long until one more email of this log would be admitted at `now` (0: it would be now)."""
    now_seconds = int(now.timestamp())
    recent = sorted(sent for sent in log.sent_at if sent > now_seconds - DAY_SECONDS)
    waits = [0]
    if recent and now_seconds - recent[-1] < cooldown_seconds:
        waits.append(cooldown_seconds - (now_seconds - recent[-1]))
    if len(recent) >= daily_limit:
        waits.append(max(1, recent[-daily_limit] + DAY_SECONDS - now_seconds))
    return max(waits)


def admit_email(log: MailLog, now: datetime, *, cooldown_seconds: int, daily_limit: int) -> MailLog:
    """The log with one more email at `now`, or RateLimited with the seconds until one would be admitted."""
    wait = seconds_until_admitted(log, now, cooldown_seconds=cooldown_seconds, daily_limit=daily_limit)
    if wait:
        raise RateLimited(retry_after=wait)
    now_seconds = int(now.timestamp())
    recent = tuple(sent for sent in log.sent_at if sent > now_seconds - DAY_SECONDS)
    return MailLog(email=log.email, budget=log.budget, sent_at=(*recent, now_seconds), version=log.version + 1)
