"""What a TransactWriteItems costs the local stack's moto as the table grows, against moto as it comes: in process,
on the template's accounts table, at 0 and 10 000 items."""

from __future__ import annotations

import itertools
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
from moto import mock_aws

from local import emulator
from local.atomic import atomic_dynamodb
from tools.template import REGION, Stack

FILLS = (0, 10_000)
ROUNDS = 30
TABLE = "AccountsTable"


@dataclass(frozen=True)
class Transaction:
    items: int  # in the table when the transactions run
    moto_ms: float  # median, moto as it comes (a deep copy of the table for each)
    local_ms: float  # median, the local stack's moto (local/atomic.py: a copy of what it touches)


def _registration(number: int) -> list[dict[str, Any]]:
    """Two new items, each on the condition that it does not exist yet, as a registration writes them."""
    account, owner = f"ACCOUNT#bench{number}", f"EMAIL#bench{number}@example.com"
    return [
        {
            "Put": {
                "TableName": TABLE,
                "Item": {"pk": {"S": pk}, "sk": {"S": sk}},
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        for pk, sk in ((account, "ACCOUNT"), (owner, "OWNER"))
    ]


def _fill(client: Any, items: int) -> None:
    for start in range(0, items, 25):
        requests = [
            {"PutRequest": {"Item": {"pk": {"S": f"FILL#{number}"}, "sk": {"S": "ITEM"}, "note": {"S": "x" * 100}}}}
            for number in range(start, min(start + 25, items))
        ]
        client.batch_write_item(RequestItems={TABLE: requests})


def _median_ms(client: Any, numbers: Iterator[int]) -> float:
    for _ in range(3):  # moto builds its parsers on first use: not what is measured
        client.transact_write_items(TransactItems=_registration(next(numbers)))
    timings = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        client.transact_write_items(TransactItems=_registration(next(numbers)))
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def measure() -> list[Transaction]:
    rows = []
    numbers = itertools.count()
    for items in FILLS:
        with mock_aws():
            client = boto3.client("dynamodb", region_name=REGION)
            emulator.create_tables(client, Stack())
            _fill(client, items)
            moto_ms = _median_ms(client, numbers)
            with atomic_dynamodb():
                local_ms = _median_ms(client, numbers)
        rows.append(Transaction(items, moto_ms, local_ms))
    return rows
