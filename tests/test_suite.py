"""`make test` runs every test file: none hides in a folder that pytest skips by default (`build`, `dist`, `venv`)."""

from __future__ import annotations

import subprocess
import sys

from tools.functions import ROOT


def test_a_plain_pytest_collects_every_test_file_of_the_repository() -> None:
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:xdist"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    files = {line.split("::")[0] for line in collected.splitlines() if "::" in line}
    on_disk = {str(path.relative_to(ROOT)) for path in (ROOT / "tests").rglob("test_*.py")}
    assert on_disk - files == set()
