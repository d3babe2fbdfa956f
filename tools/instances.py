"""Handlers from build output started in fresh interpreters (`python -I -S -B`), with the environment Lambda gives."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.functions import functions
from tools.template import ROOT, Stack

INSTANCE = ROOT / "tools" / "lambda_instance.py"
# Nothing listens there: a request that escaped the benchmark's stop would fail at once, never reach AWS.
NOWHERE = "http://127.0.0.1:9"
# An active, sampled trace, as Lambda sets per invocation; with no daemon the X-Ray SDK's UDP datagrams go nowhere.
TRACE_HEADER = "Root=1-6745900c-0a1b2c3d4e5f6a7b8c9d0e1f;Parent=53995c3f42cd8ad8;Sampled=1"


@dataclass(frozen=True)
class Handler:
    """A handler to start cold: its code folder, the layer folder, its environment and the event it gets."""

    name: str
    code_dir: Path
    layer_dir: Path
    environment: dict[str, str]
    event: dict[str, Any]


def lambda_environment(logical_id: str, aws_endpoint: str = NOWHERE, **overrides: str) -> dict[str, str]:
    """What Lambda and the template give the function, with tracing on (active, sampled, no daemon)."""
    variables = functions()[logical_id].lambda_environment(Stack(), aws_endpoint)
    variables.pop("POWERTOOLS_TRACE_DISABLED", None)
    variables |= {
        "LAMBDA_TASK_ROOT": "/var/task",
        "_X_AMZN_TRACE_ID": TRACE_HEADER,
        "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
    }
    return variables | overrides


def run(handler: Handler, mode: str, *options: str, timeout: float = 120) -> dict[str, Any]:
    """Start `handler` in a fresh interpreter (tools/lambda_instance.py `mode`); its figures and its stderr."""
    command = [sys.executable, "-I", "-S", "-B", *options, str(INSTANCE), mode, str(handler.code_dir)]
    result = subprocess.run(  # noqa: S603 - our own driver and build output
        [*command, str(handler.layer_dir)],
        input=json.dumps(handler.event),
        env=handler.environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("BENCH ")]
    if not lines:
        raise RuntimeError(f"{handler.name} did not finish ({result.returncode}):\n{result.stderr[-3000:]}")
    figures: dict[str, Any] = json.loads(lines[-1].removeprefix("BENCH "))
    figures["stderr"] = result.stderr
    return figures
