"""The data-access interface the logic works with: the Store protocol, and what it reports, in domain terms.

`dynamodb_store.DynamoStore` is the Store on DynamoDB; `tests/support/memory_store.py` keeps the same promises
in memory for the unit tests, and `tests/integration/test_store_contract.py` holds both to them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

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
from business_accounts.models.types import InvitationStatus


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
class Issue:
    """Everything one new invitation writes at once, and what it replaces, so that it can be undone."""

    invitation: Invitation
    mail_before: MailLog
    mail_after: MailLog
    ownership_before: EmailOwnership | None = None  # None: this invitation claims a free email
    new_account: Account | None = None
    external_reference: ExternalReference | None = None

    @property
    def ownership(self) -> EmailOwnership:
        """The email's ownership after it: invited, waiting on this invitation."""
        return EmailOwnership.invited_to(self.invitation)


class Store(Protocol):
    """Every read and write of accounts and invitations; each write is all or nothing, decided by conditions."""

    # --- Reads (strongly consistent) ---

    def email_record(self, email: str) -> tuple[EmailOwnership | None, MailLog, Suppression | None]:
        """Who the email belongs to (None: free), its mail log, and whether invitation emails to it are stopped."""
        ...

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

    def expired_pending(self, now: datetime) -> Iterator[str]:
        """Token hashes of pending invitations whose expiry has passed at `now`, oldest first."""
        ...

    # --- Writes ---

    def create_account(self, account: Account, administrator: Administrator) -> None:
        """The account, its active administrator and the email's ownership; EmailTaken if the email has an owner."""
        ...

    def issue(self, issue: Issue) -> None:
        """Write the invitation, supersede the one it replaces, repoint (or claim) the email, count the email.

        EmailTaken when a claimed email has an owner; MailCounted when only the mail log changed; Conflict when
        anything else is no longer as read, including when invitation emails to the address were stopped meanwhile.
        """
        ...

    def undo_issue(self, issue: Issue) -> None:
        """Put back what `issue` wrote, each part only if it is still as `issue` left it."""
        ...

    def record_mail(self, before: MailLog, after: MailLog) -> None:
        """Count an email request on its own (resend to an address with nothing to send); MailCounted if raced."""
        ...

    def accept(self, invitation: Invitation, now: datetime) -> None:
        """The invitation becomes accepted and its email an active administrator (who waits on no invitation, nor
        on its delivery); InvitationChanged unless the invitation is still pending and unexpired at `now`, Conflict
        if the email moved on."""
        ...

    def revoke(self, invitation: Invitation) -> None:
        """The invitation (pending or expired) is revoked and its email freed; Conflict if it changed meanwhile."""
        ...

    def expire(self, token_hash: str, now: datetime) -> bool:
        """Mark one pending invitation expired if it has expired at `now`; False if it changed meanwhile."""
        ...

    # --- Delivery feedback ---

    def record_delivery(self, invitation: Invitation, delivery: Delivery) -> bool:
        """Record what became of the invitation's email on the invitation, and on its email's ownership while that
        still waits on this invitation; each only where `delivery` outranks what is there (a higher `rank`).

        True if the invitation took it; False if it already held this report or one that outranks it, or is gone.
        """
        ...

    def suppress(self, suppression: Suppression) -> bool:
        """Stop invitation emails to the address; False if they were stopped already (the first record is kept)."""
        ...

    def lift_suppression(self, email: str) -> bool:
        """Invitation emails to the address may go again; False if they were not stopped."""
        ...


# The statuses a newer invitation may supersede, and revoke may withdraw.
REPLACEABLE = (InvitationStatus.PENDING, InvitationStatus.EXPIRED)
