"""The local stack as a person runs it (`python -m local`), on free ports, for tests over real HTTP; and a real
browser (Debian's Chromium, driven by Playwright) to open its pages."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from playwright.sync_api import Browser, Page, sync_playwright

from tests.e2e.browsing import CHROMIUM, OBSERVE_LAYOUT_SHIFTS
from tools.functions import ROOT


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

    def last_token(self, to: str) -> str:
        mail = next(mail for mail in self.inbox() if to in mail["to"])
        return str(mail["text"].split("#token=", 1)[1].split()[0])

    def lambda_client(self) -> Any:
        return boto3.client(
            "lambda",
            endpoint_url=self.lambda_endpoint,
            region_name="eu-west-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )


def start_stack(tmp_path: Path, env_vars: dict[str, Any] | None = None, *extra: str) -> LocalStack:
    api_port, lambda_port, aws_port = free_port(), free_port(), free_port()
    command = [sys.executable, "-m", "local", "--api-port", str(api_port), "--lambda-port", str(lambda_port)]
    command += ["--aws-port", str(aws_port), "--instances", "3", *extra]
    if env_vars is not None:
        path = tmp_path / "env.json"
        path.write_text(json.dumps(env_vars))
        command += ["--env-vars", str(path)]
    process = launch(command)
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
            )
            _keep_reading(stack)
            return stack
    process.kill()
    raise AssertionError("the local stack did not start:\n" + "".join(output))


def launch(command: list[str]) -> subprocess.Popen[str]:
    """A command of the local stack, output merged, in a process group of its own as a terminal would start it."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
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


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    started = start_stack(tmp_path_factory.mktemp("stack"))
    yield started
    stop_stack(started)


# Seconds between two invitation emails to one address on the paced stack: long enough to see, short to wait out.
PACED_COOLDOWN_SECONDS = 3


@pytest.fixture(scope="session")
def short_lived_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """Invitations that expire in two seconds, and no cooldown, so renewing or joining can be tried at once."""
    overrides = {"Parameters": {"INVITATION_TTL_SECONDS": "2", "INVITE_COOLDOWN_SECONDS": "0"}}
    started = start_stack(tmp_path_factory.mktemp("short"), overrides)
    yield started
    stop_stack(started)


@pytest.fixture(scope="session")
def paced_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """A cooldown of a few seconds between invitation emails: countdowns can be seen, and waited out."""
    overrides = {"Parameters": {"INVITE_COOLDOWN_SECONDS": str(PACED_COOLDOWN_SECONDS)}}
    started = start_stack(tmp_path_factory.mktemp("paced"), overrides, "--instances", "2")
    yield started
    stop_stack(started)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if CHROMIUM is None:
        pytest.skip("needs Debian's chromium (`make browser` installs it; .ci/run does)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser tab (in Berlin, so local time differs from UTC) that records layout shifts, and fails its
    test on any script error or Content-Security-Policy violation."""
    context = browser.new_context(viewport={"width": 800, "height": 900}, locale="en-GB", timezone_id="Europe/Berlin")
    context.add_init_script(OBSERVE_LAYOUT_SHIFTS)
    opened = context.new_page()
    problems: list[str] = []
    opened.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    opened.on(
        "console",
        lambda message: problems.append(message.text) if "Content Security Policy" in message.text else None,
    )
    yield opened
    context.close()
    assert not problems, problems
