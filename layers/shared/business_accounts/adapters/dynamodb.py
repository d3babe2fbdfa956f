"""DynamoDB plumbing: plain Python values in and out, transactions of named parts, and failures in domain terms.

Only this module and the store built on it know DynamoDB's wire format and errors. A busy or unreachable table
becomes `ServiceUnavailable`; a cancelled transaction becomes `Cancelled`, naming the parts whose condition
failed and the items as they were found, so the store can say what happened in the product's words.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as EndpointUnreachable

from business_accounts.models.errors import ServiceUnavailable

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

Item = dict[str, Any]
_BUSY = frozenset({"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"})
# Why a part of a transaction was cancelled: a lost race, or DynamoDB too busy. Anything else is a bug.
_RACE_REASONS = frozenset({"ConditionalCheckFailed", "TransactionConflict"})
_BUSY_REASONS = frozenset({"ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded"})
BUSY_RETRY_AFTER = 1
_BATCH_GET_LIMIT = 100  # keys per BatchGetItem
_BATCH_GET_ROUNDS = 3  # calls for the keys DynamoDB keeps back (UnprocessedKeys) before giving up as busy
UNREACHABLE_RETRY_AFTER = 5
_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()


class Cancelled(Exception):
    """A transaction lost a race. `failed` maps each part whose condition failed to its item as found (None: there
    was none); `raced` names the parts that a concurrent transaction held, whose items nobody has read."""

    def __init__(self, failed: Mapping[str, Item | None], raced: Iterable[str] = ()) -> None:
        self.failed, self.raced = dict(failed), frozenset(raced)
        super().__init__(f"transaction cancelled: conditions {sorted(self.failed)}, races {sorted(self.raced)}")


class ConditionFailed(Exception):
    """A single conditional write found the item otherwise than its condition expected."""


def names(*attributes: str) -> dict[str, str]:
    """ExpressionAttributeNames for attributes that are reserved words (`status`, `state`)."""
    return {f"#{name}": name for name in attributes}


def _wire(value: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _SERIALIZER.serialize(item) for name, item in value.items()}


def _plain(item: Mapping[str, Any]) -> Item:
    return {name: _DESERIALIZER.deserialize(value) for name, value in item.items()}


_VALUE_FIELDS = ("Key", "Item", "ExpressionAttributeValues", "ExclusiveStartKey")


def _request(request: Mapping[str, Any]) -> dict[str, Any]:
    """A request with its plain values (keys, items, expression values) written as DynamoDB attribute values."""
    return {name: _wire(value) if name in _VALUE_FIELDS else value for name, value in request.items()}


@dataclass
class Transaction:
    """TransactWriteItems under construction, each part named so that a cancellation can say which failed."""

    parts: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    def add(self, part: str, operation: str, **request: Any) -> None:
        """One part: `operation` (Put, Update, Delete, ConditionCheck) with plain values."""
        self.parts.append((part, operation, request))


class DynamoDB:
    """Calls to DynamoDB with plain values, on a client built on first use."""

    def __init__(self, client: Callable[[], DynamoDBClient]) -> None:
        self._client = client

    def get(self, table: str, key: Item) -> Item | None:
        """The item, read strongly consistently, or None."""
        found = self._call("get_item", TableName=table, Key=key, ConsistentRead=True).get("Item")
        return _plain(found) if found else None

    def query_page(self, **request: Any) -> tuple[list[Item], Item | None]:
        """One page of a query: its items and where the next page starts (None after the last)."""
        response = self._call("query", **request)
        last = response.get("LastEvaluatedKey")
        return [_plain(item) for item in response.get("Items", [])], _plain(last) if last else None

    def query(self, **request: Any) -> Iterator[Item]:
        """Every item of a query, page after page, as they are needed."""
        while True:
            items, last = self.query_page(**request)
            yield from items
            if last is None:
                return
            request["ExclusiveStartKey"] = last

    def get_many(self, table: str, keys: Sequence[Item]) -> list[Item]:
        """The items of `keys` that exist, read strongly consistently, in no particular order (BatchGetItem)."""
        found: list[Item] = []
        for start in range(0, len(keys), _BATCH_GET_LIMIT):
            pending: dict[str, Any] = {table: {"Keys": [_wire(key) for key in keys[start : start + _BATCH_GET_LIMIT]]}}
            for _ in range(_BATCH_GET_ROUNDS):
                pending[table]["ConsistentRead"] = True
                response = self._call("batch_get_item", RequestItems=pending)
                found += [_plain(item) for item in response.get("Responses", {}).get(table, [])]
                pending = response.get("UnprocessedKeys") or {}
                if not pending:
                    break
            else:  # DynamoDB kept some keys back round after round: too busy to answer in time
                raise ServiceUnavailable(retry_after=BUSY_RETRY_AFTER)
        return found

    def put(self, **request: Any) -> None:
        """PutItem; ConditionFailed when its condition does not hold."""
        self._conditional("put_item", **request)

    def update(self, **request: Any) -> None:
        """UpdateItem; ConditionFailed when its condition does not hold."""
        self._conditional("update_item", **request)

    def delete(self, **request: Any) -> Item | None:
        """DeleteItem; the item as it was (None if there was none)."""
        old = self._call("delete_item", ReturnValues="ALL_OLD", **request).get("Attributes")
        return _plain(old) if old else None

    def transact(self, transaction: Transaction) -> None:
        """All parts or none; Cancelled when a condition failed or a concurrent transaction came first."""
        items = [
            {operation: {**_request(request), "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}}
            for _, operation, request in transaction.parts
        ]
        try:
            self._call("transact_write_items", TransactItems=items)
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            reasons: list[dict[str, Any]] = error.response.get("CancellationReasons", [])  # type: ignore[assignment]
            codes = {reason.get("Code") for reason in reasons} - {None, "None"}
            if codes & _BUSY_REASONS:
                raise ServiceUnavailable(retry_after=BUSY_RETRY_AFTER) from error
            if not codes <= _RACE_REASONS:  # a validation failure is a bug to see, not a race to retry
                raise
            parts = [(part, reason) for (part, _, _), reason in zip(transaction.parts, reasons, strict=False)]
            failed = {
                part: _plain(reason["Item"]) if "Item" in reason else None
                for part, reason in parts
                if reason.get("Code") == "ConditionalCheckFailed"
            }
            raced = [part for part, reason in parts if reason.get("Code") == "TransactionConflict"]
            raise Cancelled(failed, raced) from error

    def _conditional(self, operation: str, **request: Any) -> None:
        try:
            self._call(operation, **request)
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise ConditionFailed() from error
            raise

    def _call(self, operation: str, **request: Any) -> Any:
        """One call; throttling, a DynamoDB 5xx or an endpoint out of reach become 503 SERVICE_UNAVAILABLE."""
        try:
            return getattr(self._client(), operation)(**_request(request))
        except ClientError as error:
            busy = error.response["Error"]["Code"] in _BUSY
            if busy or error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500:
                raise ServiceUnavailable(retry_after=BUSY_RETRY_AFTER) from error
            raise
        except (EndpointUnreachable, HTTPClientError) as error:  # connection refused, reset or timed out
            raise ServiceUnavailable(retry_after=UNREACHABLE_RETRY_AFTER) from error
