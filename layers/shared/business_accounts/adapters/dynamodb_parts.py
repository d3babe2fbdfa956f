"""The parts DynamoStore's transactions are made of: each write of one item, with the condition that keeps its
invariant (one owner per email, one pending invitation per email, a mail log counted once)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from business_accounts.adapters.dynamodb import Item, Transaction, names
from business_accounts.adapters.keys import (
    PENDING_SHARD,
    account_key,
    administrator_key,
    mail_log_key,
    ownership_key,
)
from business_accounts.logic.limits import DAY_SECONDS
from business_accounts.models.items import Account, Administrator, EmailOwnership, Invitation, MailLog
from business_accounts.models.types import AdministratorState, InvitationStatus


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
        transaction.add(
            "administrator",
            "Delete",
            TableName=self._accounts,
            Key=administrator_key(invitation.account_id, invitation.email),
            ConditionExpression="#state = :invited",
            ExpressionAttributeNames=names("state"),
            ExpressionAttributeValues={":invited": AdministratorState.INVITED.value},
        )

    def put_account(self, transaction: Transaction, account: Account) -> None:
        transaction.add(
            "account",
            "Put",
            TableName=self._accounts,
            Item={**account_key(account.account_id), **stored(account)},
            ConditionExpression="attribute_not_exists(pk)",
        )

    def put_administrator(self, transaction: Transaction, administrator: Administrator) -> None:
        transaction.add(
            "administrator",
            "Put",
            TableName=self._accounts,
            Item={**administrator_key(administrator.account_id, administrator.email), **stored(administrator)},
        )

    def count_mail(self, transaction: Transaction, *, before: MailLog, after: MailLog) -> None:
        """The mail log goes from `before` to `after`, only if it is still `before` (its version)."""
        condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(pk)"}
        if before.version:
            condition = {"ConditionExpression": "version = :version"}
            condition["ExpressionAttributeValues"] = {":version": before.version}
        if after.version == 0:
            transaction.add("mail_log", "Delete", TableName=self._accounts, Key=mail_log_key(after.email), **condition)
            return
        item = {**mail_log_key(after.email), **stored(after), "sent_at": list(after.sent_at)}
        if after.sent_at:
            item["ttl"] = after.sent_at[-1] + DAY_SECONDS  # the log means nothing a day after its last email
        transaction.add("mail_log", "Put", TableName=self._accounts, Item=item, **condition)

    def set_status(
        self,
        transaction: Transaction,
        part: str,
        token_hash: str,
        status: InvitationStatus,
        *,
        expected: tuple[InvitationStatus, ...],
    ) -> None:
        pending = status is InvitationStatus.PENDING  # only pending invitations are in the cleanup's index
        values: dict[str, Any] = {":status": status.value} | ({":shard": PENDING_SHARD} if pending else {})
        values |= {f":expected{index}": value.value for index, value in enumerate(expected)}
        transaction.add(
            part,
            "Update",
            TableName=self._invitations,
            Key={"token_hash": token_hash},
            UpdateExpression="SET #status = :status"
            + (", pending_shard = :shard" if pending else " REMOVE pending_shard"),
            ConditionExpression=f"#status IN ({', '.join(f':expected{index}' for index in range(len(expected)))})",
            ExpressionAttributeNames=names("status"),
            ExpressionAttributeValues=values,
        )

    def invitation_item(self, invitation: Invitation) -> Item:
        item = stored(invitation) | {"ttl": invitation.expires_epoch + self._retention_seconds}
        return item | ({"pending_shard": PENDING_SHARD} if invitation.status is InvitationStatus.PENDING else {})
