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
