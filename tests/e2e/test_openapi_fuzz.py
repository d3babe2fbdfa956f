"""The API fuzzed against its own OpenAPI document: Schemathesis on a fresh local stack, every operation and check.

`make test` gives it a small example budget (FUZZ_EXAMPLES, 25 per operation and phase); `make fuzz` a large one.
The seed is fixed in tests/e2e/fuzz/schemathesis.toml, so a failure repeats; FUZZ_SEED tries another.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.e2e.conftest import start_stack, stop_stack
from tools.functions import ROOT

CONFIG = ROOT / "tests" / "e2e" / "fuzz" / "schemathesis.toml"
# Limits out of the way, so generated requests reach the logic instead of a 429 after the first email.
UNLIMITED = {"Parameters": {"INVITE_COOLDOWN_SECONDS": "0", "INVITE_DAILY_LIMIT": "1000000"}}


def test_api_answers_every_generated_request_as_its_openapi_document_says(tmp_path: Path) -> None:
    stack = start_stack(tmp_path, UNLIMITED)
    try:
        command = [str(Path(sys.executable).with_name("st")), "--config-file", str(CONFIG), "--no-color", "run"]
        command += [f"{stack.api}/v1/openapi.json", "--url", stack.api]
        command += ["--max-examples", os.environ.get("FUZZ_EXAMPLES", "25")]
        if seed := os.environ.get("FUZZ_SEED"):
            command += ["--seed", seed]
        result = subprocess.run(  # noqa: S603 - our own tool and stack
            command, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, check=False
        )
    finally:
        stop_stack(stack)

    summary = result.stdout[result.stdout.find("=== SUMMARY") :] or result.stdout[-3000:]
    print(summary)
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
