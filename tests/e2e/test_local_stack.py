"""The SPEC flows over HTTP against `python -m local`: API Gateway, Lambda invoke, schedules and overrides."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest
import requests

from local.stack import parse_arguments
from tests.e2e.conftest import PROVISIONED_JOINED_ACCEPTED, LocalStack, group_ends, start_stack, stop_stack
from tools.functions import ROOT, functions, template

# API Gateway's answer to an unknown route or method, in the shape of the template's DEFAULT_4XX response.
MISSING_AUTHENTICATION_TOKEN = {"code": "MISSING_AUTHENTICATION_TOKEN", "message": "Missing Authentication Token"}


def new_email() -> str:
    return f"person-{uuid.uuid4().hex[:10]}@example.com"


def provision(stack: LocalStack, email: str, company: str = "ACME Ltd") -> str:
    answer = stack.post(
        "/v1/internal/accounts", {"company_name": company, "administrator_email": email, "created_via": "sales"}
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["account_id"])


def test_local_stack_story_register_pending_join_inbox_accept(stack: LocalStack) -> None:
    email = new_email()
    account_id = provision(stack, email)

    pending = stack.post("/v1/accounts", {"email": email.upper(), "company_name": "ACME"})
    assert pending.status_code == 409
    assert pending.json()["code"] == "PENDING_INVITATION"
    assert pending.json()["account"]["account_id"] == account_id

    token = stack.last_token(email)
    mail = stack.inbox()[0]
    assert mail["to"] == [email]
    assert f"{stack.api}/invitations/accept#token={token}" in mail["text"]  # links work locally

    preview = stack.post("/v1/invitations/preview", {"token": token})
    assert preview.status_code == 200
    assert preview.json()["company_name"] == "ACME Ltd"
    accepted = stack.post("/v1/invitations/accept", {"token": token})
    assert accepted.status_code == 200
    assert accepted.json()["role"] == "administrator"
    assert stack.post("/v1/accounts", {"email": email, "company_name": "ACME"}).json()["code"] == "ALREADY_REGISTERED"
    account = stack.get(f"/v1/internal/accounts/{account_id}").json()
    assert account["administrators"] == [{"email": email, "state": "active"}]


def test_local_stack_timeline_and_bus_tell_provision_join_accept_in_order(stack: LocalStack) -> None:
    # Given sales provisions an account (its email leaves through the outbox, from the events table's stream)
    email = new_email()
    account_id = provision(stack, email)
    stack.mail_to(email)

    # When the person asks for a fresh invitation and accepts it
    assert stack.post(f"/v1/accounts/{account_id}/join", {"email": email}).status_code == 202
    assert stack.post("/v1/invitations/accept", {"token": stack.last_token(email, count=2)}).status_code == 200

    # Then the timeline tells it in order, numbered 1..n (SES's reports of each email in between) ...
    items = stack.get(f"/v1/internal/accounts/{account_id}/events?limit=100").json()["items"]
    changes = [item["type"] for item in items if item["type"] != "invitation.delivery"]
    assert changes == PROVISIONED_JOINED_ACCEPTED
    assert [item["sequence"] for item in items] == list(range(1, len(items) + 1))
    # ... and the same events reach the stack's bus within seconds, in the same order
    on_the_bus = stack.bus_events(account_id, count=len(items))
    assert [event["detail"]["event_id"] for event in on_the_bus][: len(items)] == [item["event_id"] for item in items]
    assert {event["source"] for event in on_the_bus} == {"business-accounts"}
    assert all(event["detail-type"] == event["detail"]["type"] for event in on_the_bus)
    assert account_id in stack.get("/_local/events").text
    listed = [event["detail"] for event in stack.get("/_local/events.json").json()]  # newest first, as the inbox
    ours = [(detail["account_id"], detail["sequence"]) for detail in listed if detail["account_id"] == account_id]
    assert ours == sorted(ours, reverse=True)


def test_local_stack_join_within_cooldown_answers_429_with_retry_after(stack: LocalStack) -> None:
    email = new_email()
    account_id = provision(stack, email)  # the back office's email: Join's own budget is untouched
    assert stack.post(f"/v1/accounts/{account_id}/join", {"email": email}).status_code == 202

    answer = stack.post(f"/v1/accounts/{account_id}/join", {"email": email})

    assert answer.status_code == 429
    assert 0 < int(answer.headers["Retry-After"]) <= 60


def test_local_stack_query_strings_and_path_parameters_reach_the_handler(stack: LocalStack) -> None:
    account_id = provision(stack, new_email())

    listed = stack.get(f"/v1/internal/accounts/{account_id}/invitations?status=pending&limit=1")
    bad = stack.get(f"/v1/internal/accounts/{account_id}/invitations?limit=0")

    assert listed.status_code == 200
    assert len(listed.json()["items"]) == 1
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "limit"


def test_local_stack_unknown_route_answers_like_api_gateway(stack: LocalStack) -> None:
    for answer in (stack.get("/v1/nowhere"), requests.delete(stack.api + "/v1/accounts", timeout=10)):
        assert answer.status_code == 403
        assert answer.json() == MISSING_AUTHENTICATION_TOKEN


def test_local_stack_concurrent_registrations_of_one_email_make_one_account(stack: LocalStack) -> None:
    email = new_email()

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(
            pool.map(lambda _: stack.post("/v1/accounts", {"email": email, "company_name": "Race Ltd"}), range(8))
        )

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [201] + [429] * 7  # one unverified claim; the others would mail it again within its cooldown
    (registered,) = [answer.json() for answer in answers if answer.status_code == 201]
    assert stack.get(f"/v1/internal/accounts/{registered['account_id']}").status_code == 200
    assert len([mail for mail in stack.inbox() if email in mail["to"]]) <= 1
    instances = {line.split()[0] for line in stack.output if line.startswith("RegisterFunction#")}
    assert len(instances) > 1, "concurrent requests should run in parallel instances"


def test_local_stack_lambda_invoke_runs_cleanup_by_logical_id(stack: LocalStack) -> None:
    answer = stack.lambda_client().invoke(FunctionName="CleanupFunction", Payload=b"{}")

    assert answer["StatusCode"] == 200
    assert "FunctionError" not in answer
    assert json.loads(answer["Payload"].read()) == {"expired": 0, "remaining": False}


def test_local_stack_lambda_invoke_reports_a_handler_exception_as_function_error(stack: LocalStack) -> None:
    answer = stack.lambda_client().invoke(FunctionName="RegisterFunction", Payload=b'{"not": "an api event"}')

    assert answer["FunctionError"] == "Unhandled"
    assert "errorMessage" in json.loads(answer["Payload"].read())
    assert stack.get("/v1/openapi.json").status_code == 200  # and it keeps serving


def test_local_stack_lambda_invoke_unknown_function_is_not_found(stack: LocalStack) -> None:
    client = stack.lambda_client()

    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.invoke(FunctionName="NoSuchFunction", Payload=b"{}")


def test_local_stack_env_vars_override_and_fast_schedule_take_effect(tmp_path: Path) -> None:
    overrides = {
        "Parameters": {"INVITATION_TTL_SECONDS": "120", "NOT_IN_THE_TEMPLATE": "x"},
        "InternalFunction": {"INVITE_COOLDOWN_SECONDS": "0"},
        "NoSuchFunction": {"A": "b"},
    }
    stack = start_stack(tmp_path, overrides, "--schedule-rate-factor", "0.0005")
    try:
        email = new_email()
        answer = stack.post(
            "/v1/internal/accounts", {"company_name": "Short Ltd", "administrator_email": email, "created_via": "sales"}
        )
        expires = datetime.fromisoformat(answer.json()["invitation"]["expires_at"])
        assert 100 <= (expires - datetime.now(UTC)).total_seconds() <= 121
        account_id = answer.json()["account_id"]
        again = stack.post(f"/v1/internal/accounts/{account_id}/invitations", {"email": email})
        assert again.status_code == 201  # no cooldown for the internal function alone
        assert stack.post(f"/v1/accounts/{account_id}/join", {"email": email}).status_code == 202
        joined = stack.post(f"/v1/accounts/{account_id}/join", {"email": email})
        assert joined.status_code == 429  # the join function kept its 60-second cooldown
        notes = [line for line in stack.output if line.startswith("env-vars")]
        assert any("Parameters.NOT_IN_THE_TEMPLATE: not declared in the template, ignored" in line for line in notes)
        assert any("NoSuchFunction: no such function" in line for line in notes)
        stack.wait_for_line("schedule CleanupFunction.Hourly returned")
    finally:
        exit_code = stop_stack(stack)
    assert exit_code == 0, "".join(stack.output[-20:])  # Ctrl-C stops it cleanly
    assert group_ends(stack.process)
    assert "Traceback" not in "".join(stack.output)


def test_local_stack_tables_match_the_template_keys_indexes_and_ttl(stack: LocalStack) -> None:
    dynamodb = boto3.client(
        "dynamodb",
        endpoint_url=stack.aws_endpoint,
        region_name="eu-west-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    for logical_id, resource in template()["Resources"].items():
        if resource["Type"] != "AWS::DynamoDB::Table":
            continue
        declared = resource["Properties"]
        table = dynamodb.describe_table(TableName=logical_id)["Table"]
        ttl = dynamodb.describe_time_to_live(TableName=logical_id)["TimeToLiveDescription"]

        assert table["KeySchema"] == declared["KeySchema"]
        indexes = {index["IndexName"]: index for index in table.get("GlobalSecondaryIndexes", [])}
        for index in declared.get("GlobalSecondaryIndexes", []):
            assert indexes[index["IndexName"]]["KeySchema"] == index["KeySchema"]
            assert indexes[index["IndexName"]]["Projection"]["ProjectionType"] == index["Projection"]["ProjectionType"]
        assert ttl == {
            "TimeToLiveStatus": "ENABLED",
            "AttributeName": declared["TimeToLiveSpecification"]["AttributeName"],
        }


def test_local_stack_defaults_are_the_spec_ports_and_make_run_passes_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("API_PORT", "LAMBDA_PORT", "AWS_PORT", "ENV_VARS"):
        monkeypatch.delenv(name, raising=False)

    defaults = parse_arguments([])
    dry_run = subprocess.run(
        ["make", "-n", "run", "ENV_VARS=env.json", "API_PORT=8000"],  # noqa: S607 - make from PATH
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    assert (defaults.api_port, defaults.lambda_port, defaults.aws_port) == (3000, 3001, 5000)
    assert "-m local --env-vars env.json --api-port 8000" in dry_run


def test_local_stack_every_port_takes_a_burst_of_20_connections_while_busy(stack: LocalStack) -> None:
    ports = [int(url.rsplit(":", 1)[1]) for url in (stack.api, stack.lambda_endpoint, stack.aws_endpoint)]
    os.kill(stack.process.pid, signal.SIGSTOP)  # busy: no connection is accepted, all of them wait in the backlog
    try:
        connections = [socket.create_connection(("127.0.0.1", port), timeout=0.5) for port in ports for _ in range(20)]
    finally:
        os.kill(stack.process.pid, signal.SIGCONT)

    for connection in connections:
        with connection:
            connection.settimeout(10)
            connection.sendall(b"GET /v1/nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            assert connection.recv(16).startswith(b"HTTP/1.")


def test_local_stack_lambda_port_lists_and_describes_the_template_functions(stack: LocalStack) -> None:
    client = stack.lambda_client()

    listed = client.list_functions()["Functions"]
    join = client.get_function(FunctionName="JoinFunction")
    by_arn = client.get_function_configuration(FunctionName=listed[0]["FunctionArn"])

    assert [function["FunctionName"] for function in listed] == list(functions())
    configuration = join["Configuration"]
    assert configuration["Handler"] == "app.lambda_handler"
    assert configuration["Runtime"] == "python3.13"
    assert configuration["Architectures"] == ["arm64"]
    assert configuration["Timeout"] == 10
    assert configuration["Environment"]["Variables"]["INVITE_COOLDOWN_SECONDS"] == "60"
    assert configuration["Environment"]["Variables"]["ACCEPT_PAGE_URL"] == f"{stack.api}/invitations/accept"
    assert join["Code"]["Location"].endswith("/functions/join")
    assert by_arn["FunctionName"] == listed[0]["FunctionName"]


@pytest.mark.skipif(shutil.which("aws") is None, reason="needs the AWS CLI")
def test_local_stack_lambda_port_answers_the_aws_cli_with_dummy_credentials(stack: LocalStack) -> None:
    environment = {"PATH": os.environ["PATH"], "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}
    command = ["aws", "lambda", "list-functions", "--endpoint-url", stack.lambda_endpoint, "--region", "eu-west-1"]

    finished = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=60, check=False)  # noqa: S603

    assert finished.returncode == 0, finished.stderr
    assert {function["FunctionName"] for function in json.loads(finished.stdout)["Functions"]} == set(functions())


def test_local_stack_inbox_shows_each_email_time_recipient_and_link(stack: LocalStack) -> None:
    email = new_email()
    before = datetime.now(UTC).replace(microsecond=0)
    provision(stack, email)

    mail = stack.mail_to(email)
    page = stack.get("/_local/inbox").text

    assert before <= datetime.fromisoformat(mail["sent_at"]) <= datetime.now(UTC)
    assert mail["links"][0] == f"{stack.api}/invitations/accept#token={stack.last_token(email)}"
    assert f'to {email}, <time datetime="{mail["sent_at"]}">' in page


@pytest.mark.skipif(shutil.which("chromium") is None, reason="installing chromium needs the network")
def test_local_stack_make_browser_says_where_chromium_is() -> None:
    finished = subprocess.run(
        ["make", "--no-print-directory", "browser"],  # noqa: S607 - make from PATH
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert finished.stdout.splitlines() == [f"chromium is ready: {shutil.which('chromium')}; the browser test runs"]
