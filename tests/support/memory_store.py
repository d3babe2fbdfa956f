"""The Store protocol in memory, for unit tests: the same conditions, all-or-nothing writes, domain conflicts, events.

Each write checks every condition first and changes nothing unless all hold, as one DynamoDB transaction does,
and numbers its events after each account's last one, as the events table's heads do.
`tests/integration/test_store_contract.py` runs the same behaviours against this and the DynamoDB store.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from business_accounts.logic.store import (
    REPLACEABLE,
    Conflict,
    EmailRecord,
    EmailTaken,
    EventOf,
    InvitationChanged,
    Issue,
    MailCounted,
    Overdue,
)
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
from business_accounts.models.lifetime import has_expired
from business_accounts.models.types import (
    AdministratorState,
    Budget,
    DeliveryStatus,
    InvitationPurpose,
    InvitationStatus,
)


@dataclass
class MemoryStore:
    accounts: dict[str, Account] = field(default_factory=dict)
    administrators: dict[tuple[str, str], Administrator] = field(default_factory=dict)
    owners: dict[str, EmailOwnership] = field(default_factory=dict)
    mail_logs: dict[tuple[str, Budget], MailLog] = field(default_factory=dict)
    references: dict[str, ExternalReference] = field(default_factory=dict)
    invitations: dict[str, Invitation] = field(default_factory=dict)  # by token hash
    suppressions: dict[str, Suppression] = field(default_factory=dict)
    timelines: dict[str, list[Event]] = field(default_factory=lambda: defaultdict(list))
    # What the events table's stream would deliver each committed event to (tests/support/fakes.Stream).
    stream: Callable[[Event], None] | None = None

    # --- Reads ---

    def email_record(self, email: str) -> EmailRecord:
        logs = {budget: log for (owner, budget), log in self.mail_logs.items() if owner == email}
        return EmailRecord(
            email=email, owner=self.owners.get(email), logs=logs, suppression=self.suppressions.get(email)
        )

    def invitation(self, token_hash: str) -> Invitation | None:
        return self.invitations.get(token_hash)

    def account(self, account_id: str) -> Account | None:
        return self.accounts.get(account_id)

    def account_with_administrators(self, account_id: str) -> tuple[Account, list[Administrator]] | None:
        account = self.accounts.get(account_id)
        if account is None:
            return None
        return account, [admin for (owner, _), admin in sorted(self.administrators.items()) if owner == account_id]

    def ownerships(self, emails: Sequence[str]) -> list[EmailOwnership]:
        return [self.owners[email] for email in dict.fromkeys(emails) if email in self.owners]

    def external_reference(self, reference: str) -> ExternalReference | None:
        return self.references.get(reference)

    def invitations_of(self, account_id: str, *, before_id: str | None, page_size: int) -> list[Invitation]:
        newest_first = sorted(
            (invitation for invitation in self.invitations.values() if invitation.account_id == account_id),
            key=lambda invitation: invitation.invitation_id,
            reverse=True,
        )
        return [item for item in newest_first if before_id is None or item.invitation_id < before_id][:page_size]

    def find_invitation(self, account_id: str, invitation_id: str) -> Invitation | None:
        return next(
            (
                invitation
                for invitation in self.invitations.values()
                if (invitation.account_id, invitation.invitation_id) == (account_id, invitation_id)
            ),
            None,
        )

    def pending_parts(self) -> list[str]:
        return ["all"]

    def expired_pending(self, now: datetime, parts: Sequence[str] | None = None) -> Iterator[Overdue]:
        overdue = [
            invitation
            for invitation in self.invitations.values()
            if invitation.status is InvitationStatus.PENDING and has_expired(invitation.expires_at, now)
        ]
        for invitation in sorted(overdue, key=lambda item: item.expires_at):
            yield Overdue(
                invitation.token_hash,
                invitation.invitation_id,
                invitation.account_id,
                invitation.email,
                invitation.purpose,
            )

    def events_of(self, account_id: str, *, after: int, limit: int) -> list[Event]:
        return [event for event in self.timelines.get(account_id, []) if event.sequence > after][:limit]

    # --- Writes ---

    def issue(self, issue: Issue) -> None:
        invitation, before, claim = issue.invitation, issue.ownership_before, issue.discarded
        owner = self.owners.get(invitation.email)
        expected_owner = before or claim
        failed = {
            "ownership": owner is not None if expected_owner is None else not self._owned_as(expected_owner),
            "others": self._issue_blocked(issue),
            "mail_log": not self._mail_log_is(issue.mail_before),
        }
        if [part for part, failing in failed.items() if failing] == ["mail_log"]:
            raise MailCounted()
        if expected_owner is None and owner is not None:
            raise EmailTaken(owner)
        if any(failed.values()):
            raise Conflict()
        if issue.external_reference:
            self.references[issue.external_reference.reference] = issue.external_reference
        if issue.new_account:
            self.accounts[issue.new_account.account_id] = issue.new_account
        if claim is not None:
            self.accounts.pop(claim.account_id, None)
            self.administrators.pop((claim.account_id, claim.email), None)
            if claim.invitation_token_hash:
                self._set_status(claim.invitation_token_hash, InvitationStatus.SUPERSEDED)
        if before is None:
            invitee = Administrator(
                account_id=invitation.account_id, email=invitation.email, state=AdministratorState.INVITED
            )
            self.administrators[invitation.account_id, invitation.email] = invitee
        elif before.invitation_token_hash:
            self._set_status(before.invitation_token_hash, InvitationStatus.SUPERSEDED)
        self.owners[invitation.email] = issue.ownership
        self.invitations[invitation.token_hash] = invitation
        self._set_mail_log(issue.mail_after)
        self._tell(issue.events)

    def mail_again(self, invitation: Invitation, mail_before: MailLog, mail_after: MailLog, event: NewEvent) -> None:
        owner = self.owners.get(invitation.email)
        waits = owner is not None and owner.invitation_id == invitation.invitation_id
        if not self._mail_log_is(mail_before):
            raise MailCounted() if waits else Conflict()
        if not waits or invitation.email in self.suppressions:
            raise Conflict()
        self._set_mail_log(mail_after)
        self._tell([event])

    def record_mail(self, before: MailLog, after: MailLog) -> None:
        if not self._mail_log_is(before):
            raise MailCounted()
        self._set_mail_log(after)

    def uncount_mail(self, email: str, budget: Budget, sent_at: int) -> None:
        log = self.mail_logs.get((email, budget)) or MailLog(email=email, budget=budget)
        self._set_mail_log(log.without(sent_at))

    def accept(self, invitation: Invitation, now: datetime, events: Sequence[NewEvent]) -> None:
        current = self.invitations.get(invitation.token_hash)
        if current is None or current.status_at(now) is not InvitationStatus.PENDING:
            raise InvitationChanged(current)
        owner = self.owners.get(invitation.email)
        key = (invitation.account_id, invitation.email)
        confirms = invitation.purpose is InvitationPurpose.CONFIRMATION
        if owner is None or owner.invitation_id != invitation.invitation_id or key not in self.administrators:
            raise Conflict()
        if confirms and invitation.account_id not in self.accounts:
            raise Conflict()
        self._set_status(invitation.token_hash, InvitationStatus.ACCEPTED)
        self.owners[invitation.email] = owner.model_copy(
            update={
                "state": AdministratorState.ACTIVE,
                "invitation_id": None,
                "invitation_token_hash": None,
                "invitation_expires_at": None,
                "invitation_delivery": None,
                "unverified": False,
            }
        )
        self.administrators[key] = self.administrators[key].model_copy(update={"state": AdministratorState.ACTIVE})
        if confirms:
            self.accounts[invitation.account_id] = self.accounts[invitation.account_id].model_copy(
                update={"verified": True}
            )
        self._tell(events)

    def revoke(self, invitation: Invitation, events: Sequence[NewEvent]) -> None:
        current = self.invitations.get(invitation.token_hash)
        owner = self.owners.get(invitation.email)
        if current is None or current.status not in REPLACEABLE or owner is None:
            raise Conflict()
        if owner.invitation_id != invitation.invitation_id:
            raise Conflict()
        self._set_status(invitation.token_hash, InvitationStatus.REVOKED)
        self._free_email(invitation.account_id, invitation.email)
        self._tell(events)

    def expire(self, overdue: Overdue, now: datetime, expired: NewEvent, discarded: NewEvent | None) -> bool:
        current = self.invitations.get(overdue.token_hash)
        if (
            current is None
            or current.status is not InvitationStatus.PENDING
            or not has_expired(current.expires_at, now)
        ):
            return False
        self._set_status(overdue.token_hash, InvitationStatus.EXPIRED)
        owner = self.owners.get(overdue.email)
        claim_waits = owner is not None and owner.invitation_id == overdue.invitation_id and owner.unverified
        account = self.accounts.get(overdue.account_id)
        if discarded is not None and claim_waits and account is not None and not account.verified:
            self._free_email(overdue.account_id, overdue.email)
            del self.accounts[overdue.account_id]
            self._tell([expired, discarded])
        else:
            self._tell([expired])
        return True

    # --- Delivery ---

    def record_sent(self, invitation: Invitation, at: datetime, event: NewEvent) -> bool:
        def unsent(delivery: Delivery | None) -> bool:
            return delivery is None or delivery.status is DeliveryStatus.REJECTED

        return self._record(invitation, Delivery.sent(at), event, unsent)

    def record_delivery(self, invitation: Invitation, delivery: Delivery, event: NewEvent) -> bool:
        def outranked(recorded: Delivery | None) -> bool:
            return recorded is None or delivery.rank > recorded.rank

        return self._record(invitation, delivery, event, outranked)

    def _record(
        self, invitation: Invitation, delivery: Delivery, event: NewEvent, takes: Callable[[Delivery | None], bool]
    ) -> bool:
        owner = self.owners.get(invitation.email)
        if owner is not None and owner.invitation_id == invitation.invitation_id and takes(owner.invitation_delivery):
            self.owners[invitation.email] = owner.model_copy(update={"invitation_delivery": delivery})
        stored = self.invitations.get(invitation.token_hash)
        if stored is None or not takes(stored.delivery):
            return False
        self.invitations[invitation.token_hash] = stored.model_copy(update={"delivery": delivery})
        self._tell([event])
        return True

    def suppress(self, suppression: Suppression, event: NewEvent | None) -> bool:
        if suppression.email in self.suppressions:
            return False
        self.suppressions[suppression.email] = suppression
        self._tell([event] if event else [])
        return True

    def lift_suppression(self, email: str, event_of: EventOf) -> bool:
        suppression = self.suppressions.pop(email, None)
        if suppression is None:
            return False
        event = event_of(suppression)
        self._tell([event] if event else [])
        return True

    # --- Conditions and parts ---

    def _owned_as(self, expected: EmailOwnership) -> bool:
        """The email is still invited to the same account, waiting on the same invitation."""
        owner = self.owners.get(expected.email)
        return (
            owner is not None
            and owner.account_id == expected.account_id
            and owner.state is AdministratorState.INVITED
            and owner.invitation_id == expected.invitation_id
        )

    def _issue_blocked(self, issue: Issue) -> bool:
        """Any condition of an issue, besides the ownership and the mail log, that no longer holds."""
        before, claim, invitation = issue.ownership_before, issue.discarded, issue.invitation
        replaced = before.invitation_token_hash if before else None
        claims_for_an_account = issue.new_account is None and before is None
        suppressed = invitation.email in self.suppressions and invitation.purpose is InvitationPurpose.INVITATION
        claim_account = self.accounts.get(claim.account_id) if claim else None
        return (
            (issue.external_reference is not None and issue.external_reference.reference in self.references)
            or (issue.new_account is not None and issue.new_account.account_id in self.accounts)
            or (claims_for_an_account and invitation.account_id not in self.accounts)
            or (replaced is not None and self.invitations[replaced].status not in REPLACEABLE)
            or (claim is not None and (claim_account is None or claim_account.verified))
            or invitation.token_hash in self.invitations
            or suppressed
        )

    def _mail_log_is(self, expected: MailLog) -> bool:
        stored = self.mail_logs.get((expected.email, expected.budget))
        return (stored.version if stored else 0) == expected.version

    def _set_mail_log(self, log: MailLog) -> None:
        if log.version == 0:
            self.mail_logs.pop((log.email, log.budget), None)
        else:
            self.mail_logs[log.email, log.budget] = log

    def _set_status(self, token_hash: str, status: InvitationStatus) -> None:
        self.invitations[token_hash] = self.invitations[token_hash].model_copy(update={"status": status})

    def _free_email(self, account_id: str, email: str) -> None:
        self.owners.pop(email, None)
        self.administrators.pop((account_id, email), None)

    def _tell(self, events: Sequence[NewEvent]) -> None:
        """Each event numbered after its account's last one: 1, 2, 3 ..., as the events table's heads number them."""
        numbered = []
        for event in events:
            timeline = self.timelines[event.account_id]
            timeline.append(event.numbered(len(timeline) + 1))
            numbered.append(timeline[-1])
        for event in numbered:  # once the write is done, as a stream delivers only what was written
            if self.stream is not None:
                self.stream(event)

    def events(self, account_id: str) -> list[Event]:
        """What a test reads: the account's whole timeline."""
        return list(self.timelines.get(account_id, []))
