"""The template's schedules, firing on their rate: each run and its result is logged."""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from local.pools import FunctionPool
from tools.functions import events
from tools.template import ACCOUNT_ID, REGION, Stack

log = logging.getLogger("local")
_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


@dataclass(frozen=True)
class Schedule:
    name: str
    expression: str
    every_seconds: float
    pool: FunctionPool


def schedules(stack: Stack, pools: dict[str, FunctionPool]) -> tuple[list[Schedule], list[str]]:
    """The schedules the local stack can keep, and a note for each it cannot (cron expressions)."""
    found, skipped = [], []
    for event in events("Schedule", "ScheduleV2"):
        if event.function.logical_id not in pools:
            continue
        expression = stack.resolve(event.properties["ScheduleExpression"])
        match = _RATE.match(expression)
        if not match:
            skipped.append(f"{event.full_name} ({expression}): only rate() runs locally")
            continue
        every = int(match.group(1)) * _UNIT_SECONDS[match.group(2).rstrip("s")]
        found.append(Schedule(event.full_name, expression, every, pools[event.function.logical_id]))
    return found, skipped


def scheduler_event(name: str, region: str = REGION) -> dict[str, object]:
    """The event EventBridge Scheduler passes to a Lambda target by default."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.scheduler",
        "account": ACCOUNT_ID,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:scheduler:{region}:{ACCOUNT_ID}:schedule/default/{name}"],
        "detail": {},
    }


def run(schedule: Schedule, stop: threading.Event, rate_factor: float = 1.0) -> None:
    """Fire `schedule` every period until `stop` is set; `rate_factor` < 1 speeds time up for demos and tests."""
    period = schedule.every_seconds * rate_factor
    while not stop.wait(period):
        started = time.monotonic()
        outcome = schedule.pool.invoke(scheduler_event(schedule.name))
        took = f"{(time.monotonic() - started) * 1000:.0f} ms"
        if outcome.error is not None:
            log.warning("schedule %s failed after %s: %s", schedule.name, took, outcome.error.get("errorMessage"))
        else:
            log.info("schedule %s returned %s in %s", schedule.name, json.dumps(outcome.result), took)


def start(found: list[Schedule], stop: threading.Event, rate_factor: float = 1.0) -> None:
    for schedule in found:
        threading.Thread(target=run, args=(schedule, stop, rate_factor), name=schedule.name, daemon=True).start()
