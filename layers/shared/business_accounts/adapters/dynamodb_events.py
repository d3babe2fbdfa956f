"""Events on DynamoDB: each account's timeline in the events table, numbered inside the transaction of its change.

An account's head item (sequence 0) holds the last number given out. A transaction that writes events reads the
heads first, puts its events at the next numbers and moves each head on, conditioned on the head being as read:
two concurrent changes of one account can never take the same number, and a cancelled transaction leaves no
number behind, so the sequence has no gaps. When only a head moved under it, the transaction is numbered again on
fresh heads and retried here; any other failed condition goes back to the store, to be decided in domain terms.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from datetime import timedelta

from business_accounts.adapters.dynamodb import Cancelled, DynamoDB, Item, Transaction
from business_accounts.adapters.keys import HEAD, event_key
from business_accounts.models.events import RETENTION_DAYS, Event, NewEvent
from business_accounts.models.lifetime import epoch

_HEAD_PART = "head:"
_RENUMBERINGS = 5  # a head moved by another change of the same account: number again, this many times at most


class Timelines:
    """The events table: numbering events into transactions, and reading an account's timeline."""

    def __init__(self, dynamodb: DynamoDB, *, events_table: str) -> None:
        self._db = dynamodb
        self._table = events_table

    def transact(
        self,
        build: Callable[[Transaction], None],
        events: Sequence[NewEvent],
        *,
        new_accounts: Collection[str] = (),
    ) -> None:
        """Write the parts `build` adds together with `events`, numbered after each account's head.

        `new_accounts` are accounts this transaction creates: their timeline starts at 1 without a read.
        Cancelled when any condition other than a head's failed, or a head kept moving.
        """
        accounts = list(dict.fromkeys(event.account_id for event in events))
        last_try: Cancelled | None = None
        for attempt in range(_RENUMBERINGS):
            transaction = Transaction()
            build(transaction)
            fresh = attempt == 0  # a retry reads every head: a "new" account's head may have been taken meanwhile
            heads = {account: 0 if fresh and account in new_accounts else self._head(account) for account in accounts}
            self._add_events(transaction, events, heads)
            try:
                self._db.transact(transaction)
                return
            except Cancelled as cancelled:
                moved = set(cancelled.failed) | cancelled.raced
                if not moved or not all(part.startswith(_HEAD_PART) for part in moved):
                    raise
                last_try = cancelled
        assert last_try is not None
        raise last_try

    def _head(self, account_id: str) -> int:
        item = self._db.get(self._table, event_key(account_id, HEAD))
        return int(item["last_sequence"]) if item else 0

    def _add_events(self, transaction: Transaction, events: Sequence[NewEvent], heads: dict[str, int]) -> None:
        numbered: dict[str, list[NewEvent]] = defaultdict(list)
        for event in events:
            numbered[event.account_id].append(event)
        for account_id, its_events in numbered.items():
            last = heads[account_id]
            for offset, event in enumerate(its_events, start=1):
                transaction.add(
                    f"event:{account_id}:{last + offset}",
                    "Put",
                    TableName=self._table,
                    Item=self.item(event.numbered(last + offset)),
                    ConditionExpression="attribute_not_exists(account_id)",
                )
            values: dict[str, int] = {":next": last + len(its_events)} | ({":last": last} if last else {})
            transaction.add(
                f"{_HEAD_PART}{account_id}",
                "Update",
                TableName=self._table,
                Key=event_key(account_id, HEAD),
                UpdateExpression="SET last_sequence = :next",
                # The head as read: absent before the first event, else at the number this transaction follows.
                ConditionExpression="last_sequence = :last" if last else "attribute_not_exists(account_id)",
                ExpressionAttributeValues=values,
            )

    @staticmethod
    def item(event: Event) -> Item:
        """An event as its item stores it: the envelope, and a TTL `RETENTION_DAYS` after it happened."""
        expires = epoch(event.occurred_at + timedelta(days=RETENTION_DAYS))
        return {**event.model_dump(mode="json"), "ttl": expires}

    def page(self, account_id: str, *, after: int, limit: int) -> list[Event]:
        """One query: up to `limit` events numbered above `after` (never the head), oldest first."""
        items, _ = self._db.query_page(
            TableName=self._table,
            KeyConditionExpression="account_id = :account_id AND #sequence > :after",
            ExpressionAttributeNames={"#sequence": "sequence"},
            ExpressionAttributeValues={":account_id": account_id, ":after": max(after, HEAD)},
            ConsistentRead=True,
            Limit=limit,
        )
        return [Event.model_validate(item) for item in items]
