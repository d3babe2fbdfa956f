"""The local stack started as a child process on free ports (`python -m local`), for the e2e tests and benchmarks."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import requests

from tools.template import REGION, ROOT

TEST_STACKS = Path(tempfile.gettempdir()) / "business-accounts-test-stacks"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LocalStack:
    api: str
    lambda_endpoint: str
    aws_endpoint: str
    process: subprocess.Popen[str]
    output: list[str]
    stacks: Path  # where it says it runs, for `make invoke` (LOCAL_STACKS)
    _new_line: threading.Condition = field(default_factory=threading.Condition)

    def wait_for_line(self, text: str, timeout: float = 15) -> str:
        """The first line of the stack's output that contains `text`, waiting for it up to `timeout` seconds."""
        with self._new_line:
            self._new_line.wait_for(lambda: any(text in line for line in self.output), timeout)
        found = [line for line in self.output if text in line]
        assert found, f"no line with {text!r} in:\n" + "".join(self.output[-30:])
        return found[0]

    def post(self, path: str, body: Any, **options: Any) -> requests.Response:
        return requests.post(self.api + path, json=body, timeout=30, **options)

    def get(self, path: str, **options: Any) -> requests.Response:
        return requests.get(self.api + path, timeout=30, **options)

    def inbox(self) -> list[dict[str, Any]]:
        mails: list[dict[str, Any]] = self.get("/_local/inbox.json").json()
        return mails

    def mail_to(self, to: str, count: int = 1, timeout: float = 15) -> dict[str, Any]:
        """The newest email to `to` once `count` have come (the outbox mails after the answer, within a second)."""
        deadline = time.monotonic() + timeout
        while True:
            mails = [mail for mail in self.inbox() if to in mail["to"]]
            if len(mails) >= count or time.monotonic() > deadline:
                assert len(mails) >= count, f"{len(mails)} email(s) to {to} after {timeout} s, not {count}"
                return mails[0]
            time.sleep(0.1)

    def last_token(self, to: str, count: int = 1) -> str:
        """The link's token in the newest email to `to`, once `count` emails have come to it."""
        return str(self.mail_to(to, count)["text"].split("#token=", 1)[1].split()[0])

    def bus_events(self, account_id: str, count: int, timeout: float = 15) -> list[dict[str, Any]]:
        """The account's events on the bus, oldest first, once `count` have come (`/_local/events.json`)."""
        deadline = time.monotonic() + timeout
        while True:
            listed = self.get("/_local/events.json").json()  # newest first
            found = [event for event in reversed(listed) if event["detail"]["account_id"] == account_id]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.2)

    def lambda_client(self) -> Any:
        return boto3.client(
            "lambda",
            endpoint_url=self.lambda_endpoint,
            region_name=REGION,
            aws_access_key_id="local",
            aws_secret_access_key="local",  # noqa: S106 - the local Lambda endpoint accepts any credentials
        )


def start_stack(tmp_path: Path, env_vars: dict[str, Any] | None = None, *extra: str) -> LocalStack:
    api_port, lambda_port, aws_port = free_port(), free_port(), free_port()
    command = [sys.executable, "-m", "local", "--api-port", str(api_port), "--lambda-port", str(lambda_port)]
    command += ["--aws-port", str(aws_port), "--instances", "3", *extra]
    if env_vars is not None:
        path = tmp_path / "env.json"
        path.write_text(json.dumps(env_vars))
        command += ["--env-vars", str(path)]
    stacks = tmp_path / "stacks"
    process = launch(command, stacks)
    output: list[str] = []
    deadline = time.monotonic() + 60
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        output.append(line)
        if line.startswith("Ready in"):
            stack = LocalStack(
                f"http://127.0.0.1:{api_port}",
                f"http://127.0.0.1:{lambda_port}",
                f"http://127.0.0.1:{aws_port}",
                process,
                output,
                stacks,
            )
            _keep_reading(stack)
            return stack
    process.kill()
    raise AssertionError("the local stack did not start:\n" + "".join(output))


def launch(command: list[str], stacks: Path = TEST_STACKS) -> subprocess.Popen[str]:
    """A command of the local stack, output merged, in a process group of its own as a terminal would start it;
    its stacks say they run in `stacks`, never where `make invoke` looks for the developer's own."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    environment["LOCAL_STACKS"] = str(stacks)
    return subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=environment,
        start_new_session=True,
    )


def _keep_reading(stack: LocalStack) -> None:
    def drain() -> None:
        assert stack.process.stdout is not None
        for line in stack.process.stdout:
            with stack._new_line:
                stack.output.append(line)
                stack._new_line.notify_all()

    threading.Thread(target=drain, daemon=True).start()


def group_ends(process: subprocess.Popen[str], timeout: float = 10) -> bool:
    """Whether every process of `process`'s group (the stack, its instances, moto's) is gone within `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)  # nothing to wait on for another process's children: poll
    return False


def stop_stack(stack: LocalStack) -> int:
    """Ctrl-C in its terminal (to the whole process group), as a person stops it; the exit code (0: clean)."""
    os.killpg(stack.process.pid, signal.SIGINT)
    try:
        return stack.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(stack.process.pid, signal.SIGKILL)
        return -1
