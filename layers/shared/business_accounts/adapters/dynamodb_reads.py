"""The Store's reads on DynamoDB: each answer one strongly consistent read or one query, parsed into its model."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from business_accounts.adapters.dynamodb import DynamoDB, Item
from business_accounts.adapters.dynamodb_events import Timelines
from business_accounts.adapters.keys import (
    account_key,
    every_pending_shard,
    external_reference_key,
    ownership_key,
    suppression_key,
)
from business_accounts.logic.store import EmailRecord, Overdue
from business_accounts.models.events import Event
from business_accounts.models.items import (
    Account,
    Administrator,
    EmailOwnership,
    ExternalReference,
    Invitation,
    MailLog,
    Suppression,
)
from business_accounts.models.lifetime import EXPIRED_AT_NOW, epoch
from business_accounts.models.types import Budget, InvitationPurpose

BY_ACCOUNT_INDEX = "by-account"
PENDING_BY_EXPIRY_INDEX = "pending-by-expiry"
_OWNER, _SUPPRESSION = ownership_key("")["sk"], suppression_key("")["sk"]
_MAIL_LOG = "MAIL_LOG#"


class Reads:
    """Reads of the accounts, invitations and events tables."""

    def __init__(
        self, dynamodb: DynamoDB, *, accounts_table: str, invitations_table: str, timelines: Timelines
    ) -> None:
        self._db = dynamodb
        self._accounts = accounts_table
        self._invitations = invitations_table
        self._events = timelines

    def email_record(self, email: str) -> EmailRecord:
        """The email's owner, mail logs and suppression: one strongly consistent query of its partition."""
        owner: EmailOwnership | None = None
        suppression: Suppression | None = None
        logs: dict[Budget, MailLog] = {}
        for item in self._db.query(
            TableName=self._accounts,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": ownership_key(email)["pk"]},
            ConsistentRead=True,
        ):
            if item["sk"] == _OWNER:
                owner = EmailOwnership.model_validate(item)
            elif item["sk"] == _SUPPRESSION:
                suppression = Suppression.model_validate(item)
            elif item["sk"].startswith(_MAIL_LOG) and "budget" in item:  # logs stored before budgets are let go
                log = MailLog.model_validate(item)
                logs[log.budget] = log
        return EmailRecord(email=email, owner=owner, logs=logs, suppression=suppression)

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

    def expired_pending(self, now: datetime, parts: Sequence[str] | None = None) -> Iterator[Overdue]:
        """Every shard of the sparse index (or those of `parts`) at once, a page of each in parallel: it holds only
        pending invitations, and projects what an expiry writes, so this reads only those that have expired."""
        shards = {shard: self._overdue_pages(shard, now) for shard in parts or every_pending_shard()}
        # One shard's first page alone: a client's first call builds what every later call reuses (the operation's
        # model and serializer, its endpoint), and sixteen threads making a cold client's first call at once each
        # built it (CleanupFunction's cold init: 1 490 M instructions every run this way, 1 500 to 1 800 M before).
        first = next(iter(shards))
        pages = {first: next(shards[first], None)}
        with ThreadPoolExecutor(max_workers=len(shards)) as pool:
            while pages:
                for shard, page in pages.items():
                    if page is None:
                        del shards[shard]
                    else:
                        yield from (_overdue(item) for item in page)
                pages = dict(zip(shards, pool.map(lambda more: next(more, None), shards.values()), strict=True))

    def pending_parts(self) -> list[str]:
        return every_pending_shard()

    def _overdue_pages(self, shard: str, now: datetime) -> Iterator[list[Item]]:
        request: dict[str, Any] = {
            "TableName": self._invitations,
            "IndexName": PENDING_BY_EXPIRY_INDEX,
            "KeyConditionExpression": f"pending_shard = :shard AND {EXPIRED_AT_NOW}",
            "ExpressionAttributeValues": {":shard": shard, ":now": epoch(now)},
        }
        while True:
            items, last = self._db.query_page(**request)
            yield items
            if last is None:
                return
            request["ExclusiveStartKey"] = last

    def events_of(self, account_id: str, *, after: int, limit: int) -> list[Event]:
        return self._events.page(account_id, after=after, limit=limit)


def _overdue(item: Item) -> Overdue:
    return Overdue(
        token_hash=item["token_hash"],
        invitation_id=item["invitation_id"],
        account_id=item["account_id"],
        email=item["email"],
        purpose=InvitationPurpose(item.get("purpose", InvitationPurpose.INVITATION.value)),
    )
