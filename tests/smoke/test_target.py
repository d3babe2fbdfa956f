"""How the smoke suite calls a deployed stack: internal routes signed with SigV4 for `execute-api`, public ones not."""

from __future__ import annotations

import io
import urllib.request
from typing import Any

import pytest

from tests.smoke.target import Target


class _Sent(io.BytesIO):
    status = 200
    headers = {"Content-Type": "application/json"}  # noqa: RUF012 - a fixed answer

    def __enter__(self) -> _Sent:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[urllib.request.Request]:
    """Every request the target would send, each answered `{}` without a network."""
    for name, value in {"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_SESSION_TOKEN", "session")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    requests: list[urllib.request.Request] = []

    def urlopen(request: urllib.request.Request, **_: Any) -> _Sent:
        requests.append(request)
        return _Sent(b"{}")

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    return requests


def test_target_signs_internal_routes_for_execute_api_in_its_region(sent: list[urllib.request.Request]) -> None:
    deployed = Target(api="https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod", region="eu-west-1")

    deployed.call("POST", "/v1/internal/accounts", {"company_name": "ACME"})

    headers = {name.lower(): value for name, value in sent[0].header_items()}
    assert headers["authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/eu-west-1/execute-api/aws4_request" in headers["authorization"]
    assert headers["x-amz-security-token"] == "session"
    assert sent[0].full_url == "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod/v1/internal/accounts"


def test_target_sends_public_routes_and_the_local_stacks_calls_unsigned(sent: list[urllib.request.Request]) -> None:
    deployed = Target(api="https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod", region="eu-west-1")
    local = Target(api="http://127.0.0.1:3000")

    deployed.call("POST", "/v1/accounts", {"email": "a@example.com"})
    local.call("GET", "/v1/internal/accounts/acc_1")

    assert all("authorization" not in {name.lower() for name, _ in request.header_items()} for request in sent)
