"""`make invoke`: every sample event answers as docs/local.md says on a fresh stack; stdout, stderr and exit codes."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import LocalStack, free_port
from tests.support.ses import rules_matching
from tools.functions import ROOT, api_routes
from tools.streams import consumers

EVENTS = ROOT / "events"
_ROW = re.compile(r"^\| `(?P<event>[\w.]+\.json)` \| `(?P<function>\w+)` \| `(?P<answer>[^`]+)`")


@dataclass(frozen=True)
class Documented:
    """A row of docs/local.md's event table: the event, its function and its first answer."""

    event: str
    function: str
    answer: str  # "409 PENDING_INVITATION", "204" or, for a function that is not behind the API, its JSON

    def matches(self, answer: Any) -> bool:
        if not self.answer[0].isdigit():
            return bool(answer == json.loads(self.answer))
        status, _, code = self.answer.partition(" ")
        body = json.loads(answer["body"]) if code else None
        return answer["statusCode"] == int(status) and (not code or body["code"] == code)


def documented() -> list[Documented]:
    rows = (_ROW.match(line) for line in (ROOT / "docs" / "local.md").read_text(encoding="utf-8").splitlines())
    return [Documented(row["event"], row["function"], row["answer"]) for row in rows if row]


def make_invoke(
    function: str, event: Path, *settings: str, stacks: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """`make invoke`; with `stacks`, it looks for the running stacks there instead of this checkout's .local/."""
    command = ["make", "--no-print-directory", "invoke", f"FUNCTION={function}", f"EVENT={event}", *settings]
    environment = {**os.environ, "LOCAL_STACKS": str(stacks)} if stacks else None
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False, env=environment)  # noqa: S603


def ports_of(stack: LocalStack) -> list[str]:
    """The settings that point `make invoke` at `stack`, as at a `make run` on other ports than the defaults."""
    return [f"API_PORT={stack.api.rsplit(':', 1)[1]}", f"AWS_PORT={stack.aws_endpoint.rsplit(':', 1)[1]}"]


def test_invoke_docs_table_has_every_event_with_the_function_the_template_sends_it_to() -> None:
    routed = {(route.resource, route.method): route.function.logical_id for route in api_routes()}

    for row in documented():
        event = json.loads((EVENTS / row.event).read_text(encoding="utf-8"))
        if "httpMethod" in event:
            expected = routed[event["resource"], event["httpMethod"]]
        elif "Records" in event:  # a stream's batch: every consumer whose filter takes its records may get it
            takers = [c.function for c in consumers() if all(c.wants(record) for record in event["Records"])]
            assert row.function in takers, row.event
            continue
        elif event["source"] == "aws.ses":  # through the template's EventBridge rule
            (rule,) = rules_matching(event)
            expected = rule.split(".")[0]
        else:
            expected = "CleanupFunction"
        assert row.function == expected, row.event
    assert sorted(row.event for row in documented()) == sorted(path.name for path in EVENTS.glob("*.json"))


@pytest.mark.parametrize("row", documented(), ids=lambda row: row.event)
def test_invoke_sample_event_on_a_fresh_stack_gets_its_documented_answer(stack: LocalStack, row: Documented) -> None:
    finished = make_invoke(row.function, EVENTS / row.event, *ports_of(stack))

    assert finished.returncode == 0, finished.stderr
    answer = json.loads(finished.stdout)  # stdout is the answer alone; the logs are on stderr
    assert row.matches(answer), (row.answer, answer)
    assert f"AWS: the local stack on {stack.aws_endpoint}" in finished.stderr


def test_invoke_handler_that_raises_exits_1_with_lambdas_error_payload(stack: LocalStack, tmp_path: Path) -> None:
    event = tmp_path / "not_an_api_event.json"
    event.write_text('{"not": "an API Gateway event"}')

    finished = make_invoke("RegisterFunction", event, *ports_of(stack))

    assert finished.returncode != 0
    error = json.loads(finished.stdout)
    assert set(error) == {"errorMessage", "errorType", "stackTrace"}
    assert "RegisterFunction#1 handler raised" in finished.stderr


def test_invoke_finds_the_running_stack_by_itself_without_its_ports(stack: LocalStack) -> None:
    finished = make_invoke("OpenApiFunction", EVENTS / "openapi.json", stacks=stack.stacks)

    assert finished.returncode == 0, finished.stderr
    assert json.loads(finished.stdout)["statusCode"] == 200
    assert f"AWS: the local stack on {stack.aws_endpoint}" in finished.stderr


def test_invoke_with_two_stacks_running_says_which_settings_choose_one(stack: LocalStack, tmp_path: Path) -> None:
    stacks = tmp_path / "stacks"
    stacks.mkdir()
    (announced,) = stack.stacks.glob("*.json")
    shutil.copy(announced, stacks)
    other = {"pid": os.getpid(), "api_port": 3100, "lambda_port": 3101, "aws_port": 5100}  # a process that runs
    (stacks / f"{os.getpid()}.json").write_text(json.dumps(other))

    finished = make_invoke("OpenApiFunction", EVENTS / "openapi.json", stacks=stacks)

    assert finished.returncode == 2
    (line, _) = finished.stderr.splitlines()  # and make's own line, "Error 2"
    assert line.startswith("2 local stacks run (make run): say which, with ")
    api_port, aws_port = ports_of(stack)
    assert f"{aws_port} {api_port}" in line
    assert "AWS_PORT=5100 API_PORT=3100" in line


def test_invoke_ignores_and_removes_what_a_killed_stack_left(tmp_path: Path) -> None:
    stacks = tmp_path / "stacks"
    stacks.mkdir()
    left = stacks / "4194305.json"  # a pid above Linux's highest: no process has it
    left.write_text(json.dumps({"pid": 4194305, "api_port": 1, "lambda_port": 2, "aws_port": free_port()}))

    finished = make_invoke("OpenApiFunction", EVENTS / "openapi.json", f"AWS_PORT={free_port()}", stacks=stacks)

    assert finished.returncode == 0, finished.stderr
    assert not left.exists()


def test_invoke_without_a_stack_says_so_and_runs_with_the_function_environment_and_demo_data(tmp_path: Path) -> None:
    env_vars = tmp_path / "env.json"
    env_vars.write_text('{"InternalFunction": {"INVITATION_TTL_SECONDS": "120"}}')
    nothing_there = f"AWS_PORT={free_port()}"

    finished = make_invoke("InternalFunction", EVENTS / "invite.json", f"ENV_VARS={env_vars}", nothing_there)

    assert finished.returncode == 0, finished.stderr
    assert "No local stack answers on 127.0.0.1:" in finished.stderr
    assert "AWS_PORT=" in finished.stderr  # what to pass for a stack on other ports
    invitation = json.loads(json.loads(finished.stdout)["body"])
    expires_in = datetime.fromisoformat(invitation["expires_at"]) - datetime.now(UTC)
    assert 100 <= expires_in.total_seconds() <= 121  # the env-vars file reached the function


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        (["NoSuchFunction", "--event", "events/join.json"], "no function NoSuchFunction in template.yaml; one of "),
        (["JoinFunction", "--event", "events/missing.json"], "event file events/missing.json: no such file"),
    ],
    ids=["unknown function", "missing event"],
)
def test_invoke_mistake_in_the_call_is_one_line_and_exit_code_2(arguments: list[str], problem: str) -> None:
    finished = subprocess.run(  # noqa: S603 - our own module, fixed arguments
        [sys.executable, "-m", "local.invoke", *arguments], cwd=ROOT, capture_output=True, text=True, check=False
    )

    assert finished.returncode == 2
    assert finished.stdout == ""
    assert finished.stderr.startswith(problem)
    assert len(finished.stderr.splitlines()) == 1
