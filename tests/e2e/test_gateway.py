"""The local API Gateway: routing like API Gateway, proxy answers translated back, handler crashes as 502."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from local.cloudformation import Stack
from local.functions import Outcome
from local.gateway import Gateway, serve
from tools.functions import template


class ScriptedPool:
    """Stands in for a function: records events, answers what the test says."""

    def __init__(self, logical_id: str) -> None:
        self.logical_id = logical_id
        self.events: list[dict[str, Any]] = []
        self.outcome = Outcome(result={"statusCode": 200, "headers": {"X-One": "1"}, "body": '{"ok": true}'})

    def invoke(self, event: dict[str, Any]) -> Outcome:
        self.events.append(event)
        return self.outcome


@pytest.fixture
def pools() -> dict[str, ScriptedPool]:
    resources = template()["Resources"]
    return {name: ScriptedPool(name) for name, item in resources.items() if item["Type"] == "AWS::Serverless::Function"}


@pytest.fixture
def base_url(pools: dict[str, ScriptedPool]) -> Iterator[str]:
    stack = Stack(template(), "eu-west-1")
    server = serve(Gateway(stack, pools, lambda method, path: None), 0)  # type: ignore[arg-type]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


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
        assert answer.json() == {"message": "Missing Authentication Token"}
