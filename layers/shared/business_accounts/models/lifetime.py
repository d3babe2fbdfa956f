"""When an invitation stops working: SPEC's rule that `now >= expires_at` means expired, in one place."""

from __future__ import annotations

from datetime import datetime, timedelta

# The same rule over the stored `expires_epoch` (whole seconds, as `expires_at` is), for DynamoDB conditions:
# expired at `:now` (epoch seconds) exactly when `now >= expires_at`.
EXPIRED_AT_NOW = "expires_epoch <= :now"
UNEXPIRED_AT_NOW = f"NOT ({EXPIRED_AT_NOW})"


def expiry(issued_at: datetime, ttl_seconds: int) -> datetime:
    """The instant an invitation issued at `issued_at` stops working."""
    return issued_at + timedelta(seconds=ttl_seconds)


def has_expired(expires_at: datetime, now: datetime) -> bool:
    """Expiry is decided on every read, whether or not the cleanup or DynamoDB's TTL has run."""
    return now >= expires_at


def epoch(instant: datetime) -> int:
    return int(instant.timestamp())
