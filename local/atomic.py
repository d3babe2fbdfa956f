"""DynamoDB's per-request atomicity for moto under threads: one lock around every read and write of its backend.

DynamoDB evaluates a write's condition and applies the write as one step, and a transaction's conditions and
writes all at once, so two racing requests are decided by their conditions: one wins, the other is refused.
moto does neither under threads. It checks a condition and then writes in plain Python, and a transaction
deep-copies whole tables, applies its parts one by one and restores the copies if one fails, so two threads
can interleave inside one request: both pass a condition only one should, or a rollback wipes out a write
that another thread made meanwhile. Races run on such a backend test moto, not our conditions.

`atomic_dynamodb()` serialises every backend operation behind one re-entrant lock (re-entrant because a
transaction calls `put_item` and friends itself), and returns reads and write results as copies taken under
the lock, so a response is never serialised from an item that another request is changing. Requests still
interleave *between* operations, exactly where they interleave on DynamoDB.
"""

from __future__ import annotations

import copy
import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from moto.dynamodb.models import DynamoDBBackend

WRITES = ("put_item", "update_item", "delete_item", "transact_write_items")
READS = ("get_item", "query", "scan")


def _guarded(operation: Callable[..., Any], lock: threading.RLock) -> Callable[..., Any]:
    @functools.wraps(operation)
    def atomically(*args: Any, **kwargs: Any) -> Any:
        with lock:
            return copy.deepcopy(operation(*args, **kwargs))

    return atomically


@contextmanager
def atomic_dynamodb() -> Iterator[threading.RLock]:
    """Within the block, each moto DynamoDB read or write is atomic, as on DynamoDB; yields the lock it holds."""
    lock = threading.RLock()
    originals = {name: vars(DynamoDBBackend)[name] for name in (*WRITES, *READS)}
    try:
        for name, operation in originals.items():
            setattr(DynamoDBBackend, name, _guarded(operation, lock))
        yield lock
    finally:
        for name, operation in originals.items():
            setattr(DynamoDBBackend, name, operation)
