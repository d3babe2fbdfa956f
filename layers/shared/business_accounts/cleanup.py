"""The scheduled cleanup: pending invitations past their expiry become expired, a page at a time."""

from __future__ import annotations

from business_accounts.observability import Metric, count, logger
from business_accounts.services import Services


def expire_overdue(services: Services) -> int:
    """Mark every overdue pending invitation expired; reads grow with the expired ones, never with the table."""
    now = services.clock()
    expired = sum(services.store.expire(token_hash, now) for token_hash in services.store.expired_pending(now))
    if expired:
        count(Metric.INVITATIONS_EXPIRED, expired)
    logger.info("cleanup done", extra={"expired": expired})
    return expired
