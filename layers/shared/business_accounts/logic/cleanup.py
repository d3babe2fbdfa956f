"""The scheduled cleanup: pending invitations past their expiry become expired, in parallel, within the time given."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import batched

from business_accounts.logic.services import Services
from business_accounts.observability import Metric, count, logger

WORKERS = 8  # concurrent conditional updates: enough to hide DynamoDB's latency, well under its limits
BATCH = 4 * WORKERS  # invitations started together, between two looks at the time left
# Seconds kept in hand when a run stops early: a batch takes well under one, and the function's timeout is 300.
TIME_TO_SPARE = 20.0


@dataclass(frozen=True)
class CleanupRun:
    expired: int
    remaining: bool  # it stopped for lack of time: the next run goes on where this one stopped


def expire_overdue(services: Services, *, seconds_left: Callable[[], float]) -> CleanupRun:
    """Mark overdue pending invitations expired, `WORKERS` at a time, stopping with `TIME_TO_SPARE` seconds left.

    Reads grow with the expired invitations, never with the table. An invitation accepted, renewed or revoked
    meanwhile is left as it is (each update is conditional), so the cleanup is safe beside every route.
    """
    now = services.clock()
    expired, remaining = 0, False
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for batch in batched(services.store.expired_pending(now), BATCH, strict=False):
            if seconds_left() < TIME_TO_SPARE:
                remaining = True
                break
            expired += sum(pool.map(lambda token_hash: services.store.expire(token_hash, now), batch))
    if expired:
        count(Metric.INVITATIONS_EXPIRED, expired)
    logger.info("cleanup done", extra={"expired": expired, "remaining": remaining})
    return CleanupRun(expired=expired, remaining=remaining)
