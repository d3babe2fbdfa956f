"""The local API Gateway: routing, proxy answers, handler crashes as 502, and the edges of HTTP, like API Gateway."""

from __future__ import annotations

import json
import logging
import socket
import statistics
import struct
import threading
import time
from collections.abc import Callable, Iterator
from http.client import HTTPConnection, HTTPResponse
from typing import Any

import pytest
import requests

from local.gateway import Gateway, serve
from local.pools import Outcome
from local.serving import LoggedHandler
from tools.functions import template
from tools.template import Stack

# API Gateway's answer to an unknown route or method, in the shape of the template's DEFAULT_4XX response.
MISSING_AUTHENTICATION_TOKEN = {"code": "MISSING_AUTHENTICATION_TOKEN", "message": "Missing Authentication Token"}


class ScriptedPool:
    """Stands in for a function: records events, answers what the test says (once `release` is set, if given)."""

    def __init__(self, logical_id: str) -> None:
        self.logical_id = logical_id
        self.events: list[dict[str, Any]] = []
        self.outcome = Outcome(result={"statusCode": 200, "headers": {"X-One": "1"}, "body": '{"ok": true}'})
        self.invoked = threading.Event()
        self.release: threading.Event | None = None

    def invoke(self, event: dict[str, Any]) -> Outcome:
        self.events.append(event)
        self.invoked.set()
        if self.release is not None:
            self.release.wait(10)
        return self.outcome


class LogLines(logging.Handler):
    """The local stack's log lines, as they come."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self._logged = threading.Condition()

    def emit(self, record: logging.LogRecord) -> None:
        with self._logged:
            self.lines.append(record.getMessage())
            self._logged.notify_all()

    def wait_for(self, text: str, timeout: float = 5) -> list[str]:
        with self._logged:
            self._logged.wait_for(lambda: any(text in line for line in self.lines), timeout)
            return [line for line in self.lines if text in line]


@pytest.fixture
def pools() -> dict[str, ScriptedPool]:
    resources = template()["Resources"]
    return {name: ScriptedPool(name) for name, item in resources.items() if item["Type"] == "AWS::Serverless::Function"}


@pytest.fixture
def address(pools: dict[str, ScriptedPool]) -> Iterator[tuple[str, int]]:
    stack = Stack(template(), "eu-west-1")
    server = serve(Gateway(stack, pools, lambda method, path: None), 0)  # type: ignore[arg-type]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield "127.0.0.1", int(server.server_address[1])
    server.shutdown()
    server.server_close()


@pytest.fixture
def base_url(address: tuple[str, int]) -> str:
    return f"http://{address[0]}:{address[1]}"


@pytest.fixture
def log_lines() -> Iterator[LogLines]:
    handler, logger = LogLines(), logging.getLogger("local")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(logging.NOTSET)


def exchange(address: tuple[str, int], method: str, path: str, body: bytes | None = None) -> HTTPResponse:
    """One request on a new connection, with any method (http.client sends what it is given)."""
    connection = HTTPConnection(*address, timeout=5)
    connection.request(method, path, body=body)
    return connection.getresponse()


def test_gateway_builds_a_rest_proxy_event_with_path_query_and_headers(
    base_url: str, pools: dict[str, ScriptedPool]
) -> None:
    answer = requests.get(
        f"{base_url}/v1/internal/accounts/acc_1/invitations?status=pending&status=expired",
        headers={"X-Trace": "a"},
        timeout=5,
    )

    event = pools["InternalFunction"].events[-1]
    assert answer.status_code == 200
    assert answer.headers["X-One"] == "1"
    assert event["resource"] == "/v1/internal/accounts/{account_id}/invitations"
    assert event["pathParameters"] == {"account_id": "acc_1"}
    assert event["queryStringParameters"] == {"status": "expired"}
    assert event["multiValueQueryStringParameters"] == {"status": ["pending", "expired"]}
    assert event["headers"]["X-Trace"] == "a"
    assert event["requestContext"]["stage"] == "dev"
    assert event["requestContext"]["identity"]["sourceIp"] == "127.0.0.1"


def test_gateway_handler_crash_answers_502_and_keeps_serving(base_url: str, pools: dict[str, ScriptedPool]) -> None:
    pools["ResendFunction"].outcome = Outcome(error={"errorMessage": "boom", "errorType": "RuntimeError"})

    crashed = requests.post(f"{base_url}/v1/invitations/resend", json={}, timeout=5)
    served = requests.get(f"{base_url}/v1/openapi.json", timeout=5)

    assert crashed.status_code == 502
    assert crashed.json() == {"message": "Internal server error"}
    assert served.status_code == 200


def test_gateway_answer_that_is_not_a_proxy_response_is_502(base_url: str, pools: dict[str, ScriptedPool]) -> None:
    pools["ResendFunction"].outcome = Outcome(result="just a string")

    assert requests.post(f"{base_url}/v1/invitations/resend", json={}, timeout=5).status_code == 502


def test_gateway_unknown_route_or_method_is_403_missing_authentication_token(base_url: str) -> None:
    for method, path in (("GET", "/v1/nowhere"), ("PUT", "/v1/accounts"), ("GET", "/")):
        answer = requests.request(method, base_url + path, timeout=5)
        assert answer.status_code == 403
        assert answer.json() == MISSING_AUTHENTICATION_TOKEN
        assert answer.headers["Access-Control-Allow-Origin"] == Stack(template(), "eu-west-1").ref("PortalOrigin")


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "PROPFIND", "BREW"])
def test_gateway_unrouted_method_is_403_json_not_an_html_page(address: tuple[str, int], method: str) -> None:
    answer = exchange(address, method, "/v1/accounts")

    assert answer.status == 403
    assert answer.getheader("Content-Type") == "application/json"
    assert json.loads(answer.read()) == MISSING_AUTHENTICATION_TOKEN


def test_gateway_options_on_a_route_answers_the_template_cors_preflight(address: tuple[str, int]) -> None:
    answer = exchange(address, "OPTIONS", "/v1/accounts/acc_1/join")

    assert answer.status == 200
    assert answer.read() == b""
    # The Cors of template.yaml's Api, with PortalOrigin's default.
    assert answer.getheader("Access-Control-Allow-Origin") == "https://account.example.com"
    assert answer.getheader("Access-Control-Allow-Headers") == "Content-Type,Idempotency-Key"
    assert answer.getheader("Access-Control-Allow-Methods") == "GET,POST,OPTIONS"
    assert answer.getheader("Access-Control-Max-Age") == "600"


def test_gateway_options_on_an_unknown_path_is_403(address: tuple[str, int]) -> None:
    assert exchange(address, "OPTIONS", "/v1/nowhere").status == 403


def test_gateway_favicon_is_a_small_icon_so_pages_log_no_error(address: tuple[str, int]) -> None:
    answer = exchange(address, "GET", "/favicon.ico")

    assert answer.status == 200
    assert answer.getheader("Content-Type") == "image/x-icon"
    assert answer.read().startswith(b"\x00\x00\x01\x00")  # an ICO file's header


def test_gateway_unread_body_of_an_unrouted_request_does_not_spoil_the_connection(address: tuple[str, int]) -> None:
    connection = HTTPConnection(*address, timeout=5)
    connection.request("POST", "/v1/nowhere", body=b"0123456789")
    refused = connection.getresponse()
    refused.read()
    connection.request("GET", "/v1/openapi.json")

    assert refused.status == 403
    assert connection.getresponse().status == 200


def test_gateway_request_on_a_reused_connection_is_as_quick_as_a_fresh_one(address: tuple[str, int]) -> None:
    def seconds(connection: HTTPConnection) -> float:
        started = time.perf_counter()
        connection.request("GET", "/v1/openapi.json")
        connection.getresponse().read()
        return time.perf_counter() - started

    fresh = statistics.median(seconds(HTTPConnection(*address, timeout=5)) for _ in range(15))
    kept_alive = HTTPConnection(*address, timeout=5)
    seconds(kept_alive)
    again = statistics.median(seconds(kept_alive) for _ in range(15))

    # Headers and body written apart stall an answer for a delayed ACK (~40 ms, 20x a fresh one) without TCP_NODELAY;
    # werkzeug closes each connection after its answer, and http.client opens the next one itself.
    assert again < 3 * fresh, f"reused {again * 1000:.1f} ms, fresh {fresh * 1000:.1f} ms"


def test_gateway_client_gone_before_the_answer_is_one_log_line_not_a_traceback(
    address: tuple[str, int], pools: dict[str, ScriptedPool], log_lines: LogLines, capsys: pytest.CaptureFixture[str]
) -> None:
    resend = pools["ResendFunction"]
    resend.release = threading.Event()
    client = socket.create_connection(address, timeout=5)
    client.sendall(b"POST /v1/invitations/resend HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
    assert resend.invoked.wait(5)

    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # leave with a reset
    client.close()
    resend.release.set()

    lines = log_lines.wait_for("client disconnected")
    assert len(lines) == 1
    assert lines[0].startswith("api POST /v1/invitations/resend -> client disconnected (")
    assert "Traceback" not in capsys.readouterr().err


def test_gateway_half_sent_requests_give_their_threads_back_after_the_read_timeout(
    address: tuple[str, int], pools: dict[str, ScriptedPool], log_lines: LogLines, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(LoggedHandler, "timeout", 0.5)
    threads = threading.active_count()
    partial = (
        b"POST /v1/accounts HTTP/1.1\r\nHost: x\r\n",
        b"POST /v1/accounts HTTP/1.1\r\nContent-Length: 9\r\n\r\n{",
    )
    stalled = [socket.create_connection(address, timeout=5) for _ in range(40)]
    for number, connection in enumerate(stalled):
        connection.sendall(partial[number % 2])  # headers, or the body, never finished
    assert wait_until(lambda: threading.active_count() >= threads + 40), "each connection holds a thread"

    closed = [connection.recv(1024) for connection in stalled]  # b"": the server gave up on it

    assert closed == [b""] * 40
    assert wait_until(lambda: threading.active_count() <= threads + 1), threading.active_count()
    assert pools["RegisterFunction"].events == []  # nothing half-sent reached the function
    assert log_lines.wait_for("-> timed out: no whole request in 0.5 s")
    assert exchange(address, "GET", "/v1/openapi.json").status == 200


@pytest.mark.parametrize(
    ("request_line", "status"),
    [(b"GET / one-word-too-many HTTP/1.1", 400), (b"GET /" + b"a" * 70_000 + b" HTTP/1.1", 414)],
    ids=["malformed", "overlong URL"],
)
def test_gateway_request_the_server_refuses_itself_is_json(
    address: tuple[str, int], request_line: bytes, status: int
) -> None:
    with socket.create_connection(address, timeout=5) as client:
        client.sendall(request_line + b"\r\nHost: x\r\n\r\n")
        answer = HTTPResponse(client)
        answer.begin()

        assert answer.status == status
        assert answer.getheader("Content-Type") == "application/json"
        assert set(json.loads(answer.read())) == {"message"}


def wait_until(condition: Callable[[], bool], timeout: float = 5) -> bool:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)  # threads and connections end on their own: poll
    return condition()
