"""The README's story, run as written against a stack started as it says, so that the README cannot rot."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from tests.e2e.conftest import start_stack, stop_stack
from tools.functions import ROOT

STORY = "## The whole story, step by step"
_SHELL_BLOCK = re.compile(r"```sh\n(.*?)```", re.DOTALL)


def story_blocks() -> list[str]:
    """The shell blocks of the README's story section, in order."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split(STORY, 1)[1].split("\n## ", 1)[0]
    return _SHELL_BLOCK.findall(section)


def test_readme_story_runs_as_written_on_the_stack_it_documents(tmp_path: Path) -> None:
    start, *steps = story_blocks()
    settings = re.fullmatch(r"make run ENV_VARS=(\S+)\n", start)
    assert settings, f"the story starts the stack with `make run ENV_VARS=...`, not {start!r}"
    stack = start_stack(tmp_path, json.loads((ROOT / settings[1]).read_text(encoding="utf-8")))
    try:
        script = "\n".join(steps).replace("127.0.0.1:3000", stack.api.removeprefix("http://"))
        finished = subprocess.run(  # noqa: S603 - the README's own commands
            ["bash", "-e", "-o", "pipefail", "-c", script],  # noqa: S607 - bash from PATH
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        stop_stack(stack)

    assert finished.returncode == 0, finished.stderr
    registered, joined, link, accepted, account = finished.stdout.splitlines()
    assert json.loads(registered)["code"] == "PENDING_INVITATION"
    assert json.loads(joined)["status"] == "invitation_sent"
    assert link.startswith(f"{stack.api}/invitations/accept#token=")
    assert json.loads(accepted)["status"] == "accepted"
    assert json.loads(account)["administrators"] == [{"email": "jane@example.com", "state": "active"}]
