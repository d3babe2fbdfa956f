"""The README's story, run as written against a stack started as it says, so that the README cannot rot."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from tests.e2e.conftest import PROVISIONED_JOINED_ACCEPTED, start_stack, stop_stack
from tools.functions import ROOT

STORY = "## The whole story, step by step"
_SHELL_BLOCK = re.compile(r"```sh\n(.*?)```", re.DOTALL)


def story_blocks() -> list[str]:
    """The shell blocks of the README's story section, in order."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split(STORY, 1)[1].split("\n## ", 1)[0]
    return _SHELL_BLOCK.findall(section)


def run_story(steps: list[str], api: str) -> subprocess.CompletedProcess[str]:
    script = "\n".join(steps).replace("127.0.0.1:3000", api.removeprefix("http://"))
    return subprocess.run(  # noqa: S603 - the README's own commands
        ["bash", "-e", "-o", "pipefail", "-c", script],  # noqa: S607 - bash from PATH
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def codes(lines: list[str]) -> list[str | None]:
    return [json.loads(line).get("code") if line.startswith("{") else None for line in lines]


def test_readme_story_runs_as_written_on_the_stack_it_documents_and_again(tmp_path: Path) -> None:
    start, *steps = story_blocks()
    settings = re.fullmatch(r"make run(?: ENV_VARS=(\S+))?\n", start)
    assert settings, f"the story starts the stack with `make run`, not {start!r}"
    overrides = json.loads((ROOT / settings[1]).read_text(encoding="utf-8")) if settings[1] else None
    stack = start_stack(tmp_path, overrides)
    try:
        first, again = run_story(steps, stack.api), run_story(steps, stack.api)
    finally:
        stop_stack(stack)

    assert first.returncode == 0, first.stderr
    registered, joined, link, accepted, account, timeline, bob, confirmed, bob_again = first.stdout.splitlines()
    assert json.loads(registered)["code"] == "PENDING_INVITATION"
    assert json.loads(joined)["status"] == "invitation_sent"
    assert link.startswith(f"{stack.api}/invitations/accept#token=")
    assert json.loads(accepted)["status"] == "accepted"
    assert json.loads(account)["administrators"] == [{"email": "jane@example.com", "state": "active"}]
    changes = [event for event in timeline.split() if event != "invitation.delivery"]  # SES reports in between
    assert changes == PROVISIONED_JOINED_ACCEPTED, timeline
    assert json.loads(bob)["status"] == "verification_sent"
    assert json.loads(confirmed)["status"] == "accepted"
    assert json.loads(bob_again)["code"] == "ALREADY_REGISTERED"
    # The second run: each step gets what the state the first left deserves, and nothing breaks
    assert again.returncode == 0, again.stderr
    lines = again.stdout.splitlines()
    assert codes([lines[0], lines[1], lines[3]]) == [
        "ALREADY_REGISTERED",
        "ALREADY_MEMBER",
        "INVITATION_ALREADY_ACCEPTED",
    ]
    assert codes(lines[6:]) == ["ALREADY_REGISTERED", "INVITATION_ALREADY_ACCEPTED", "ALREADY_REGISTERED"]
