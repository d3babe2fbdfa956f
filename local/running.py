"""Where `make invoke` finds the stacks `make run` runs: each leaves its ports in a file under .local/stacks/ (git
ignores .local/) while it serves, and removes it when it stops."""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

CHECKOUT_STACKS = Path(__file__).resolve().parent.parent / ".local" / "stacks"


def stacks_folder() -> Path:
    """Where the stacks of this checkout say they run ($LOCAL_STACKS: the tests keep their own stacks apart)."""
    return Path(os.environ.get("LOCAL_STACKS") or CHECKOUT_STACKS)


@dataclass(frozen=True)
class RunningStack:
    pid: int
    api_port: int
    lambda_port: int
    aws_port: int

    @property
    def settings(self) -> str:
        """What to pass `make invoke` to use this stack."""
        return f"AWS_PORT={self.aws_port} API_PORT={self.api_port}"


def announce(stack: RunningStack, running: contextlib.ExitStack) -> None:
    """Leave the stack's ports for `make invoke` until `running` closes."""
    folder = stacks_folder()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stack.pid}.json"
    path.write_text(json.dumps(asdict(stack)), encoding="utf-8")
    running.callback(path.unlink, missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it is there
        return True
    return True


def running_stacks() -> list[RunningStack]:
    """The stacks that say they run; a file that a killed stack left behind is removed."""
    found = []
    for path in sorted(stacks_folder().glob("*.json")):
        with contextlib.suppress(OSError, ValueError, TypeError):  # half-written, or removed meanwhile
            stack = RunningStack(**json.loads(path.read_text(encoding="utf-8")))
            if _alive(stack.pid):
                found.append(stack)
            else:
                path.unlink(missing_ok=True)
    return found
