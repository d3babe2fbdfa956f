"""The scheduled cleanup: pending invitations past their expiry become expired, and unconfirmed registrations go."""

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from itertools import batched
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from business_accounts.logic.services import Services
from business_accounts.logic.store import Overdue
from business_accounts.models.events import Actor, EventType, NewEvent
from business_accounts.models.types import InvitationPurpose
from business_accounts.observability import Metric, count, logger

WORKERS = 8  # concurrent conditional writes: enough to hide DynamoDB's latency, well under its limits
BATCH = 4 * WORKERS  # invitations started together, between two looks at the time left
# Seconds kept in hand when a run stops early: a batch takes well under one, and the function's timeout is 300.
TIME_TO_SPARE = 20.0
# How many runs in a row may hand a part of the backlog on: 24 runs of about 280 s, some 800 000 expiries a part
# at 256 MB (docs/deploy.md, "Ceilings"); a bound, so that no fault can keep a chain of runs going for ever.
MAX_ROUNDS = 24


@dataclass(frozen=True)
class CleanupRun:
    expired: int
    remaining: bool  # it stopped for lack of time: the rest is for the runs it hands over to


class Continuation(BaseModel):
    """The event of a run that another handed work on to: which parts of the pending invitations, and how many
    runs in a row this one makes (the schedule's own event has neither: every part, the first run)."""

    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)

    parts: tuple[Annotated[str, StringConstraints(min_length=1, max_length=40)], ...] | None = None
    rounds: int = Field(default=0, ge=0, le=MAX_ROUNDS)


def hand_over(services: Services, run: CleanupRun, asked: Continuation) -> list[Continuation]:
    """The runs to start now so that a backlog is gone long before the next schedule: none when this run finished;
    the schedule's run hands each part of the pending invitations to a run of its own (they work in parallel), and
    each of those hands its part on to the next round until it is done, up to MAX_ROUNDS."""
    if not run.remaining:
        return []
    if asked.rounds >= MAX_ROUNDS:
        logger.warning("cleanup: a backlog is left after the last round", extra={"parts": asked.parts})
        return []
    if asked.parts is None:
        return [Continuation(parts=(part,), rounds=1) for part in services.store.pending_parts()]
    return [Continuation(parts=asked.parts, rounds=asked.rounds + 1)]


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


def expire_overdue(
    services: Services, *, seconds_left: Callable[[], float], parts: Sequence[str] | None = None
) -> CleanupRun:
    """Mark overdue pending invitations expired, `WORKERS` at a time, stopping with `TIME_TO_SPARE` seconds left.

    Reads grow with the expired invitations, never with the table. An invitation accepted, renewed or revoked
    meanwhile is left as it is (each write is conditional), so the cleanup is safe beside every route. An expired
    confirmation takes its unverified registration with it: the email is free again (SPEC).
    """
    now = services.clock()
    expired, remaining = 0, False
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for batch in batched(services.store.expired_pending(now, parts), BATCH, strict=False):
            if seconds_left() < TIME_TO_SPARE:
                remaining = True
                break
            expired += sum(pool.map(lambda overdue: _expire(services, overdue, now), batch))
    if expired:
        count(Metric.INVITATIONS_EXPIRED, expired)
    logger.info("cleanup done", extra={"expired": expired, "remaining": remaining, "parts": list(parts or ())})
    return CleanupRun(expired=expired, remaining=remaining)
