"""The Store on DynamoDB: each decision one conditional write or transaction, each conflict told in domain terms."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from business_accounts.adapters.dynamodb import Cancelled, ConditionFailed, DynamoDB, Transaction, names
from business_accounts.adapters.dynamodb_parts import Parts, stored
from business_accounts.adapters.keys import (
    PENDING_SHARD,
    account_key,
    administrator_key,
    external_reference_key,
    mail_log_key,
    ownership_key,
    suppression_key,
)
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
from business_accounts.models.lifetime import EXPIRED_AT_NOW, UNEXPIRED_AT_NOW, epoch
from business_accounts.models.types import AdministratorState, InvitationStatus, iso

BY_ACCOUNT_INDEX = "by-account"
PENDING_BY_EXPIRY_INDEX = "pending-by-expiry"
_OWNER, _MAIL_LOG, _SUPPRESSION = ownership_key("")["sk"], mail_log_key("")["sk"], suppression_key("")["sk"]
# Outranked: there is no delivery yet, or the one there ranks below the one being recorded.
_OUTRANKS = "(attribute_not_exists({path}) OR {path}.#rank < :rank)"


class DynamoStore:
    """The accounts table (accounts, administrators, email ownership, mail logs) and the invitations table."""

    def __init__(
        self, dynamodb: DynamoDB, *, accounts_table: str, invitations_table: str, retention_seconds: int
    ) -> None:
        self._db = dynamodb
        self._accounts = accounts_table
        self._invitations = invitations_table
        self._parts = Parts(
            accounts_table=accounts_table, invitations_table=invitations_table, retention_seconds=retention_seconds
        )

    # --- Reads ---

    def email_record(self, email: str) -> tuple[EmailOwnership | None, MailLog, Suppression | None]:
        """The email's owner, mail log and suppression: one strongly consistent query of its partition."""
        items = {
            item["sk"]: item
            for item in self._db.query(
                TableName=self._accounts,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": ownership_key(email)["pk"]},
                ConsistentRead=True,
            )
        }
        owner, log, suppression = items.get(_OWNER), items.get(_MAIL_LOG), items.get(_SUPPRESSION)
        return (
            EmailOwnership.model_validate(owner) if owner else None,
            MailLog.model_validate(log) if log else MailLog(email=email),
            Suppression.model_validate(suppression) if suppression else None,
        )

    def invitation(self, token_hash: str) -> Invitation | None:
        item = self._db.get(self._invitations, {"token_hash": token_hash})
        return Invitation.model_validate(item) if item else None

    def account(self, account_id: str) -> Account | None:
        item = self._db.get(self._accounts, account_key(account_id))
        return Account.model_validate(item) if item else None

    def account_with_administrators(self, account_id: str) -> tuple[Account, list[Administrator]] | None:
        items = list(
            self._db.query(
                TableName=self._accounts,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": account_key(account_id)["pk"]},
                ConsistentRead=True,
            )
        )
        accounts = [item for item in items if item["sk"] == account_key(account_id)["sk"]]
        if not accounts:
            return None
        administrators = [Administrator.model_validate(item) for item in items if item["sk"].startswith("ADMIN#")]
        return Account.model_validate(accounts[0]), administrators

    def ownerships(self, emails: Sequence[str]) -> list[EmailOwnership]:
        """One BatchGetItem per hundred emails, strongly consistent."""
        found = self._db.get_many(self._accounts, [ownership_key(email) for email in dict.fromkeys(emails)])
        return [EmailOwnership.model_validate(item) for item in found]

    def external_reference(self, reference: str) -> ExternalReference | None:
        item = self._db.get(self._accounts, external_reference_key(reference))
        return ExternalReference.model_validate(item) if item else None

    def invitations_of(self, account_id: str, *, before_id: str | None, page_size: int) -> list[Invitation]:
        condition = "account_id = :account_id" + (" AND invitation_id < :before" if before_id else "")
        values: dict[str, Any] = {":account_id": account_id} | ({":before": before_id} if before_id else {})
        items, _ = self._db.query_page(
            TableName=self._invitations,
            IndexName=BY_ACCOUNT_INDEX,
            KeyConditionExpression=condition,
            ExpressionAttributeValues=values,
            ScanIndexForward=False,
            Limit=page_size,
        )
        return [Invitation.model_validate(item) for item in items]

    def find_invitation(self, account_id: str, invitation_id: str) -> Invitation | None:
        items, _ = self._db.query_page(
            TableName=self._invitations,
            IndexName=BY_ACCOUNT_INDEX,
            KeyConditionExpression="account_id = :account_id AND invitation_id = :invitation_id",
            ExpressionAttributeValues={":account_id": account_id, ":invitation_id": invitation_id},
        )
        return Invitation.model_validate(items[0]) if items else None

    def expired_pending(self, now: datetime) -> Iterator[str]:
        """The sparse index holds only pending invitations, so this reads only those that have expired."""
        for item in self._db.query(
            TableName=self._invitations,
            IndexName=PENDING_BY_EXPIRY_INDEX,
            KeyConditionExpression=f"pending_shard = :shard AND {EXPIRED_AT_NOW}",
            ExpressionAttributeValues={":shard": PENDING_SHARD, ":now": epoch(now)},
        ):
            yield item["token_hash"]

    # --- Writes ---

    def create_account(self, account: Account, administrator: Administrator) -> None:
        transaction = Transaction()
        ownership = EmailOwnership(
            email=administrator.email,
            account_id=account.account_id,
            company_name=account.company_name,
            created_via=account.created_via,
            state=AdministratorState.ACTIVE,
        )
        self._parts.claim_email(transaction, ownership)
        self._parts.put_account(transaction, account)
        self._parts.put_administrator(transaction, administrator)
        try:
            self._db.transact(transaction)
        except Cancelled as cancelled:
            raise _email_taken(cancelled) or Conflict() from cancelled

    def issue(self, issue: Issue) -> None:
        transaction = Transaction()
        invitation = issue.invitation
        if issue.external_reference:
            transaction.add(
                "external_reference",
                "Put",
                TableName=self._accounts,
                Item={
                    **external_reference_key(issue.external_reference.reference),
                    **stored(issue.external_reference),
                },
                ConditionExpression="attribute_not_exists(pk)",
            )
        if issue.new_account:
            self._parts.put_account(transaction, issue.new_account)
        if issue.ownership_before is None:
            self._parts.claim_email(transaction, issue.ownership)
            invitee = Administrator(
                account_id=invitation.account_id, email=invitation.email, state=AdministratorState.INVITED
            )
            self._parts.put_administrator(transaction, invitee)
            if issue.new_account is None:
                transaction.add(
                    "account",
                    "ConditionCheck",
                    TableName=self._accounts,
                    Key=account_key(invitation.account_id),
                    ConditionExpression="attribute_exists(pk)",
                )
        else:
            self._parts.repoint_email(transaction, before=issue.ownership_before, after=issue.ownership)
            if replaced := issue.ownership_before.invitation_token_hash:
                self._parts.set_status(
                    transaction, "replaced", replaced, InvitationStatus.SUPERSEDED, expected=REPLACEABLE
                )
        transaction.add(
            "invitation",
            "Put",
            TableName=self._invitations,
            Item=self._parts.invitation_item(invitation),
            ConditionExpression="attribute_not_exists(token_hash)",
        )
        self._parts.count_mail(transaction, before=issue.mail_before, after=issue.mail_after)
        transaction.add(  # a complaint recorded since the email was read stops this one too
            "suppression",
            "ConditionCheck",
            TableName=self._accounts,
            Key=suppression_key(invitation.email),
            ConditionExpression="attribute_not_exists(pk)",
        )
        try:
            self._db.transact(transaction)
        except Cancelled as cancelled:
            if set(cancelled.failed) == {"mail_log"}:
                raise MailCounted() from cancelled
            claimed = issue.ownership_before is None
            raise (_email_taken(cancelled) if claimed else None) or Conflict() from cancelled

    def undo_issue(self, issue: Issue) -> None:
        transaction = Transaction()
        invitation = issue.invitation
        if issue.external_reference:
            transaction.add(
                "external_reference",
                "Delete",
                TableName=self._accounts,
                Key=external_reference_key(issue.external_reference.reference),
            )
        if issue.new_account:
            transaction.add("account", "Delete", TableName=self._accounts, Key=account_key(invitation.account_id))
        if issue.ownership_before is None:
            self._parts.free_email(transaction, invitation)
        else:
            self._parts.repoint_email(transaction, before=issue.ownership, after=issue.ownership_before)
            if replaced := issue.ownership_before.invitation_token_hash:
                # Back to pending even if the cleanup had marked it expired: expiry is decided on read anyway.
                self._parts.set_status(
                    transaction, "replaced", replaced, InvitationStatus.PENDING, expected=(InvitationStatus.SUPERSEDED,)
                )
        transaction.add(
            "invitation",
            "Delete",
            TableName=self._invitations,
            Key={"token_hash": invitation.token_hash},
            ConditionExpression="#status = :pending",
            ExpressionAttributeNames=names("status"),
            ExpressionAttributeValues={":pending": InvitationStatus.PENDING.value},
        )
        self._parts.count_mail(transaction, before=issue.mail_after, after=issue.mail_before)
        self._transact_or_conflict(transaction)

    def record_mail(self, before: MailLog, after: MailLog) -> None:
        transaction = Transaction()
        self._parts.count_mail(transaction, before=before, after=after)
        try:
            self._db.transact(transaction)
        except Cancelled as cancelled:
            raise MailCounted() from cancelled

    def accept(self, invitation: Invitation, now: datetime) -> None:
        transaction = Transaction()
        transaction.add(
            "invitation",
            "Update",
            TableName=self._invitations,
            Key={"token_hash": invitation.token_hash},
            UpdateExpression="SET #status = :accepted, accepted_at = :at REMOVE pending_shard",
            ConditionExpression=f"#status = :pending AND {UNEXPIRED_AT_NOW}",
            ExpressionAttributeNames=names("status"),
            ExpressionAttributeValues={
                ":accepted": InvitationStatus.ACCEPTED.value,
                ":pending": InvitationStatus.PENDING.value,
                ":at": iso(now),
                ":now": epoch(now),
            },
        )
        transaction.add(
            "ownership",
            "Update",
            TableName=self._accounts,
            Key=ownership_key(invitation.email),
            UpdateExpression=(
                "SET #state = :active"
                " REMOVE invitation_id, invitation_token_hash, invitation_expires_at, invitation_delivery"
            ),
            ConditionExpression="account_id = :account_id AND invitation_id = :invitation_id",
            ExpressionAttributeNames=names("state"),
            ExpressionAttributeValues={
                ":active": AdministratorState.ACTIVE.value,
                ":account_id": invitation.account_id,
                ":invitation_id": invitation.invitation_id,
            },
        )
        transaction.add(
            "administrator",
            "Update",
            TableName=self._accounts,
            Key=administrator_key(invitation.account_id, invitation.email),
            UpdateExpression="SET #state = :active, activated_at = :at",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames=names("state"),
            ExpressionAttributeValues={":active": AdministratorState.ACTIVE.value, ":at": iso(now)},
        )
        try:
            self._db.transact(transaction)
        except Cancelled as cancelled:
            if "invitation" in cancelled.failed:
                found = cancelled.failed["invitation"]
                raise InvitationChanged(Invitation.model_validate(found) if found else None) from cancelled
            raise Conflict() from cancelled

    def revoke(self, invitation: Invitation) -> None:
        transaction = Transaction()
        self._parts.set_status(
            transaction, "invitation", invitation.token_hash, InvitationStatus.REVOKED, expected=REPLACEABLE
        )
        self._parts.free_email(transaction, invitation)
        self._transact_or_conflict(transaction)

    def expire(self, token_hash: str, now: datetime) -> bool:
        try:
            self._db.update(
                TableName=self._invitations,
                Key={"token_hash": token_hash},
                UpdateExpression="SET #status = :expired REMOVE pending_shard",
                ConditionExpression=f"#status = :pending AND {EXPIRED_AT_NOW}",
                ExpressionAttributeNames=names("status"),
                ExpressionAttributeValues={
                    ":expired": InvitationStatus.EXPIRED.value,
                    ":pending": InvitationStatus.PENDING.value,
                    ":now": epoch(now),
                },
            )
        except ConditionFailed:
            return False
        return True

    # --- Delivery feedback ---

    def record_delivery(self, invitation: Invitation, delivery: Delivery) -> bool:
        """Two conditional updates, each safe alone: a retry after a failure between them repeats both."""
        values = {":delivery": stored(delivery), ":rank": delivery.rank}
        try:
            self._db.update(
                TableName=self._invitations,
                Key={"token_hash": invitation.token_hash},
                UpdateExpression="SET delivery = :delivery",
                ConditionExpression=f"attribute_exists(token_hash) AND {_OUTRANKS.format(path='delivery')}",
                ExpressionAttributeNames={"#rank": "rank"},
                ExpressionAttributeValues=values,
            )
            recorded = True
        except ConditionFailed:
            recorded = False
        # No change where the email waits on a newer invitation, or already holds this report or a graver one.
        with contextlib.suppress(ConditionFailed):
            self._db.update(
                TableName=self._accounts,
                Key=ownership_key(invitation.email),
                UpdateExpression="SET invitation_delivery = :delivery",
                ConditionExpression=(
                    f"invitation_id = :invitation_id AND {_OUTRANKS.format(path='invitation_delivery')}"
                ),
                ExpressionAttributeNames={"#rank": "rank"},
                ExpressionAttributeValues=values | {":invitation_id": invitation.invitation_id},
            )
        return recorded

    def suppress(self, suppression: Suppression) -> bool:
        try:
            self._db.put(
                TableName=self._accounts,
                Item={**suppression_key(suppression.email), **stored(suppression)},
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ConditionFailed:
            return False
        return True

    def lift_suppression(self, email: str) -> bool:
        return self._db.delete(TableName=self._accounts, Key=suppression_key(email)) is not None

    # --- Parts of transactions ---

    def _transact_or_conflict(self, transaction: Transaction) -> None:
        try:
            self._db.transact(transaction)
        except Cancelled as cancelled:
            raise Conflict() from cancelled


def _email_taken(cancelled: Cancelled) -> EmailTaken | None:
    """EmailTaken when claiming the email failed because it has an owner (found and returned by DynamoDB)."""
    owner = cancelled.failed.get("ownership")
    return EmailTaken(EmailOwnership.model_validate(owner)) if owner else None
