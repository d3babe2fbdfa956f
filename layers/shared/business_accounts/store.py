"""Data access: every read and write of the accounts and invitations tables, behind one interface."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as EndpointUnreachable

from business_accounts.errors import ServiceUnavailable
from business_accounts.items import (
    PENDING_SHARD,
    Account,
    Administrator,
    EmailOwnership,
    ExternalReference,
    Invitation,
    MailLog,
    account_key,
    administrator_key,
    external_reference_key,
    mail_log_key,
    ownership_key,
)
from business_accounts.types import AdministratorState, InvitationStatus, iso

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

BY_ACCOUNT_INDEX = "by-account"
PENDING_BY_EXPIRY_INDEX = "pending-by-expiry"
_BUSY_CODES = frozenset({"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"})
# Why a transaction was cancelled, per part: a lost race, or DynamoDB too busy; anything else is a bug.
_CONFLICT_REASONS = frozenset({"ConditionalCheckFailed", "TransactionConflict"})
_BUSY_REASONS = frozenset({"ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded"})
UNREACHABLE_RETRY_AFTER = 5


class TransactionConflict(Exception):
    """A transaction was cancelled: `failed` names the parts whose condition failed, with their items as found."""

    def __init__(self, failed: Mapping[str, Mapping[str, Any] | None]) -> None:
        super().__init__(f"transaction cancelled by {sorted(failed)}")
        self.failed = dict(failed)


@dataclass(frozen=True)
class Issue:
    """Everything one new invitation writes at once, and what it replaces, so that it can be undone."""

    invitation: Invitation
    mail_before: MailLog
    mail_after: MailLog
    ownership_before: EmailOwnership | None = None  # None: this invitation claims the email
    new_account: Account | None = None
    external_reference: ExternalReference | None = None

    @property
    def ownership_after(self) -> EmailOwnership:
        invitation = self.invitation
        return EmailOwnership(
            email=invitation.email,
            account_id=invitation.account_id,
            company_name=invitation.company_name,
            created_via=invitation.created_via,
            state=AdministratorState.INVITED,
            invitation_id=invitation.invitation_id,
            invitation_token_hash=invitation.token_hash,
            invitation_expires_at=invitation.expires_at,
        )


@dataclass
class _Transaction:
    """TransactWriteItems under construction; each part is tagged so a cancellation can say which failed."""

    tags: list[str] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)

    def add(self, tag: str, operation: str, **request: Any) -> None:
        request.setdefault("ReturnValuesOnConditionCheckFailure", "ALL_OLD")
        self.tags.append(tag)
        self.items.append({operation: request})


def _current_invitation(ownership: EmailOwnership | None) -> str | None:
    """The token hash of the invitation an email's ownership points at, which a new one supersedes."""
    return ownership.invitation_token_hash if ownership else None


def _names(*names: str) -> dict[str, str]:
    return {f"#{name}": name for name in names}


def _item(model: Account | Administrator | EmailOwnership | MailLog | ExternalReference | Invitation) -> dict[str, Any]:
    return model.model_dump(mode="json", exclude_none=True)


class Store:
    """The accounts table (accounts, administrators, email ownership, mail logs) and the invitations table."""

    def __init__(
        self, client: DynamoDBClient, *, accounts_table: str, invitations_table: str, retention_seconds: int
    ) -> None:
        self._client = client
        self._accounts = accounts_table
        self._invitations = invitations_table
        self._retention_seconds = retention_seconds  # an expired link still explains itself this long

    # --- Reads ---

    def email_record(self, email: str) -> tuple[EmailOwnership | None, MailLog]:
        """The email's owner and mail log: one strongly consistent query of its partition."""
        response = self._call(
            "query",
            TableName=self._accounts,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": ownership_key(email)["pk"]},
            ConsistentRead=True,
        )
        items = {item["sk"]: item for item in response.get("Items", [])}
        owner = items.get(ownership_key(email)["sk"])
        log = items.get(mail_log_key(email)["sk"])
        return (
            EmailOwnership.model_validate(owner) if owner else None,
            MailLog.model_validate(log) if log else MailLog(email=email),
        )

    def invitation(self, token_hash: str) -> Invitation | None:
        response = self._call(
            "get_item", TableName=self._invitations, Key={"token_hash": token_hash}, ConsistentRead=True
        )
        item = response.get("Item")
        return Invitation.model_validate(item) if item else None

    def account(self, account_id: str) -> Account | None:
        response = self._call("get_item", TableName=self._accounts, Key=account_key(account_id), ConsistentRead=True)
        item = response.get("Item")
        return Account.model_validate(item) if item else None

    def account_with_administrators(self, account_id: str) -> tuple[Account, list[Administrator]] | None:
        items: list[dict[str, Any]] = []
        request: dict[str, Any] = {
            "TableName": self._accounts,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": account_key(account_id)["pk"]},
            "ConsistentRead": True,
        }
        while True:
            response = self._call("query", **request)
            items.extend(response.get("Items", []))
            if "LastEvaluatedKey" not in response:
                break
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        accounts = [item for item in items if item["sk"] == "ACCOUNT"]
        if not accounts:
            return None
        administrators = [Administrator.model_validate(item) for item in items if item["sk"].startswith("ADMIN#")]
        return Account.model_validate(accounts[0]), administrators

    def external_reference(self, reference: str) -> ExternalReference | None:
        response = self._call(
            "get_item", TableName=self._accounts, Key=external_reference_key(reference), ConsistentRead=True
        )
        item = response.get("Item")
        return ExternalReference.model_validate(item) if item else None

    def invitations_of(self, account_id: str, *, before_id: str | None, page_size: int) -> list[Invitation]:
        """One page of an account's invitations, newest first, strictly older than `before_id`."""
        condition = "account_id = :account_id" + (" AND invitation_id < :before" if before_id else "")
        values: dict[str, Any] = {":account_id": account_id}
        if before_id:
            values[":before"] = before_id
        response = self._call(
            "query",
            TableName=self._invitations,
            IndexName=BY_ACCOUNT_INDEX,
            KeyConditionExpression=condition,
            ExpressionAttributeValues=values,
            ScanIndexForward=False,
            Limit=page_size,
        )
        return [Invitation.model_validate(item) for item in response.get("Items", [])]

    def find_invitation(self, account_id: str, invitation_id: str) -> Invitation | None:
        response = self._call(
            "query",
            TableName=self._invitations,
            IndexName=BY_ACCOUNT_INDEX,
            KeyConditionExpression="account_id = :account_id AND invitation_id = :invitation_id",
            ExpressionAttributeValues={":account_id": account_id, ":invitation_id": invitation_id},
        )
        items = response.get("Items", [])
        return Invitation.model_validate(items[0]) if items else None

    def expired_pending(self, now: datetime) -> Iterator[str]:
        """Token hashes of pending invitations whose expiry has passed, oldest first, page by page."""
        request: dict[str, Any] = {
            "TableName": self._invitations,
            "IndexName": PENDING_BY_EXPIRY_INDEX,
            "KeyConditionExpression": "pending_shard = :shard AND expires_epoch <= :now",
            "ExpressionAttributeValues": {":shard": PENDING_SHARD, ":now": int(now.timestamp())},
        }
        while True:
            response = self._call("query", **request)
            for item in response.get("Items", []):
                yield item["token_hash"]
            if "LastEvaluatedKey" not in response:
                return
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    # --- Writes ---

    def create_account(self, account: Account, administrator: Administrator) -> None:
        """Register: the email's ownership, the account and its first active administrator, all or nothing."""
        transaction = _Transaction()
        ownership = EmailOwnership(
            email=administrator.email,
            account_id=account.account_id,
            company_name=account.company_name,
            created_via=account.created_via,
            state=AdministratorState.ACTIVE,
        )
        self._claim_ownership(transaction, ownership)
        self._put_account(transaction, account)
        self._put_administrator(transaction, administrator)
        self._transact(transaction)

    def issue(self, issue: Issue) -> None:
        """Write a new invitation, supersede the one it replaces and count the email, all or nothing."""
        transaction = _Transaction()
        invitation = issue.invitation
        if issue.external_reference:
            transaction.add(
                "external_reference",
                "Put",
                TableName=self._accounts,
                Item={**external_reference_key(issue.external_reference.reference), **_item(issue.external_reference)},
                ConditionExpression="attribute_not_exists(pk)",
            )
        if issue.new_account:
            self._put_account(transaction, issue.new_account)
        if issue.ownership_before is None:
            self._claim_ownership(transaction, issue.ownership_after)
            invitee = Administrator(
                account_id=invitation.account_id, email=invitation.email, state=AdministratorState.INVITED
            )
            self._put_administrator(transaction, invitee)
            if issue.new_account is None:
                transaction.add(
                    "account",
                    "ConditionCheck",
                    TableName=self._accounts,
                    Key=account_key(invitation.account_id),
                    ConditionExpression="attribute_exists(pk)",
                )
        else:
            self._repoint_ownership(transaction, before=issue.ownership_before, after=issue.ownership_after)
        if replaced := _current_invitation(issue.ownership_before):
            self._set_invitation_status(
                transaction,
                "replaced",
                replaced,
                InvitationStatus.SUPERSEDED,
                expected=(InvitationStatus.PENDING, InvitationStatus.EXPIRED),
            )
        transaction.add(
            "invitation",
            "Put",
            TableName=self._invitations,
            Item=self._invitation_item(invitation),
            ConditionExpression="attribute_not_exists(token_hash)",
        )
        self._put_mail_log(transaction, before=issue.mail_before, after=issue.mail_after)
        self._transact(transaction)

    def undo_issue(self, issue: Issue) -> None:
        """Put back what `issue` changed, each part only if it is still as `issue` left it."""
        transaction = _Transaction()
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
                ExpressionAttributeNames=_names("state"),
                ExpressionAttributeValues={":invited": AdministratorState.INVITED.value},
            )
        else:
            self._repoint_ownership(transaction, before=issue.ownership_after, after=issue.ownership_before)
        if replaced := _current_invitation(issue.ownership_before):
            # Back to pending even if the cleanup had marked it expired: expiry is decided on read anyway.
            self._set_invitation_status(
                transaction, "replaced", replaced, InvitationStatus.PENDING, expected=(InvitationStatus.SUPERSEDED,)
            )
        transaction.add(
            "invitation",
            "Delete",
            TableName=self._invitations,
            Key={"token_hash": invitation.token_hash},
            ConditionExpression="#status = :pending",
            ExpressionAttributeNames=_names("status"),
            ExpressionAttributeValues={":pending": InvitationStatus.PENDING.value},
        )
        self._put_mail_log(transaction, before=issue.mail_after, after=issue.mail_before)
        self._transact(transaction)

    def record_mail(self, before: MailLog, after: MailLog) -> None:
        """Count an email request on its own (resend to an address with nothing to send)."""
        transaction = _Transaction()
        self._put_mail_log(transaction, before=before, after=after)
        self._transact(transaction)

    def accept(self, invitation: Invitation, now: datetime) -> None:
        """The invitation becomes accepted and its email an active administrator, only if still pending."""
        transaction = _Transaction()
        transaction.add(
            "invitation",
            "Update",
            TableName=self._invitations,
            Key={"token_hash": invitation.token_hash},
            UpdateExpression="SET #status = :accepted, accepted_at = :now REMOVE pending_shard",
            ConditionExpression="#status = :pending AND expires_epoch > :now_epoch",
            ExpressionAttributeNames=_names("status"),
            ExpressionAttributeValues={
                ":accepted": InvitationStatus.ACCEPTED.value,
                ":pending": InvitationStatus.PENDING.value,
                ":now": iso(now),
                ":now_epoch": int(now.timestamp()),
            },
        )
        transaction.add(
            "ownership",
            "Update",
            TableName=self._accounts,
            Key=ownership_key(invitation.email),
            UpdateExpression="SET #state = :active REMOVE invitation_id, invitation_token_hash, invitation_expires_at",
            ConditionExpression="account_id = :account_id AND invitation_id = :invitation_id",
            ExpressionAttributeNames=_names("state"),
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
            UpdateExpression="SET #state = :active, activated_at = :now",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames=_names("state"),
            ExpressionAttributeValues={":active": AdministratorState.ACTIVE.value, ":now": iso(now)},
        )
        self._transact(transaction)

    def revoke(self, invitation: Invitation) -> None:
        """The invitation is revoked and its email freed: its ownership and administrator entry go."""
        transaction = _Transaction()
        self._set_invitation_status(
            transaction,
            "invitation",
            invitation.token_hash,
            InvitationStatus.REVOKED,
            expected=(InvitationStatus.PENDING, InvitationStatus.EXPIRED),
        )
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
            ExpressionAttributeNames=_names("state"),
            ExpressionAttributeValues={":invited": AdministratorState.INVITED.value},
        )
        self._transact(transaction)

    def expire(self, token_hash: str, now: datetime) -> bool:
        """Mark one pending invitation expired if its time has come; False if it changed meanwhile."""
        try:
            self._call(
                "update_item",
                TableName=self._invitations,
                Key={"token_hash": token_hash},
                UpdateExpression="SET #status = :expired REMOVE pending_shard",
                ConditionExpression="#status = :pending AND expires_epoch <= :now",
                ExpressionAttributeNames=_names("status"),
                ExpressionAttributeValues={
                    ":expired": InvitationStatus.EXPIRED.value,
                    ":pending": InvitationStatus.PENDING.value,
                    ":now": int(now.timestamp()),
                },
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    # --- Parts of transactions ---

    def _claim_ownership(self, transaction: _Transaction, ownership: EmailOwnership) -> None:
        transaction.add(
            "ownership",
            "Put",
            TableName=self._accounts,
            Item={**ownership_key(ownership.email), **_item(ownership)},
            ConditionExpression="attribute_not_exists(pk)",
        )

    def _repoint_ownership(self, transaction: _Transaction, *, before: EmailOwnership, after: EmailOwnership) -> None:
        transaction.add(
            "ownership",
            "Put",
            TableName=self._accounts,
            Item={**ownership_key(after.email), **_item(after)},
            ConditionExpression="account_id = :account_id AND #state = :invited AND invitation_id = :invitation_id",
            ExpressionAttributeNames=_names("state"),
            ExpressionAttributeValues={
                ":account_id": before.account_id,
                ":invited": AdministratorState.INVITED.value,
                ":invitation_id": before.invitation_id,
            },
        )

    def _put_account(self, transaction: _Transaction, account: Account) -> None:
        transaction.add(
            "account",
            "Put",
            TableName=self._accounts,
            Item={**account_key(account.account_id), **_item(account)},
            ConditionExpression="attribute_not_exists(pk)",
        )

    def _put_administrator(self, transaction: _Transaction, administrator: Administrator) -> None:
        transaction.add(
            "administrator",
            "Put",
            TableName=self._accounts,
            Item={**administrator_key(administrator.account_id, administrator.email), **_item(administrator)},
        )

    def _put_mail_log(self, transaction: _Transaction, *, before: MailLog, after: MailLog) -> None:
        if before.version == 0:
            condition, values = "attribute_not_exists(pk)", None
        else:
            condition, values = "version = :version", {":version": before.version}
        request: dict[str, Any] = {"ConditionExpression": condition}
        if values:
            request["ExpressionAttributeValues"] = values
        if after.version == 0:
            transaction.add("mail_log", "Delete", TableName=self._accounts, Key=mail_log_key(after.email), **request)
            return
        item = {**mail_log_key(after.email), **_item(after), "sent_at": list(after.sent_at)}
        if after.sent_at:
            item["ttl"] = after.sent_at[-1] + 86_400  # the log means nothing a day after its last email
        transaction.add("mail_log", "Put", TableName=self._accounts, Item=item, **request)

    def _set_invitation_status(
        self,
        transaction: _Transaction,
        tag: str,
        token_hash: str,
        status: InvitationStatus,
        *,
        expected: tuple[InvitationStatus, ...],
    ) -> None:
        still_pending = status is InvitationStatus.PENDING
        update = "SET #status = :status" + (", pending_shard = :shard" if still_pending else " REMOVE pending_shard")
        values: dict[str, Any] = {":status": status.value}
        if still_pending:
            values[":shard"] = PENDING_SHARD
        values |= {f":expected{index}": value.value for index, value in enumerate(expected)}
        transaction.add(
            tag,
            "Update",
            TableName=self._invitations,
            Key={"token_hash": token_hash},
            UpdateExpression=update,
            ConditionExpression=f"#status IN ({', '.join(f':expected{i}' for i in range(len(expected)))})",
            ExpressionAttributeNames=_names("status"),
            ExpressionAttributeValues=values,
        )

    def _invitation_item(self, invitation: Invitation) -> dict[str, Any]:
        item = _item(invitation)
        item["ttl"] = invitation.expires_epoch + self._retention_seconds
        if invitation.status is InvitationStatus.PENDING:
            item["pending_shard"] = PENDING_SHARD
        return item

    # --- Calls ---

    def _transact(self, transaction: _Transaction) -> None:
        """Run the transaction; a cancellation is a conflict only when conditions failed or another write was first."""
        try:
            self._call("transact_write_items", TransactItems=transaction.items)
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            reasons: list[dict[str, Any]] = error.response.get("CancellationReasons", [])  # type: ignore[assignment]
            codes = {reason.get("Code") for reason in reasons} - {None, "None"}
            if codes & _BUSY_REASONS:
                raise ServiceUnavailable(retry_after=1) from error
            if not codes <= _CONFLICT_REASONS:  # a validation failure is a bug to see, not a race to retry
                raise
            deserializer = TypeDeserializer()
            failed = {
                tag: {name: deserializer.deserialize(value) for name, value in reason["Item"].items()}
                if "Item" in reason
                else None
                for tag, reason in zip(transaction.tags, reasons, strict=False)
                if reason.get("Code") not in (None, "None")
            }
            raise TransactionConflict(failed) from error

    def _call(self, operation: str, **request: Any) -> Any:
        """One DynamoDB call; throttling, a 5xx or an unreachable endpoint become 503 SERVICE_UNAVAILABLE."""
        try:
            return getattr(self._client, operation)(**request)
        except ClientError as error:
            if error.response["Error"]["Code"] in _BUSY_CODES:
                raise ServiceUnavailable(retry_after=1) from error
            if error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500:
                raise ServiceUnavailable(retry_after=1) from error
            raise
        except (EndpointUnreachable, HTTPClientError) as error:  # connection refused, reset or timed out
            raise ServiceUnavailable(retry_after=UNREACHABLE_RETRY_AFTER) from error
