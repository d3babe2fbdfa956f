"""The data-access interface the logic works with: the Store protocol, and what it reports, in domain terms.

`adapters/dynamodb_store.DynamoStore` is the Store on DynamoDB; `tests/support/memory_store.py` keeps the same
promises in memory for the unit tests, and `tests/integration/test_store_contract.py` holds both to them.

Every write takes the events it causes and writes them in the same transaction, numbered per account without a
gap (models/events.py): no change without its event, no event without its change.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from business_accounts.models.events import Event, NewEvent
from business_accounts.models.items import (
    Account,
    Administrator,
    Delivery,
    EmailOwnership,
    ExternalReference,
    Invitation,
    MailLog,
    Suppression,
)
from business_accounts.models.types import Budget, InvitationPurpose, InvitationStatus


class Conflict(Exception):
    """Someone else wrote first: what this write expected is no longer so; decide again on fresh reads."""


class EmailTaken(Conflict):
    """The email already belongs to an account; `owner` is its ownership as found."""

    def __init__(self, owner: EmailOwnership) -> None:
        super().__init__(f"email taken by {owner.account_id}")
        self.owner = owner


class MailCounted(Conflict):
    """Only the email's mail log changed: another invitation email to this address was counted just now."""


class InvitationChanged(Conflict):
    """The invitation is no longer pending as read; `current` is how it is now (None if it is gone)."""

    def __init__(self, current: Invitation | None) -> None:
        super().__init__(f"invitation now {current.status if current else 'gone'}")
        self.current = current


@dataclass(frozen=True)
class EmailRecord:
    """Everything the service keeps about one address, read at once: who it belongs to (None: free), the logs of
    the invitation emails to it per budget, and whether invitation emails to it are stopped."""

    email: str
    owner: EmailOwnership | None
    logs: dict[Budget, MailLog] = field(default_factory=dict)
    suppression: Suppression | None = None

    def log(self, budget: Budget) -> MailLog:
        return self.logs.get(budget) or MailLog(email=self.email, budget=budget)


@dataclass(frozen=True)
class Issue:
    """Everything one new invitation writes at once, with its events.

    `ownership_before` is the email's ownership it replaces (None: it claims a free email); `discarded` is an
    unverified claim it takes the email from, whose account goes with it (SPEC: an unverified claim yields).
    """

    invitation: Invitation
    mail_before: MailLog
    mail_after: MailLog
    events: tuple[NewEvent, ...]
    ownership_before: EmailOwnership | None = None
    new_account: Account | None = None
    external_reference: ExternalReference | None = None
    discarded: EmailOwnership | None = None

    @property
    def ownership(self) -> EmailOwnership:
        """The email's ownership after it: invited, waiting on this invitation."""
        return EmailOwnership.invited_to(self.invitation)


@dataclass(frozen=True)
class Overdue:
    """A pending invitation past its expiry, as the cleanup finds it."""

    token_hash: str
    invitation_id: str
    account_id: str
    email: str
    purpose: InvitationPurpose


class Store(Protocol):
    """Every read and write of accounts, invitations and their events; each write is all or nothing."""

    # --- Reads (strongly consistent) ---

    def email_record(self, email: str) -> EmailRecord: ...

    def invitation(self, token_hash: str) -> Invitation | None: ...

    def account(self, account_id: str) -> Account | None: ...

    def account_with_administrators(self, account_id: str) -> tuple[Account, list[Administrator]] | None: ...

    def ownerships(self, emails: Sequence[str]) -> list[EmailOwnership]:
        """The ownership of each of `emails` that has one, in no particular order."""
        ...

    def external_reference(self, reference: str) -> ExternalReference | None: ...

    def invitations_of(self, account_id: str, *, before_id: str | None, page_size: int) -> list[Invitation]:
        """One page of an account's invitations, newest first, strictly older than `before_id`."""
        ...

    def find_invitation(self, account_id: str, invitation_id: str) -> Invitation | None: ...

    def expired_pending(self, now: datetime, parts: Sequence[str] | None = None) -> Iterator[Overdue]:
        """Pending invitations whose expiry has passed at `now`, oldest first within each part of the pending
        invitations (`parts`: of `pending_parts()`; None: all of them)."""
        ...

    def pending_parts(self) -> list[str]:
        """The parts the pending invitations are spread over: a cleanup can work through each apart."""
        ...

    def events_of(self, account_id: str, *, after: int, limit: int) -> list[Event]:
        """One page of an account's timeline: up to `limit` events numbered above `after`, oldest first."""
        ...

    # --- Writes ---

    def issue(self, issue: Issue) -> None:
        """Write the invitation, supersede the one it replaces, repoint (or claim) the email, count the email.

        EmailTaken when a claimed email has an owner; MailCounted when only the mail log changed; Conflict when
        anything else is no longer as read, including when invitation emails to the address were stopped meanwhile.
        """
        ...

    def mail_again(self, invitation: Invitation, mail_before: MailLog, mail_after: MailLog, event: NewEvent) -> None:
        """Count one more email of `invitation` and put its `invitation.sent` event, so the outbox mails it again;
        Conflict unless the email still waits on it, MailCounted when only the mail log changed."""
        ...

    def record_mail(self, before: MailLog, after: MailLog) -> None:
        """Count an email request on its own (a resend with nothing to send); MailCounted if raced."""
        ...

    def uncount_mail(self, email: str, budget: Budget, sent_at: int) -> None:
        """Take back an email counted at `sent_at` that never left (re-read and tried again when raced)."""
        ...

    def accept(self, invitation: Invitation, now: datetime, events: Sequence[NewEvent]) -> None:
        """The invitation becomes accepted and its email an active administrator (who waits on no invitation, nor
        on its delivery); a confirmation verifies its account too. InvitationChanged unless the invitation is still
        pending and unexpired at `now`, Conflict if the email moved on."""
        ...

    def revoke(self, invitation: Invitation, events: Sequence[NewEvent]) -> None:
        """The invitation (pending or expired) is revoked and its email freed; Conflict if it changed meanwhile."""
        ...

    def expire(self, overdue: Overdue, now: datetime, expired: NewEvent, discarded: NewEvent | None) -> bool:
        """Mark one pending invitation expired if it has expired at `now`; False if it changed meanwhile.

        With `discarded`, a confirmation's unverified claim goes with it (its account, its administrator and the
        email's ownership) while the email still waits on it; where it does not, the invitation expires alone."""
        ...

    # --- Delivery ---

    def record_sent(self, invitation: Invitation, at: datetime, event: NewEvent) -> bool:
        """Its email left: `sent`, unless a report already outranks that; False if nothing was recorded."""
        ...

    def record_delivery(self, invitation: Invitation, delivery: Delivery, event: NewEvent) -> bool:
        """Record what became of the invitation's email on the invitation, and on its email's ownership while that
        still waits on this invitation; each only where `delivery` outranks what is there (a higher `rank`).

        True if the invitation took it; False if it already held this report or one that outranks it, or is gone.
        """
        ...

    def suppress(self, suppression: Suppression, event: NewEvent | None) -> bool:
        """Stop invitation emails to the address; False if they were stopped already (the first record is kept)."""
        ...

    def lift_suppression(self, email: str, event_of: EventOf) -> bool:
        """Invitation emails to the address may go again; False if they were not stopped. `event_of` tells the
        event of lifting the suppression found (None: it names no account, as those stored before timelines)."""
        ...


class EventOf(Protocol):
    def __call__(self, suppression: Suppression) -> NewEvent | None: ...


# The statuses a newer invitation may supersede, and revoke may withdraw.
REPLACEABLE = (InvitationStatus.PENDING, InvitationStatus.EXPIRED)
