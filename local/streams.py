"""The template's stream consumers fed from the local DynamoDB's streams, as Lambda's event source mappings feed
them: the outbox's emails and the bus's events follow each change within a fraction of a second."""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

from local.emulator import Emulator
from local.pools import FunctionPool
from tools.streams import StreamPump, consumers
from tools.template import Stack

log = logging.getLogger("local")
POLL_SECONDS = 0.2  # Lambda polls a stream about four times a second


def reader(stack: Stack, emulator: Emulator) -> StreamPump:
    """A pump on the local DynamoDB and its streams, for the template's consumers."""
    return StreamPump(emulator.client("dynamodb"), emulator.client("dynamodbstreams"), stack.physical_name)


def invoker(pools: dict[str, FunctionPool]) -> Any:
    """Invoke a consumer's pool: a handler error fails its whole batch, which is delivered again (as Lambda does)."""

    def invoke(logical_id: str, event: dict[str, Any]) -> Any:
        started = time.monotonic()
        outcome = pools[logical_id].invoke(event)
        took = f"{(time.monotonic() - started) * 1000:.0f} ms"
        records = event["Records"]
        if outcome.error is not None:
            log.warning(
                "stream %s failed on %d record(s) after %s: %s",
                logical_id,
                len(records),
                took,
                outcome.error.get("errorMessage"),
            )
            return {"batchItemFailures": [{"itemIdentifier": records[0]["dynamodb"]["SequenceNumber"]}]}
        log.info("stream %s: %d record(s) -> %s in %s", logical_id, len(records), json.dumps(outcome.result), took)
        return outcome.result

    return invoke


def run(pump: StreamPump, pools: dict[str, FunctionPool], stop: threading.Event) -> None:
    """Pump every POLL_SECONDS until `stop`; a failure of the local AWS itself is logged and tried again."""
    invoke = invoker(pools)
    while not stop.wait(POLL_SECONDS):
        try:
            pump.pump(invoke)
        except Exception as error:  # the reader keeps running, as Lambda's pollers do
            log.warning("stream reader: %s", error)


def start(stack: Stack, emulator: Emulator, pools: dict[str, FunctionPool], stop: threading.Event) -> list[str]:
    """Start reading; one line per consumer, for the start-up banner."""
    pump = reader(stack, emulator)
    threading.Thread(target=run, args=(pump, pools, stop), name="streams", daemon=True).start()
    return [f"{consumer.table} stream -> {consumer.function}" for consumer in consumers()]
