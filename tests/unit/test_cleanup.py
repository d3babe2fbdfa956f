"""The cleanup's time budget: it stops with time to spare and the next run goes on where it stopped."""

from __future__ import annotations

from business_accounts.logic import accounts, cleanup
from business_accounts.logic.services import Services
from business_accounts.models import api
from business_accounts.models.types import InvitationStatus
from tests.support.fakes import FakeClock
from tests.support.memory_store import MemoryStore

PLENTY = 300.0


def provision(logic: Services, how_many: int) -> None:
    for number in range(how_many):
        request = api.ProvisionRequest(
            company_name=f"Company {number}", administrator_email=f"admin{number}@example.com", created_via="sales"
        )
        accounts.provision(logic, request)


def statuses(store: MemoryStore) -> list[InvitationStatus]:
    return sorted(invitation.status for invitation in store.invitations.values())


def test_cleanup_with_time_to_spare_expires_every_overdue_invitation(
    logic: Services, clock: FakeClock, store: MemoryStore
) -> None:
    provision(logic, cleanup.BATCH + 3)
    clock.advance(days=8)

    run = cleanup.expire_overdue(logic, seconds_left=lambda: PLENTY)

    assert run == cleanup.CleanupRun(expired=cleanup.BATCH + 3, remaining=False)
    assert statuses(store) == [InvitationStatus.EXPIRED] * (cleanup.BATCH + 3)


def test_cleanup_short_of_time_stops_between_batches_and_the_next_run_finishes(
    logic: Services, clock: FakeClock, store: MemoryStore
) -> None:
    # Given more overdue invitations than one batch, and time for one batch only
    provision(logic, cleanup.BATCH + 3)
    clock.advance(days=8)
    budget = iter([PLENTY, cleanup.TIME_TO_SPARE - 1])

    # When the cleanup runs
    first = cleanup.expire_overdue(logic, seconds_left=lambda: next(budget))

    # Then it stops after the first batch and says work remains; the next run does the rest
    assert first == cleanup.CleanupRun(expired=cleanup.BATCH, remaining=True)
    second = cleanup.expire_overdue(logic, seconds_left=lambda: PLENTY)
    assert second == cleanup.CleanupRun(expired=3, remaining=False)
    assert statuses(store) == [InvitationStatus.EXPIRED] * (cleanup.BATCH + 3)


def test_cleanup_leaves_invitations_before_their_expiry_pending(
    logic: Services, clock: FakeClock, store: MemoryStore
) -> None:
    provision(logic, 2)
    clock.advance(days=7, seconds=-1)

    run = cleanup.expire_overdue(logic, seconds_left=lambda: PLENTY)

    assert run == cleanup.CleanupRun(expired=0, remaining=False)
    assert statuses(store) == [InvitationStatus.PENDING] * 2


# --- Handing a backlog on ---


def test_a_finished_run_hands_nothing_on(logic: Services) -> None:
    assert cleanup.hand_over(logic, cleanup.CleanupRun(expired=3, remaining=False), cleanup.Continuation()) == []


def test_the_schedules_run_hands_each_part_to_a_run_of_its_own(logic: Services, store: MemoryStore) -> None:
    handed = cleanup.hand_over(logic, cleanup.CleanupRun(expired=9, remaining=True), cleanup.Continuation())

    assert handed == [cleanup.Continuation(parts=(part,), rounds=1) for part in store.pending_parts()]


def test_a_part_is_handed_on_round_after_round_up_to_the_last(logic: Services) -> None:
    run = cleanup.CleanupRun(expired=9, remaining=True)
    asked = cleanup.Continuation(parts=("PENDING#3",), rounds=5)

    assert cleanup.hand_over(logic, run, asked) == [cleanup.Continuation(parts=("PENDING#3",), rounds=6)]
    last = cleanup.Continuation(parts=("PENDING#3",), rounds=cleanup.MAX_ROUNDS)
    assert cleanup.hand_over(logic, run, last) == []


def test_a_continuation_is_read_from_its_event_and_the_schedules_event_asks_for_everything() -> None:
    assert cleanup.Continuation.model_validate({"parts": ["PENDING#3"], "rounds": 2}).parts == ("PENDING#3",)
    schedule = cleanup.Continuation.model_validate({"source": "aws.scheduler", "detail": "{}"})
    assert (schedule.parts, schedule.rounds) == (None, 0)
