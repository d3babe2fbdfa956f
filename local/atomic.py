"""DynamoDB's per-request atomicity for moto under threads, with transactions that copy only the items they touch.

DynamoDB evaluates a write's condition and applies the write as one step, and a transaction's conditions and
writes all at once, so two racing requests are decided by their conditions: one wins, the other is refused.
moto does neither under threads. It checks a condition and then writes in plain Python, and a transaction
applies its parts one by one and restores a copy if one fails, so two threads can interleave inside one request:
both pass a condition only one should, or a rollback wipes out a write that another thread made meanwhile. Races
run on such a backend test moto, not our conditions.

`atomic_dynamodb()` serialises every backend operation behind one re-entrant lock (re-entrant because a
transaction calls `put_item` and friends itself), and returns reads and write results as copies taken under
the lock, so a response is never serialised from an item that another request is changing. Requests still
interleave *between* operations, exactly where they interleave on DynamoDB.

moto's transaction deep-copies every table it touches for its rollback, so its cost grows with the table (2.5 ms
on an empty table, 189 ms at 6 000 items, and garbage that made the stack's exit take minutes). Here moto runs
each transaction on stand-ins of those tables that hold only the items it touches: on success their final state
goes into the real tables (with a stream record each, as moto writes them); on a cancellation the real tables,
their items, indexes (moto computes them from the items) and streams, were never touched.

This is the one moto patch the local stack needs (nothing public serialises moto's backend); it reaches the
moto internals that tests/integration/test_local_patches.py holds to their expected shape, so that a moto upgrade
that changes them fails there, by name.
"""

from __future__ import annotations

import copy
import functools
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table

WRITES = ("put_item", "update_item", "delete_item", "transact_write_items")
READS = ("get_item", "query", "scan", "describe_table")


@dataclass(frozen=True)
class _Part:
    """One part of a transaction: its table and the key of the item it reads or writes."""

    table: str
    operation: str  # Put, Update, Delete or ConditionCheck
    hash_key: DynamoType
    range_key: DynamoType | None


def _parts(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> list[_Part]:
    """The parts whose table and key can be read; moto refuses the others itself, before any write."""
    found = []
    for part in transact_items:
        for operation, request in part.items():
            table = backend.tables.get(request.get("TableName"))
            key = request.get("Item" if operation == "Put" else "Key") or {}
            if table is None or any(name not in key for name in table.table_key_attrs):
                continue
            range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
            found.append(_Part(table.name, operation, DynamoType(key[table.hash_key_attr]), range_key))
    return found


def _stand_in(table: Table, parts: list[_Part]) -> Table:
    """The table with only the items of `parts` (copies) and no stream: what moto's rollback copy then copies."""
    stand_in = copy.copy(table)
    stand_in.items = defaultdict(dict)  # moto's layout (Table.__init__): {hash: item} or {hash: {range: item}}
    stand_in.stream_shard = None
    for part in parts:
        if (item := table.get_item(part.hash_key, part.range_key)) is not None:
            stand_in.put_item(item.to_json()["Attributes"], overwrite=True)
    return stand_in


def _apply(table: Table, done: Table, parts: list[_Part]) -> None:
    """Each item a committed transaction wrote, from its stand-in into the real table, as moto writes one."""
    for part in parts:
        if part.operation == "ConditionCheck":
            continue
        if (item := done.get_item(part.hash_key, part.range_key)) is not None:
            table.put_item(item.to_json()["Attributes"], overwrite=True)
        elif table.get_item(part.hash_key, part.range_key) is not None:
            table.delete_item(part.hash_key, part.range_key)


def _copying_only_what_it_touches(transact: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(transact)
    def transact_write_items(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        parts = _parts(backend, transact_items)
        tables = {part.table: backend.tables[part.table] for part in parts}
        stand_ins = {
            name: _stand_in(table, [part for part in parts if part.table == name]) for name, table in tables.items()
        }
        backend.tables.update(stand_ins)
        try:
            transact(backend, transact_items)
        finally:
            done = {name: backend.tables[name] for name in tables}  # moto's rollback may have replaced them
            backend.tables.update(tables)
        for name, table in tables.items():
            _apply(table, done[name], [part for part in parts if part.table == name])

    return transact_write_items


def _guarded(operation: Callable[..., Any], lock: threading.RLock) -> Callable[..., Any]:
    @functools.wraps(operation)
    def atomically(*args: Any, **kwargs: Any) -> Any:
        with lock:
            return copy.deepcopy(operation(*args, **kwargs))

    return atomically


@contextmanager
def atomic_dynamodb() -> Iterator[threading.RLock]:
    """Within the block, each moto DynamoDB read or write is atomic, as on DynamoDB, and a transaction costs what
    it touches; yields the lock it holds."""
    lock = threading.RLock()
    originals = {name: vars(DynamoDBBackend)[name] for name in (*WRITES, *READS)}
    replaced = originals | {"transact_write_items": _copying_only_what_it_touches(originals["transact_write_items"])}
    try:
        for name, operation in replaced.items():
            setattr(DynamoDBBackend, name, _guarded(operation, lock))
        yield lock
    finally:
        for name, operation in originals.items():
            setattr(DynamoDBBackend, name, operation)
