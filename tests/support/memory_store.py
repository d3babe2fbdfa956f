"""The Store protocol in memory, for unit tests: the same conditions, all-or-nothing writes and domain conflicts.

Each write checks every condition first and changes nothing unless all hold, as one DynamoDB transaction does.
`tests/integration/test_store_contract.py` runs the same behaviours against this and the DynamoDB store.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from business_accounts.logic.store import REPLACEABLE, Conflict, EmailTaken, InvitationChanged, Issue, MailCounted
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
from business_accounts.models.types import AdministratorState, InvitationStatus


@dataclass
class MemoryStore:
    accounts: dict[str, Account] = field(default_factory=dict)
    administrators: dict[tuple[str, str], Administrator] = field(default_factory=dict)
    owners: dict[str, EmailOwnership] = field(default_factory=dict)
    mail_logs: dict[str, MailLog] = field(default_factory=dict)
    references: dict[str, ExternalReference] = field(default_factory=dict)
    invitations: dict[str, Invitation] = field(default_factory=dict)  # by token hash
    suppressions: dict[str, Suppression] = field(default_factory=dict)

    # --- Reads ---

    def email_record(self, email: str) -> tuple[EmailOwnership | None, MailLog, Suppression | None]:
        return self.owners.get(email), self.mail_logs.get(email, MailLog(email=email)), self.suppressions.get(email)

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

    def expired_pending(self, now: datetime) -> Iterator[str]:
        overdue = [
            invitation
            for invitation in self.invitations.values()
            if invitation.status is InvitationStatus.PENDING and has_expired(invitation.expires_at, now)
        ]
        for invitation in sorted(overdue, key=lambda item: item.expires_at):
            yield invitation.token_hash

    # --- Writes ---

    def create_account(self, account: Account, administrator: Administrator) -> None:
        if owner := self.owners.get(administrator.email):
            raise EmailTaken(owner)
        if account.account_id in self.accounts:
            raise Conflict()
        self.owners[administrator.email] = EmailOwnership(
            email=administrator.email,
            account_id=account.account_id,
            company_name=account.company_name,
            created_via=account.created_via,
            state=AdministratorState.ACTIVE,
        )
        self.accounts[account.account_id] = account
        self.administrators[account.account_id, administrator.email] = administrator

    def issue(self, issue: Issue) -> None:
        invitation, before = issue.invitation, issue.ownership_before
        owner = self.owners.get(invitation.email)
        failed = {
            "ownership": owner is not None if before is None else not self._owned_as(before),
            "others": self._issue_blocked(issue) or invitation.email in self.suppressions,
            "mail_log": not self._mail_log_is(issue.mail_before),
        }
        if [part for part, failing in failed.items() if failing] == ["mail_log"]:
            raise MailCounted()
        if before is None and owner is not None:
            raise EmailTaken(owner)
        if any(failed.values()):
            raise Conflict()
        if issue.external_reference:
            self.references[issue.external_reference.reference] = issue.external_reference
        if issue.new_account:
            self.accounts[issue.new_account.account_id] = issue.new_account
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

    def undo_issue(self, issue: Issue) -> None:
        invitation, before = issue.invitation, issue.ownership_before
        stored = self.invitations.get(invitation.token_hash)
        replaced = before.invitation_token_hash if before else None
        if (
            not self._owned_as(issue.ownership)
            or stored is None
            or stored.status is not InvitationStatus.PENDING
            or not self._mail_log_is(issue.mail_after)
            or (replaced and self.invitations[replaced].status is not InvitationStatus.SUPERSEDED)
        ):
            raise Conflict()
        if issue.external_reference:
            self.references.pop(issue.external_reference.reference, None)
        if issue.new_account:
            self.accounts.pop(issue.new_account.account_id, None)
        if before is None:
            self._free_email(invitation)
        else:
            self.owners[invitation.email] = before
            if replaced:
                self._set_status(replaced, InvitationStatus.PENDING)
        del self.invitations[invitation.token_hash]
        self._set_mail_log(issue.mail_before)

    def record_mail(self, before: MailLog, after: MailLog) -> None:
        if not self._mail_log_is(before):
            raise MailCounted()
        self._set_mail_log(after)

    def accept(self, invitation: Invitation, now: datetime) -> None:
        current = self.invitations.get(invitation.token_hash)
        if current is None or current.status_at(now) is not InvitationStatus.PENDING:
            raise InvitationChanged(current)
        owner = self.owners.get(invitation.email)
        key = (invitation.account_id, invitation.email)
        if owner is None or owner.invitation_id != invitation.invitation_id or key not in self.administrators:
            raise Conflict()
        self._set_status(invitation.token_hash, InvitationStatus.ACCEPTED)
        self.owners[invitation.email] = owner.model_copy(
            update={
                "state": AdministratorState.ACTIVE,
                "invitation_id": None,
                "invitation_token_hash": None,
                "invitation_expires_at": None,
                "invitation_delivery": None,
            }
        )
        self.administrators[key] = self.administrators[key].model_copy(update={"state": AdministratorState.ACTIVE})

    def revoke(self, invitation: Invitation) -> None:
        current = self.invitations.get(invitation.token_hash)
        owner = self.owners.get(invitation.email)
        if current is None or current.status not in REPLACEABLE or owner is None:
            raise Conflict()
        if owner.invitation_id != invitation.invitation_id:
            raise Conflict()
        self._set_status(invitation.token_hash, InvitationStatus.REVOKED)
        self._free_email(invitation)

    def expire(self, token_hash: str, now: datetime) -> bool:
        current = self.invitations.get(token_hash)
        if (
            current is None
            or current.status is not InvitationStatus.PENDING
            or not has_expired(current.expires_at, now)
        ):
            return False
        self._set_status(token_hash, InvitationStatus.EXPIRED)
        return True

    # --- Delivery feedback ---

    def record_delivery(self, invitation: Invitation, delivery: Delivery) -> bool:
        owner = self.owners.get(invitation.email)
        waits_on_it = owner is not None and owner.invitation_id == invitation.invitation_id
        if owner is not None and waits_on_it and _outranks(delivery, owner.invitation_delivery):
            self.owners[invitation.email] = owner.model_copy(update={"invitation_delivery": delivery})
        stored = self.invitations.get(invitation.token_hash)
        if stored is None or not _outranks(delivery, stored.delivery):
            return False
        self.invitations[invitation.token_hash] = stored.model_copy(update={"delivery": delivery})
        return True

    def suppress(self, suppression: Suppression) -> bool:
        if suppression.email in self.suppressions:
            return False
        self.suppressions[suppression.email] = suppression
        return True

    def lift_suppression(self, email: str) -> bool:
        return self.suppressions.pop(email, None) is not None

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
        replaced = issue.ownership_before.invitation_token_hash if issue.ownership_before else None
        claims_for_an_account = issue.new_account is None and issue.ownership_before is None
        return (
            (issue.external_reference is not None and issue.external_reference.reference in self.references)
            or (issue.new_account is not None and issue.new_account.account_id in self.accounts)
            or (claims_for_an_account and issue.invitation.account_id not in self.accounts)
            or (replaced is not None and self.invitations[replaced].status not in REPLACEABLE)
            or issue.invitation.token_hash in self.invitations
        )

    def _mail_log_is(self, expected: MailLog) -> bool:
        stored = self.mail_logs.get(expected.email)
        return (stored.version if stored else 0) == expected.version

    def _set_mail_log(self, log: MailLog) -> None:
        if log.version == 0:
            self.mail_logs.pop(log.email, None)
        else:
            self.mail_logs[log.email] = log

    def _set_status(self, token_hash: str, status: InvitationStatus) -> None:
        self.invitations[token_hash] = self.invitations[token_hash].model_copy(update={"status": status})

    def _free_email(self, invitation: Invitation) -> None:
        self.owners.pop(invitation.email, None)
        self.administrators.pop((invitation.account_id, invitation.email), None)


def _outranks(delivery: Delivery, recorded: Delivery | None) -> bool:
    """A report is recorded only over none, or over one it outranks (delivery_events.rank)."""
    return recorded is None or delivery.rank > recorded.rank
