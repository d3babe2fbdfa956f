"""Cold init of every function from the build output, against a bare boto3 and a bare Powertools handler.

Each measurement is a fresh `python -I -S -B` process with the template's environment and tracing on, started
from the build output as shipped (bytecode if the build made it; -B writes none). It ends when botocore is about
to send the function's first request (imported, first client built) or when a function that calls no AWS has
answered. The two baselines run interleaved with the functions, in a new random order every round. Ratios are
the median over rounds of the function's CPU time over the baseline's in the same round: on a shared machine,
wall time measures the neighbours as much as the code.
"""

from __future__ import annotations

import random
import re
import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.events import load_event
from tools.functions import functions
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
    runs: dict[str, list[dict[str, Any]]] = {handler.name: [] for handler in started}
    for round_number in range(rounds):
        order = list(started)
        random.Random(round_number).shuffle(order)  # noqa: S311 - an order, not a secret
        for handler in order:
            runs[handler.name].append(run(handler, "init"))

    def ratio(name: str, baseline: str) -> float:
        pairs = zip(runs[name], runs[baseline], strict=True)
        return statistics.median(mine["init_cpu_ms"] / theirs["init_cpu_ms"] for mine, theirs in pairs)

    return [
        ColdStart(
            name=handler.name,
            init_median_ms=statistics.median(figures["init_ms"] for figures in runs[handler.name]),
            init_min_ms=min(figures["init_ms"] for figures in runs[handler.name]),
            import_median_ms=statistics.median(figures["import_ms"] for figures in runs[handler.name]),
            init_cpu_median_ms=statistics.median(figures["init_cpu_ms"] for figures in runs[handler.name]),
            to_boto3=ratio(handler.name, BARE_BOTO3),
            to_powertools=ratio(handler.name, BARE_POWERTOOLS),
            end=runs[handler.name][-1]["end"],
            top_imports=top_imports(handler),
        )
        for handler in started
    ]
