"""The scheduled cleanup: pending invitations past their expiry become expired, and unconfirmed registrations go."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from itertools import batched

from business_accounts.logic.services import Services
from business_accounts.logic.store import Overdue
from business_accounts.models.events import Actor, EventType, NewEvent
from business_accounts.models.types import InvitationPurpose
from business_accounts.observability import Metric, count, logger

WORKERS = 8  # concurrent conditional writes: enough to hide DynamoDB's latency, well under its limits
BATCH = 4 * WORKERS  # invitations started together, between two looks at the time left
# Seconds kept in hand when a run stops early: a batch takes well under one, and the function's timeout is 300.
TIME_TO_SPARE = 20.0


@dataclass(frozen=True)
class CleanupRun:
    expired: int
    remaining: bool  # it stopped for lack of time: the rest is for the run it hands over to


def _expire(services: Services, overdue: Overdue, now: datetime) -> bool:
    about = {"invitation_id": overdue.invitation_id, "email": overdue.email}
    expired = NewEvent(EventType.INVITATION_EXPIRED, overdue.account_id, Actor.CLEANUP, now, about)
    discarded = (
        NewEvent(
            EventType.ACCOUNT_DISCARDED,
            overdue.account_id,
            Actor.CLEANUP,
            now,
            {"email": overdue.email, "reason": "confirmation_expired"},
        )
        if overdue.purpose is InvitationPurpose.CONFIRMATION
        else None
    )
    return services.store.expire(overdue, now, expired, discarded)


def expire_overdue(services: Services, *, seconds_left: Callable[[], float]) -> CleanupRun:
    """Mark overdue pending invitations expired, `WORKERS` at a time, stopping with `TIME_TO_SPARE` seconds left.

    Reads grow with the expired invitations, never with the table. An invitation accepted, renewed or revoked
    meanwhile is left as it is (each write is conditional), so the cleanup is safe beside every route. An expired
    confirmation takes its unverified registration with it: the email is free again (SPEC).
    """
    now = services.clock()
    expired, remaining = 0, False
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for batch in batched(services.store.expired_pending(now), BATCH, strict=False):
            if seconds_left() < TIME_TO_SPARE:
                remaining = True
                break
            expired += sum(pool.map(lambda overdue: _expire(services, overdue, now), batch))
    if expired:
        count(Metric.INVITATIONS_EXPIRED, expired)
    logger.info("cleanup done", extra={"expired": expired, "remaining": remaining})
    return CleanupRun(expired=expired, remaining=remaining)
