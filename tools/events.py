"""API Gateway REST proxy events as Lambda receives them, the sample events in events/, and a Lambda context."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.functions import functions

EVENTS = Path(__file__).resolve().parents[1] / "events"


def load_event(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))
    return event


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
    """A REST API proxy event for `resource` (with `{name}` placeholders filled from `path_parameters`).

    `raw_body` is sent as API Gateway sends bytes that are not UTF-8: base64, with `isBase64Encoded`.
    """
    path = resource.format(**(path_parameters or {}))
    sent = {"Content-Type": "application/json", "Host": "api.example.com", **(headers or {})}
    all_headers = {name: value for name, value in sent.items() if value is not None}  # None: not sent at all
    request_id = str(uuid.uuid4())
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": all_headers,
        "multiValueHeaders": {name: [value] for name, value in all_headers.items()},
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": {name: [value] for name, value in query.items()} if query else None,
        "pathParameters": path_parameters or None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource,
            "httpMethod": method,
            "path": f"/dev{path}",
            "stage": "dev",
            "requestId": request_id,
            "extendedRequestId": request_id,
            "accountId": "123456789012",
            "apiId": "testapi",
            "protocol": "HTTP/1.1",
            "identity": {"sourceIp": "203.0.113.10", "userAgent": "pytest"},
            "requestTimeEpoch": 1795669200000,
        },
        "body": base64.b64encode(raw_body).decode() if raw_body is not None else _text(body),
        "isBase64Encoded": raw_body is not None,
    }


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
