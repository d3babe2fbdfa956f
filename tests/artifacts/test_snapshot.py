"""SnapStart, simulated on the build: a handler imported and snapshotted once, then restored twice (forked copies),
each serving one request on moto. The copies share no id, token or random draw, and the first request after a
restore makes the AWS calls it needs and nothing else: no client made, no file read, no credential fetched."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest

from tools.events import api_event
from tools.functions import ROOT
from tools.instances import NOWHERE, lambda_environment
from tools.template import REGION, Stack

INSTANCE = ROOT / "tools" / "snapshot_instance.py"
TOKEN = "container-credentials-token"
# Provisioning makes an account id, an invitation id and a token: what two restored copies must never share.
# The email is the outbox's, after the answer: the request reads, mints its token and writes.
PROVISION_CALLS = {"Query": 1, "GenerateMac": 1, "TransactWriteItems": 1}


class ContainerCredentials(ThreadingHTTPServer):
    """Lambda's credentials endpoint as SnapStart uses it (AWS_CONTAINER_CREDENTIALS_FULL_URI), on loopback. It
    hands out credentials that expire in `lifetime`, and counts how often it was asked."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Answer)
        self.lifetime = timedelta(minutes=5)  # the snapshot's, due to expire by the time a copy is restored
        self.fetches = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/credentials"


class _Answer(BaseHTTPRequestHandler):
    server: ContainerCredentials

    def do_GET(self) -> None:
        assert self.headers["Authorization"] == TOKEN
        self.server.fetches += 1
        expires = datetime.now(UTC) + self.server.lifetime
        body = json.dumps(
            {
                "AccessKeyId": f"ASIA{self.server.fetches:016d}",
                "SecretAccessKey": "secret",
                "Token": "session",
                "Expiration": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def credentials() -> Iterator[ContainerCredentials]:
    server = ContainerCredentials()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _restored(
    host_build: Path, aws: str, credentials: ContainerCredentials, function: str, events: list[dict[str, Any]]
) -> tuple[int, list[dict[str, Any]]]:
    """`function` snapshotted, then restored once per event: the credentials fetched by the time of the snapshot,
    and what each restored copy did with its event."""
    environment = lambda_environment(function, aws_endpoint=aws)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):  # none under SnapStart
        environment.pop(name, None)
    environment |= {"AWS_CONTAINER_CREDENTIALS_FULL_URI": credentials.url, "AWS_CONTAINER_AUTHORIZATION_TOKEN": TOKEN}
    command = [sys.executable, "-I", "-S", "-B", str(INSTANCE), "invoke", str(host_build / function)]
    instance = subprocess.Popen(  # noqa: S603 - our own instance runner on build output
        [*command, str(host_build / "SharedLayer" / "python")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
    )
    assert instance.stdin is not None
    assert instance.stdout is not None
    assert json.loads(instance.stdout.readline().removeprefix("BENCH "))["end"] == "snapshot"
    fetched_before_snapshot = credentials.fetches
    credentials.lifetime = timedelta(hours=6)  # time passes: the endpoint now hands out the credentials of the day
    instance.stdin.write("".join(json.dumps(event) + "\n" for event in events))
    instance.stdin.close()
    restored = [json.loads(line.removeprefix("BENCH ")) for line in instance.stdout if line.startswith("BENCH ")]
    stderr = instance.stderr.read() if instance.stderr else ""
    assert instance.wait(timeout=60) == 0, stderr[-3000:]
    assert len(restored) == len(events), stderr[-3000:]
    return fetched_before_snapshot, restored


def _provision(email: str) -> dict[str, Any]:
    body = {"company_name": "Restored Ltd", "administrator_email": email, "created_via": "sales"}
    return api_event("POST", "/v1/internal/accounts", body=body)


def _invitations(endpoint: str) -> list[dict[str, Any]]:
    dynamodb = boto3.client(
        "dynamodb", endpoint_url=endpoint, region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"
    )
    items: list[dict[str, Any]] = dynamodb.scan(TableName=Stack().physical_name("InvitationsTable"))["Items"]
    return items


def test_two_restored_copies_share_no_id_token_or_random_draw_and_fetch_nothing_for_their_first_request(
    host_build: Path, aws_on_loopback: str, credentials: ContainerCredentials
) -> None:
    emails = ["first-copy@example.com", "second-copy@example.com"]

    fetched_before_snapshot, copies = _restored(
        host_build, aws_on_loopback, credentials, "InternalFunction", [_provision(email) for email in emails]
    )

    answers = [json.loads(copy["answer"]["body"]) for copy in copies]
    assert [copy["answer"]["statusCode"] for copy in copies] == [201, 201], answers
    account_ids = {answer["account_id"] for answer in answers}
    invitation_ids = {answer["invitation"]["invitation_id"] for answer in answers}
    tokens = {item["token_hash"]["S"] for item in _invitations(aws_on_loopback)}  # each minted from its own id
    assert len(account_ids) == len(invitation_ids) == len(tokens) == 2
    assert copies[0]["random"] != copies[1]["random"]  # the snapshot's `random` state, reseeded in each copy
    aws_port = urlsplit(aws_on_loopback).port
    for copy in copies:
        assert copy["calls"] == PROVISION_CALLS
        assert copy["clients_created"] == 0
        assert copy["opened"] == []  # no model, endpoint rule, catalog or template read from disk
        assert {port for _host, port in copy["connected"]} == {aws_port}  # AWS, and never the credentials endpoint
    # The snapshot's credentials were about to expire (here already at init, so the warm-up refreshed them too): each
    # copy's after-restore hook fetched new ones, once, and no request waited for them.
    assert fetched_before_snapshot >= 1
    assert credentials.fetches - fetched_before_snapshot == len(copies)


def test_a_restored_page_function_answers_without_the_sdk(host_build: Path, credentials: ContainerCredentials) -> None:
    page = api_event("GET", "/invitations/accept", headers={"Accept-Language": "de"})

    _fetched, [copy] = _restored(host_build, NOWHERE, credentials, "AcceptPageFunction", [page])

    assert copy["answer"]["statusCode"] == 200
    assert "calls" not in copy  # it never imported the wiring, so boto3 stayed out of its snapshot
    assert credentials.fetches == 0
