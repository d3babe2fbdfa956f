"""The parts DynamoStore's transactions are made of: each write of one item, with the condition that keeps its
invariant (one owner per email, one pending invitation per email, a mail log counted once)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from business_accounts.adapters.dynamodb import Item, Transaction, names
from business_accounts.adapters.keys import (
    account_key,
    administrator_key,
    mail_log_key,
    ownership_key,
    pending_shard,
    suppression_key,
)
from business_accounts.logic.limits import DAY_SECONDS
from business_accounts.models.items import Account, Administrator, EmailOwnership, Invitation, MailLog
from business_accounts.models.lifetime import epoch
from business_accounts.models.types import AdministratorState, InvitationStatus, iso


def stored(model: BaseModel) -> Item:
    """A model as its item's attributes: JSON values, absent fields left out."""
    return model.model_dump(mode="json", exclude_none=True)


class Parts:
    """Adds one item's write to a transaction; knows the tables and how long an expired link is kept."""

    def __init__(self, *, accounts_table: str, invitations_table: str, retention_seconds: int) -> None:
        self._accounts = accounts_table
        self._invitations = invitations_table
        self._retention_seconds = retention_seconds  # an expired link still explains itself this long

    def claim_email(self, transaction: Transaction, ownership: EmailOwnership) -> None:
        transaction.add(
            "ownership",
            "Put",
            TableName=self._accounts,
            Item={**ownership_key(ownership.email), **stored(ownership)},
            ConditionExpression="attribute_not_exists(pk)",
        )

    def repoint_email(self, transaction: Transaction, *, before: EmailOwnership, after: EmailOwnership) -> None:
        """The email waits on another invitation (or another account's, taken from an unverified claim), only if
        it still waits on the one read."""
        transaction.add(
            "ownership",
            "Put",
            TableName=self._accounts,
            Item={**ownership_key(after.email), **stored(after)},
            ConditionExpression="account_id = :account_id AND #state = :invited AND invitation_id = :invitation_id",
            ExpressionAttributeNames=names("state"),
            ExpressionAttributeValues={
                ":account_id": before.account_id,
                ":invited": AdministratorState.INVITED.value,
                ":invitation_id": before.invitation_id,
            },
        )

    def free_email(self, transaction: Transaction, invitation: Invitation) -> None:
        """The email belongs to no account again: its ownership and its invited administrator entry go."""
        transaction.add(
            "ownership",
            "Delete",
            TableName=self._accounts,
            Key=ownership_key(invitation.email),
            ConditionExpression="invitation_id = :invitation_id",
            ExpressionAttributeValues={":invitation_id": invitation.invitation_id},
        )
        self.remove_invitee(transaction, invitation.account_id, invitation.email)

    def remove_invitee(
        self, transaction: Transaction, account_id: str, email: str, part: str = "administrator"
    ) -> None:
        transaction.add(
            part,
            "Delete",
            TableName=self._accounts,
            Key=administrator_key(account_id, email),
            ConditionExpression="#state = :invited",
            ExpressionAttributeNames=names("state"),
            ExpressionAttributeValues={":invited": AdministratorState.INVITED.value},
        )

    def discard_account(self, transaction: Transaction, account_id: str, part: str = "discarded_account") -> None:
        """An unverified account goes with its claim; a verified one never does."""
        transaction.add(
            part,
            "Delete",
            TableName=self._accounts,
            Key=account_key(account_id),
            ConditionExpression="verified = :unverified",
            ExpressionAttributeValues={":unverified": False},
        )

    def put_account(self, transaction: Transaction, account: Account) -> None:
        transaction.add(
            "account",
            "Put",
            TableName=self._accounts,
            Item={**account_key(account.account_id), **stored(account)},
            ConditionExpression="attribute_not_exists(pk)",
        )

    def account_exists(self, transaction: Transaction, account_id: str) -> None:
        transaction.add(
            "account",
            "ConditionCheck",
            TableName=self._accounts,
            Key=account_key(account_id),
            ConditionExpression="attribute_exists(pk)",
        )

    def verify_account(self, transaction: Transaction, account_id: str) -> None:
        transaction.add(
            "account",
            "Update",
            TableName=self._accounts,
            Key=account_key(account_id),
            UpdateExpression="SET verified = :verified",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":verified": True},
        )

    def put_administrator(self, transaction: Transaction, administrator: Administrator) -> None:
        transaction.add(
            "administrator",
            "Put",
            TableName=self._accounts,
            Item={**administrator_key(administrator.account_id, administrator.email), **stored(administrator)},
        )

    def not_suppressed(self, transaction: Transaction, email: str) -> None:
        """A complaint recorded since the email was read stops this write too."""
        transaction.add(
            "suppression",
            "ConditionCheck",
            TableName=self._accounts,
            Key=suppression_key(email),
            ConditionExpression="attribute_not_exists(pk)",
        )

    def count_mail(self, transaction: Transaction, *, before: MailLog, after: MailLog) -> None:
        """The mail log goes from `before` to `after`, only if it is still `before` (its version)."""
        condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(pk)"}
        if before.version:
            condition = {"ConditionExpression": "version = :version"}
            condition["ExpressionAttributeValues"] = {":version": before.version}
        key = mail_log_key(after.email, after.budget)
        if after.version == 0:
            transaction.add("mail_log", "Delete", TableName=self._accounts, Key=key, **condition)
            return
        item = {**key, **stored(after), "sent_at": list(after.sent_at)}
        if after.sent_at:
            item["ttl"] = max(after.sent_at) + DAY_SECONDS  # the log means nothing a day after its last email
        transaction.add("mail_log", "Put", TableName=self._accounts, Item=item, **condition)

    def set_status(
        self,
        transaction: Transaction,
        part: str,
        token_hash: str,
        status: InvitationStatus,
        *,
        expected: tuple[InvitationStatus, ...],
        when: tuple[str, datetime] | None = None,
        stamped: str | None = None,
    ) -> None:
        """The invitation leaves the pending index for `status`, only from one of the `expected` ones; `when` adds a
        condition on its expiry at that instant (`:now`), and `stamped` names the attribute that records it (`:at`)."""
        values: dict[str, Any] = {":status": status.value}
        values |= {f":expected{index}": value.value for index, value in enumerate(expected)}
        condition = f"#status IN ({', '.join(f':expected{index}' for index in range(len(expected)))})"
        setting = "#status = :status"
        if when is not None:
            condition, now = f"{condition} AND {when[0]}", when[1]
            values |= {":now": epoch(now)} | ({":at": iso(now)} if stamped else {})
            setting += f", {stamped} = :at" if stamped else ""
        transaction.add(
            part,
            "Update",
            TableName=self._invitations,
            Key={"token_hash": token_hash},
            UpdateExpression=f"SET {setting} REMOVE pending_shard",
            ConditionExpression=condition,
            ExpressionAttributeNames=names("status"),
            ExpressionAttributeValues=values,
        )

    def put_invitation(self, transaction: Transaction, invitation: Invitation) -> None:
        """A new pending invitation, in its shard of the pending index, kept until expiry plus retention."""
        item = stored(invitation) | {"ttl": invitation.expires_epoch + self._retention_seconds}
        item |= {"pending_shard": pending_shard(invitation.token_hash)}
        transaction.add(
            "invitation",
            "Put",
            TableName=self._invitations,
            Item=item,
            ConditionExpression="attribute_not_exists(token_hash)",
        )
