"""`make smoke` proven here although no AWS is reachable: the smoke suite (tests/smoke) against the local stack."""

from __future__ import annotations

import os
import subprocess
import sys

from local.launch import LocalStack
from tools.functions import ROOT


def test_smoke_suite_passes_against_the_local_stack(paced_stack: LocalStack) -> None:
    # The paced stack's cooldown is seconds, not a minute: the story waits it out between provisioning and joining.
    environment = {key: value for key, value in os.environ.items() if not key.startswith("SMOKE_")}
    run = subprocess.run(  # the suite as `make smoke API=...` runs it
        [sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:cacheprovider", "-rA", "tests/smoke"],
        cwd=ROOT,
        env=environment | {"SMOKE_API": paced_stack.api},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "PASSED tests/smoke/test_smoke.py::test_smoke_story_runs_on_the_stack_and_cleans_up" in run.stdout
