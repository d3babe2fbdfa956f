"""`make run` misused (a busy port, Ctrl-C in start-up, a bad env-vars file): one clear line, nothing left running."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from local.__main__ import main
from tests.e2e.conftest import free_port, group_ends, launch, start_stack, stop_stack
from tools.functions import ROOT


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port something else listens on."""
    with socket.create_server(("127.0.0.1", 0)) as listening:
        yield int(listening.getsockname()[1])


@pytest.mark.parametrize("option", ["--api-port", "--lambda-port", "--aws-port"])
def test_make_run_busy_port_is_one_line_naming_it_and_nothing_stays(busy_port: int, option: str) -> None:
    ports = {"--api-port": free_port(), "--lambda-port": free_port(), "--aws-port": free_port(), option: busy_port}
    command = [sys.executable, "-m", "local", *(str(item) for pair in ports.items() for item in pair)]

    process = launch(command)
    output, _ = process.communicate(timeout=30)

    variable = option.removeprefix("--").replace("-", "_").upper()
    assert process.returncode == 1
    assert output.splitlines() == [
        f"port {busy_port} ({variable}) is in use: stop what is using it (another `make run`?) "
        f"or choose another port, e.g. make run {variable}={busy_port + 100}"
    ]
    assert group_ends(process)


def test_make_run_ctrl_c_during_start_up_stops_everything_at_once() -> None:
    command = [sys.executable, "-m", "local", "--api-port", str(free_port()), "--lambda-port", str(free_port())]
    process = launch([*command, "--aws-port", str(free_port())])
    assert process.stdout is not None
    first = process.stdout.readline()  # AWS is up; the functions are starting

    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C in a terminal reaches the whole process group
    rest, _ = process.communicate(timeout=10)

    assert first.startswith("AWS (moto)"), first + rest
    assert process.returncode == 0, rest
    assert "Ready in" not in rest
    assert rest.splitlines()[-2:] == ["Stopping...", "Stopped."]
    assert "Traceback" not in rest
    assert group_ends(process)


def test_make_run_sigterm_after_a_load_stops_everything_within_seconds(tmp_path: Path) -> None:
    stack = start_stack(tmp_path)
    numbers = iter(range(10_000))

    def load(client: int) -> list[int]:
        with requests.Session() as session:  # each client as a browser would: one session, many requests
            answers = [session.post(f"{stack.api}/v1/accounts", json=registration(next(numbers)), timeout=30)]
            answers += [session.get(f"{stack.api}/v1/nowhere", timeout=30) for _ in range(client % 2)]
            return [answer.status_code for answer in answers]

    with ThreadPoolExecutor(max_workers=8) as clients:
        statuses = [status for answers in clients.map(load, range(300)) for status in answers]
    os.killpg(stack.process.pid, signal.SIGTERM)
    stopping = time.monotonic()
    exit_code = stack.process.wait(timeout=60)
    stopped_in = time.monotonic() - stopping

    assert set(statuses) == {201, 403}
    assert exit_code == 0
    assert stopped_in < 5, f"{stopped_in:.1f} s from SIGTERM to exit"
    assert group_ends(stack.process, timeout=5)
    assert stack.wait_for_line("Stopped.")


def registration(number: int) -> dict[str, str]:
    return {"email": f"load{number}@example.com", "company_name": "Load Ltd"}


# Moments after launch, once Python runs the stack's own code: its imports, moto's start, the demo data, the
# instances' start, and once ready. Ctrl-C while Python itself starts (site, .pth files) is Python's to report.
MOMENTS = (0.2, 0.5, 1.0, 1.8, 3.0, 4.5)
# A Ctrl-C that lands in code run by exec() of a string (dataclasses make their methods so) marks the process as
# interrupted for CPython even once handled: it then ends by SIGINT (-2) instead of 0, and prints nothing more.
INTERRUPTED = (0, -signal.SIGINT)


@pytest.mark.parametrize("seconds", MOMENTS)
def test_make_run_ctrl_c_at_any_moment_of_start_up_prints_no_traceback(seconds: float) -> None:
    command = [sys.executable, "-m", "local", "--api-port", str(free_port()), "--lambda-port", str(free_port())]
    process = launch([*command, "--aws-port", str(free_port())])

    time.sleep(seconds)
    os.killpg(process.pid, signal.SIGINT)
    output, _ = process.communicate(timeout=20)

    assert "Traceback" not in output, output
    assert process.returncode in INTERRUPTED, output
    assert output.splitlines()[-1:] == ["Stopped."], output
    assert group_ends(process)


@pytest.mark.parametrize("seconds", MOMENTS[:4])
def test_make_invoke_ctrl_c_at_any_moment_prints_no_traceback(seconds: float) -> None:
    event = str(ROOT / "events" / "openapi.json")
    process = launch([sys.executable, "-m", "local.invoke", "OpenApiFunction", "--event", event, "--aws-port", "0"])

    time.sleep(seconds)
    os.killpg(process.pid, signal.SIGINT)
    output, _ = process.communicate(timeout=20)

    assert "Traceback" not in output, output
    assert process.returncode in (*INTERRUPTED, 130), output  # 0: it had answered already
    assert group_ends(process)


def test_make_run_leaves_its_ports_for_make_invoke_while_it_runs(tmp_path: Path) -> None:
    stack = start_stack(tmp_path)

    (announced,) = stack.stacks.glob("*.json")
    ports = json.loads(announced.read_text())
    stop_stack(stack)

    assert ports == {
        "pid": stack.process.pid,
        "api_port": int(stack.api.rsplit(":", 1)[1]),
        "lambda_port": int(stack.lambda_endpoint.rsplit(":", 1)[1]),
        "aws_port": int(stack.aws_endpoint.rsplit(":", 1)[1]),
    }
    assert not announced.exists()


RUN_ENVIRONMENT = ROOT / ".venv-run"
TEST_TOOLS = ("pytest", "xdist", "playwright", "axe_playwright_python", "schemathesis", "hypothesis", "mypy", "ruff")


@pytest.mark.skipif(not (RUN_ENVIRONMENT / ".installed").exists(), reason="make test (or make run) creates .venv-run")
def test_make_run_environment_imports_the_whole_stack_and_holds_no_test_tool() -> None:
    probe = (
        "import importlib.util, local.stack, local.invocation; "
        f"print([name for name in {TEST_TOOLS!r} if importlib.util.find_spec(name)])"
    )

    found = subprocess.run(  # noqa: S603 - our own environment, fixed arguments
        [str(RUN_ENVIRONMENT / "bin" / "python"), "-c", probe], cwd=ROOT, capture_output=True, text=True, check=False
    )

    assert found.returncode == 0, found.stderr
    assert found.stdout.strip() == "[]"


BAD_ENV_VARS = {
    "trailing comma": ('{"Parameters": {"INVITE_COOLDOWN_SECONDS": "0",}}', "not valid JSON: Illegal trailing comma"),
    "a list": ('[{"Parameters": {}}]', 'must be a JSON object such as {"Parameters": {"NAME": "value"}}, not a list'),
    "a scope that is not an object": ('{"Parameters": "INVITE_COOLDOWN_SECONDS=0"}', '"Parameters" must be an object'),
    "a value that is an object": ('{"JoinFunction": {"LOG": {"level": 1}}}', '"JoinFunction.LOG" must be a string'),
    "not UTF-8": ('{"Parameters": {"A": "\udcff"}}', "is not UTF-8 text"),
}


@pytest.mark.parametrize(("content", "problem"), BAD_ENV_VARS.values(), ids=BAD_ENV_VARS.keys())
def test_make_run_bad_env_vars_file_is_one_line_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, problem: str
) -> None:
    env_vars = tmp_path / "env.json"
    env_vars.write_bytes(content.encode("utf-8", "surrogateescape"))

    exit_code = main(["--env-vars", str(env_vars), "--api-port", "0", "--lambda-port", "0", "--aws-port", "0"])

    captured = capsys.readouterr()
    assert exit_code == 1
    assert captured.out == ""
    assert captured.err.startswith(f"env-vars file {env_vars}: ")
    assert problem in captured.err
    assert len(captured.err.splitlines()) == 1


def test_make_run_missing_env_vars_file_is_one_line_and_exit_code_1(tmp_path: Path) -> None:
    missing = tmp_path / "missing.json"

    finished = subprocess.run(  # noqa: S603 - fixed arguments
        ["make", "--no-print-directory", "run", f"ENV_VARS={missing}"],  # noqa: S607 - make from PATH
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert finished.returncode != 0
    assert f"env-vars file {missing}: no such file" in finished.stderr.splitlines()
    assert "Traceback" not in finished.stderr
