"""DynamoDB streams as Lambda's event source mappings read them, for the tests and the local stack alike.

The template's `DynamoDB` events say which function reads which table's stream, how many records a batch holds,
and which records it wants (FilterCriteria, matched as Lambda matches them: EventBridge's pattern syntax over
the record). A pump reads the new records of each stream, hands each consumer its batches in the shard's order,
and, as with ReportBatchItemFailures, delivers a batch again from its first failed record on the next pump.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config
from moto.events.models import EventPattern

from tools.events import LambdaContext
from tools.functions import functions

Invoke = Callable[[str, dict[str, Any]], Any]  # (function's logical ID, event) -> the function's answer


@dataclass(frozen=True)
class Consumer:
    """One `DynamoDB` event of the template: a function reading a table's stream."""

    function: str
    table: str  # the table's logical ID
    batch_size: int
    patterns: tuple[EventPattern, ...]

    def wants(self, record: dict[str, Any]) -> bool:
        return not self.patterns or any(pattern.matches_event(record) for pattern in self.patterns)


def consumers() -> list[Consumer]:
    """Every stream consumer the template declares, in template order."""
    found = []
    for function in functions().values():
        for event in function.properties.get("Events", {}).values():
            if event["Type"] != "DynamoDB":
                continue
            properties = event["Properties"]
            table = properties["Stream"]["Fn::GetAtt"][0]
            filters = properties.get("FilterCriteria", {}).get("Filters", [])
            patterns = tuple(EventPattern(None, json.loads(item["Pattern"])) for item in filters)
            found.append(Consumer(function.logical_id, table, int(properties.get("BatchSize", 100)), patterns))
    return found


@dataclass
class _Shard:
    iterator: str | None


@dataclass
class StreamPump:
    """Reads the streams of the consumers' tables with the given clients, and hands each consumer its records."""

    dynamodb: Any
    streams: Any
    table_names: Callable[[str], str]  # logical ID -> physical table name
    consumers: list[Consumer] = field(default_factory=consumers)
    _shards: dict[str, dict[str, _Shard]] = field(default_factory=dict)
    _arns: dict[str, str | None] = field(default_factory=dict)  # a table's stream: it does not change while it runs
    _waiting: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # per consumer: to deliver again

    def pump(self, invoke: Invoke) -> int:
        """Deliver every record written since the last pump (and those a consumer failed on); how many were new."""
        new = {table: self._new_records(table) for table in {consumer.table for consumer in self.consumers}}
        for consumer in self.consumers:
            records = [*self._waiting.pop(consumer.function, []), *new[consumer.table]]
            self._deliver(consumer, [record for record in records if consumer.wants(record)], invoke)
        return sum(len(records) for records in new.values())

    def drain(self, invoke: Invoke, rounds: int = 10) -> None:
        """Pump until nothing new is written (a consumer's writes make more records), at most `rounds` times."""
        for _ in range(rounds):
            if not self.pump(invoke) and not self._waiting:
                return

    def _deliver(self, consumer: Consumer, records: list[dict[str, Any]], invoke: Invoke) -> None:
        for start in range(0, len(records), consumer.batch_size):
            batch = records[start : start + consumer.batch_size]
            answer = invoke(consumer.function, {"Records": batch})
            failed = {item["itemIdentifier"] for item in (answer or {}).get("batchItemFailures", [])}
            if failed:  # Lambda retries from the first failed record: it and every later one, next time
                first = next(
                    index for index, record in enumerate(batch) if record["dynamodb"]["SequenceNumber"] in failed
                )
                self._waiting[consumer.function] = batch[first:] + records[start + consumer.batch_size :]
                return

    def _new_records(self, table: str) -> list[dict[str, Any]]:
        if table not in self._arns:
            description = self.dynamodb.describe_table(TableName=self.table_names(table))["Table"]
            self._arns[table] = description.get("LatestStreamArn")
        arn = self._arns[table]
        if arn is None:
            return []
        if table not in self._shards:
            self._shards[table] = {
                shard["ShardId"]: _Shard(
                    self.streams.get_shard_iterator(
                        StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
                    )["ShardIterator"]
                )
                for shard in self.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
            }
        records: list[dict[str, Any]] = []
        for known in self._shards[table].values():
            while known.iterator:
                answer = self.streams.get_records(ShardIterator=known.iterator)
                fetched = answer.get("Records", [])
                records += [{**record, "eventSourceARN": arn} for record in fetched]
                known.iterator = answer.get("NextShardIterator")
                if not fetched:
                    break
        return [_as_lambda_sees_it(record) for record in records]


def _as_lambda_sees_it(record: dict[str, Any]) -> dict[str, Any]:
    """A record of GetRecords as Lambda hands it over: the same fields, times as epoch seconds."""
    dynamodb = dict(record["dynamodb"])
    created = dynamodb.get("ApproximateCreationDateTime")
    if created is not None and not isinstance(created, int | float):
        dynamodb["ApproximateCreationDateTime"] = created.timestamp()
    return {**record, "dynamodb": dynamodb}


class InProcess:
    """The template's stream consumers (the outbox, the bus publisher) run in this process on moto's streams, each
    by its handler's entry point: for the tests and the benchmarks, where everything runs in one process."""

    def __init__(self, region: str, table_names: Callable[[str], str]) -> None:
        self.pump = StreamPump(
            boto3.client("dynamodb", region_name=region),
            # moto routes DynamoDB Streams by its regional host, not by botocore's newer account-based one.
            boto3.client("dynamodbstreams", region_name=region, config=Config(account_id_endpoint_mode="disabled")),
            table_names=table_names,
        )

    @staticmethod
    def invoke(logical_id: str, event: dict[str, Any]) -> Any:
        return functions()[logical_id].entry_point()(event, LambdaContext(function_name=logical_id))

    def pump_once(self) -> None:
        """One round: what is written now reaches its consumers once (a failed record waits for the next round)."""
        self.pump.pump(self.invoke)

    def drain(self) -> None:
        """Everything written so far reaches its consumers, and what they write reaches theirs."""
        self.pump.drain(self.invoke)
