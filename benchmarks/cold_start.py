"""Cold init of every function from the build output, against a bare boto3 and a bare Powertools handler; and the
restore of each function that SnapStart starts from a snapshot.

Each measurement is a fresh `python -I -S -B` process with the template's environment and tracing on, started
from the build output as shipped (bytecode if the build made it; -B writes none). It ends when botocore is about
to send the function's first request (imported, first client built) or when a function that calls no AWS has
answered. The two baselines run interleaved with the functions, in a new random order every round. Ratios are
the median over rounds of the function's CPU time over the baseline's in the same round: on a shared machine,
wall time measures the neighbours as much as the code.

A restore is measured the same way from a copy of a process that imported the function and ran its before-snapshot
hooks (tools/snapshot_instance.py): from the copy's first instruction, through its after-restore hooks and the same
event, to the first AWS request or the answer. Each round restores each such function once, interleaved with the
cold starts, and its ratio is to the bare boto3 cold start of the same round.
"""

from __future__ import annotations

import json
import random
import re
import statistics
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.events import load_event
from tools.functions import ROOT, functions, template
from tools.instances import Handler, lambda_environment, run

ROUNDS = 12
BARE_BOTO3 = "bare boto3"
BARE_POWERTOOLS = "bare Powertools"
# Each function starts with the sample event of its most common request.
FIRST_EVENTS = {
    "RegisterFunction": "register",
    "JoinFunction": "join",
    "ResendFunction": "resend",
    "InvitationTokenFunction": "preview",
    "OpenApiFunction": "openapi",
    "AcceptPageFunction": "accept_page",
    "RegisterPageFunction": "register_page",
    "InternalFunction": "provision",
    "CleanupFunction": "cleanup_schedule",
    "DeliveryEventsFunction": "ses_delivery",
    "InvitationMailFunction": "invitation_mail",
    "EventsPublisherFunction": "events_publisher",
}
_BASELINES = {
    BARE_BOTO3: (
        '"""Baseline: a handler that imports boto3 and builds a DynamoDB client."""\n'
        "import boto3\n\n\n"
        "def lambda_handler(event, context):\n"
        '    return boto3.client("dynamodb").describe_limits()\n'
    ),
    BARE_POWERTOOLS: (
        '"""Baseline: boto3, the Powertools REST resolver with validation, and one pydantic model."""\n'
        "import boto3\n"
        "from aws_lambda_powertools.event_handler import APIGatewayRestResolver\n"
        "from pydantic import BaseModel\n\n"
        "app = APIGatewayRestResolver(enable_validation=True)\n\n\n"
        "class EmailRequest(BaseModel):\n"
        "    email: str\n\n\n"
        '@app.post("/v1/invitations/resend")\n'
        "def resend(request: EmailRequest) -> dict:\n"
        '    return boto3.client("dynamodb").describe_limits()\n\n\n'
        "def lambda_handler(event, context):\n"
        "    return app.resolve(event, context)\n"
    ),
}
SNAPSHOT_INSTANCE = ROOT / "tools" / "snapshot_instance.py"
_IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+\d+ \|(\s*)(\S+)")


@dataclass(frozen=True)
class ColdStart:
    name: str
    init_median_ms: float
    init_min_ms: float
    import_median_ms: float
    init_cpu_median_ms: float
    to_boto3: float
    to_powertools: float
    end: str
    top_imports: list[tuple[str, float]]
    restore: Restore | None = None


@dataclass(frozen=True)
class Restore:
    """A function restored from its snapshot: CPU ms to its first AWS request (median), and over bare boto3's cold."""

    snapshot_ms: float  # import and before-snapshot hooks, once
    cpu_median_ms: float
    to_boto3: float


def snapstarted() -> list[str]:
    """The functions that SnapStart starts from a snapshot when the template's parameter turns it on."""
    every = template()["Globals"]["Function"]["SnapStart"]
    return [name for name, function in functions().items() if function.properties.get("SnapStart", every) == every]


class Snapshot:
    """A handler imported and snapshotted once (tools/snapshot_instance.py `init`), restored on demand."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        command = [sys.executable, "-I", "-S", "-B", str(SNAPSHOT_INSTANCE), "init", str(handler.code_dir)]
        self._process = subprocess.Popen(  # noqa: S603 - our own instance runner on build output
            [*command, str(handler.layer_dir)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=handler.environment,
        )
        self.snapshot_ms = self._figures()["init_ms"]

    def _figures(self) -> dict[str, Any]:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            if line.startswith("BENCH "):
                figures: dict[str, Any] = json.loads(line.removeprefix("BENCH "))
                return figures
        raise RuntimeError(f"{self.handler.name}'s snapshot instance stopped")

    def restore(self) -> dict[str, Any]:
        """One copy restored from the snapshot, with the handler's event: its figures (`init_cpu_ms`...)."""
        assert self._process.stdin is not None
        self._process.stdin.write(json.dumps(self.handler.event) + "\n")
        self._process.stdin.flush()
        return self._figures()

    def close(self) -> None:
        assert self._process.stdin is not None
        self._process.stdin.close()
        self._process.wait(timeout=30)


def handlers(build: Path, work: Path) -> list[Handler]:
    """The two baselines (written to `work`) and every function of the build, all on the built layer."""
    layer = build / "SharedLayer" / "python"
    found = []
    for name, source in _BASELINES.items():
        folder = work / name.replace(" ", "_")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "app.py").write_text(source, encoding="utf-8")
        found.append(Handler(name, folder, layer, lambda_environment("ResendFunction"), load_event("resend")))
    for logical_id in functions():
        event = load_event(FIRST_EVENTS[logical_id])
        found.append(Handler(logical_id, build / logical_id, layer, lambda_environment(logical_id), event))
    return found


def top_imports(handler: Handler, count: int = 5, runs: int = 3) -> list[tuple[str, float]]:
    """The top-level packages whose own import time is largest (`python -X importtime`, median of runs), in ms."""
    times: dict[str, list[float]] = {}
    for _ in range(runs):
        totals: Counter[str] = Counter()
        for self_us, _indent, module in _IMPORT_LINE.findall(run(handler, "init", "-X", "importtime")["stderr"]):
            totals[module.split(".")[0]] += int(self_us) / 1000
        for package, ms in totals.items():
            times.setdefault(package, []).append(ms)
    medians = Counter({package: statistics.median(values) for package, values in times.items()})
    return [(package, round(ms, 1)) for package, ms in medians.most_common(count)]


def measure(build: Path, work: Path, rounds: int = ROUNDS) -> list[ColdStart]:
    started = handlers(build, work)
    snapshots = {handler.name: Snapshot(handler) for handler in started if handler.name in snapstarted()}
    runs: dict[str, list[dict[str, Any]]] = {handler.name: [] for handler in started}
    restores: dict[str, list[dict[str, Any]]] = {name: [] for name in snapshots}
    try:
        for round_number in range(rounds):
            jobs: list[Callable[[], None]] = [
                *(lambda handler=handler: runs[handler.name].append(run(handler, "init")) for handler in started),
                *(lambda name=name: restores[name].append(snapshots[name].restore()) for name in snapshots),
            ]
            random.Random(round_number).shuffle(jobs)  # noqa: S311 - an order, not a secret
            for job in jobs:
                job()
    finally:
        for snapshot in snapshots.values():
            snapshot.close()

    def ratio(mine: list[dict[str, Any]], baseline: str) -> float:
        pairs = zip(mine, runs[baseline], strict=True)
        return statistics.median(figures["init_cpu_ms"] / theirs["init_cpu_ms"] for figures, theirs in pairs)

    def restored(name: str) -> Restore | None:
        if name not in snapshots:
            return None
        cpu = statistics.median(figures["init_cpu_ms"] for figures in restores[name])
        return Restore(snapshots[name].snapshot_ms, cpu, ratio(restores[name], BARE_BOTO3))

    return [
        ColdStart(
            name=handler.name,
            init_median_ms=statistics.median(figures["init_ms"] for figures in runs[handler.name]),
            init_min_ms=min(figures["init_ms"] for figures in runs[handler.name]),
            import_median_ms=statistics.median(figures["import_ms"] for figures in runs[handler.name]),
            init_cpu_median_ms=statistics.median(figures["init_cpu_ms"] for figures in runs[handler.name]),
            to_boto3=ratio(runs[handler.name], BARE_BOTO3),
            to_powertools=ratio(runs[handler.name], BARE_POWERTOOLS),
            end=runs[handler.name][-1]["end"],
            top_imports=top_imports(handler),
            restore=restored(handler.name),
        )
        for handler in started
    ]
