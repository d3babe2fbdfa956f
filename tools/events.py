"""API Gateway REST proxy events as Lambda receives them, built in one place for the local gateway and the tests;
the sample events in events/, and a Lambda context."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.functions import functions
from tools.template import ACCOUNT_ID

EVENTS = Path(__file__).resolve().parents[1] / "events"
Pairs = Sequence[tuple[str, str]]  # headers or query parameters in the order they came, a name once per value


def load_event(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))
    return event


@dataclass(frozen=True)
class HttpRequest:
    """An HTTP request as it reaches API Gateway. A `str` body is text; `bytes` go base64, as API Gateway sends
    bytes that are not UTF-8."""

    method: str
    path: str
    headers: Pairs = ()
    query: Pairs = ()
    body: str | bytes | None = None
    source_ip: str = "203.0.113.10"
    protocol: str = "HTTP/1.1"
    received_ms: int = field(default_factory=lambda: int(time.time() * 1000))


def _grouped(pairs: Pairs) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    return grouped


def proxy_event(
    request: HttpRequest, resource: str, path_parameters: Mapping[str, str], stage: str = "dev"
) -> dict[str, Any]:
    """The REST API proxy event of `request` for the route `resource`: what the function's handler receives."""
    headers, query = _grouped(request.headers), _grouped(request.query)
    last_header = {name: values[-1] for name, values in headers.items()}
    request_id = str(uuid.uuid4())
    domain = last_header.get("Host", "127.0.0.1")
    return {
        "resource": resource,
        "path": request.path,
        "httpMethod": request.method,
        "headers": last_header,
        "multiValueHeaders": headers,
        "queryStringParameters": {name: values[-1] for name, values in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": dict(path_parameters) or None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": "local",
            "resourcePath": resource,
            "httpMethod": request.method,
            "extendedRequestId": request_id,
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(request.received_ms / 1000)),
            "path": f"/{stage}{request.path}",
            "accountId": ACCOUNT_ID,
            "protocol": request.protocol,
            "stage": stage,
            "domainPrefix": domain.split(".", 1)[0],
            "requestTimeEpoch": request.received_ms,
            "requestId": request_id,
            "identity": {"sourceIp": request.source_ip, "userAgent": last_header.get("User-Agent")},
            "domainName": domain,
            "apiId": "local",
        },
        "body": base64.b64encode(request.body).decode() if isinstance(request.body, bytes) else request.body,
        "isBase64Encoded": isinstance(request.body, bytes),
    }


def api_event(
    method: str,
    resource: str,
    *,
    body: Any = None,
    path_parameters: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    headers: dict[str, str | None] | None = None,
    raw_body: bytes | None = None,
) -> dict[str, Any]:
    """The event of a test client's request to `resource` (`{name}` placeholders filled from `path_parameters`):
    a JSON body (or `raw_body`, bytes as they are) with JSON's Content-Type (a header given as None: none), at a
    fixed time."""
    sent = {"Content-Type": "application/json", "Host": "api.example.com", **(headers or {})}
    request = HttpRequest(
        method,
        resource.format(**(path_parameters or {})),
        headers=[(name, value) for name, value in sent.items() if value is not None],  # None: not sent at all
        query=list((query or {}).items()),
        body=raw_body if raw_body is not None else _text(body),
        received_ms=1795669200000,
    )
    return proxy_event(request, resource, path_parameters or {})


def _text(body: Any) -> str | None:
    return body if body is None or isinstance(body, str) else json.dumps(body)


@dataclass
class LambdaContext:
    function_name: str = "test-function"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:eu-west-1:123456789012:function:test-function"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "/aws/lambda/test-function"
    log_stream_name: str = "test"

    def get_remaining_time_in_millis(self) -> int:
        """As at the start of an invocation: the whole of the template's Timeout for this function (10 s if unknown)."""
        function = functions().get(self.function_name)
        return (function.timeout_seconds if function else 10) * 1000
