"""API Gateway on loopback: the template's Api routes, REST proxy events in, Lambda proxy answers out."""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from local.cloudformation import Stack
from local.functions import FunctionPool
from tools.functions import api_routes

# A page of the local stack itself (the inbox): (method, path) -> (status, content type, body) or None.
LocalPages = Callable[[str, str], "tuple[int, str, bytes] | None"]


@dataclass(frozen=True)
class Route:
    """A template route and the pool of the function behind it."""

    method: str
    resource: str
    pattern: re.Pattern[str]
    pool: FunctionPool


def routes(pools: dict[str, FunctionPool]) -> list[Route]:
    return [
        Route(route.method, route.resource, route.pattern, pools[route.function.logical_id])
        for route in api_routes()
        if route.function.logical_id in pools
    ]


class Gateway:
    """Matches a request to a route, builds the event, invokes the function and translates its answer."""

    def __init__(self, stack: Stack, pools: dict[str, FunctionPool], local_pages: LocalPages) -> None:
        self._routes = routes(pools)
        self._stage = stack.parameters.get("Stage", "dev")
        self._local_pages = local_pages

    def handle(self, request: BaseHTTPRequestHandler, method: str) -> None:
        url = urlsplit(request.path)
        page = self._local_pages(method, url.path)
        if page is not None:
            _send(request, page[0], {"Content-Type": page[1]}, page[2])
            return
        matched = [(route, route.pattern.match(url.path)) for route in self._routes]
        for route, match in matched:
            if match and route.method in (method, "ANY"):
                self._invoke(request, method, route, match.groupdict(), url.query)
                return
        # API Gateway (REST) answers every unknown route or method like this, and so does sam local.
        _send_json(request, HTTPStatus.FORBIDDEN, {"message": "Missing Authentication Token"})

    def _invoke(
        self, request: BaseHTTPRequestHandler, method: str, route: Route, parameters: dict[str, str], query: str
    ) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        raw_body = request.rfile.read(length) if length else b""
        event = self._event(request, method=method, route=route, parameters=parameters, query=query, raw_body=raw_body)
        outcome = route.pool.invoke(event)
        if outcome.error is not None:
            _send_json(request, HTTPStatus.BAD_GATEWAY, {"message": "Internal server error"})
            return
        answer = outcome.result
        if not isinstance(answer, dict) or not isinstance(answer.get("statusCode"), int):
            request.log_error("%s returned no Lambda proxy answer: %r", route.pool.logical_id, answer)
            _send_json(request, HTTPStatus.BAD_GATEWAY, {"message": "Internal server error"})
            return
        headers: dict[str, list[str]] = {name: [str(value)] for name, value in (answer.get("headers") or {}).items()}
        for name, values in (answer.get("multiValueHeaders") or {}).items():
            headers[name] = [str(value) for value in values]
        body = answer.get("body") or ""
        payload = base64.b64decode(body) if answer.get("isBase64Encoded") else str(body).encode()
        _send(request, answer["statusCode"], headers, b"" if method == "HEAD" else payload)

    def _event(
        self,
        request: BaseHTTPRequestHandler,
        *,
        method: str,
        route: Route,
        parameters: dict[str, str],
        query: str,
        raw_body: bytes,
    ) -> dict[str, Any]:
        multi_headers: dict[str, list[str]] = {}
        for name, value in request.headers.items():
            multi_headers.setdefault(name, []).append(value)
        multi_query: dict[str, list[str]] = {}
        for name, value in parse_qsl(query, keep_blank_values=True):
            multi_query.setdefault(name, []).append(value)
        try:
            body: str | None = raw_body.decode() if raw_body else None
            encoded = False
        except UnicodeDecodeError:
            body, encoded = base64.b64encode(raw_body).decode(), True
        request_id = str(uuid.uuid4())
        path = urlsplit(request.path).path
        return {
            "resource": route.resource,
            "path": path,
            "httpMethod": method,
            "headers": {name: values[-1] for name, values in multi_headers.items()},
            "multiValueHeaders": multi_headers,
            "queryStringParameters": {name: values[-1] for name, values in multi_query.items()} or None,
            "multiValueQueryStringParameters": multi_query or None,
            "pathParameters": parameters or None,
            "stageVariables": None,
            "requestContext": {
                "resourceId": "local",
                "resourcePath": route.resource,
                "httpMethod": method,
                "extendedRequestId": request_id,
                "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
                "path": f"/{self._stage}{path}",
                "accountId": "123456789012",
                "protocol": request.request_version,
                "stage": self._stage,
                "domainPrefix": "127",
                "requestTimeEpoch": int(time.time() * 1000),
                "requestId": request_id,
                "identity": {"sourceIp": request.client_address[0], "userAgent": request.headers.get("User-Agent")},
                "domainName": request.headers.get("Host", "127.0.0.1"),
                "apiId": "local",
            },
            "body": body,
            "isBase64Encoded": encoded,
        }


def _send(request: BaseHTTPRequestHandler, status: int, headers: dict[str, Any], body: bytes) -> None:
    request.send_response(status)
    for name, values in headers.items():
        for value in values if isinstance(values, list) else [values]:
            request.send_header(name, str(value))
    if not any(name.lower() == "content-length" for name in headers):
        request.send_header("Content-Length", str(len(body)))
    request.end_headers()
    if body:
        request.wfile.write(body)


def _send_json(request: BaseHTTPRequestHandler, status: int, body: dict[str, Any]) -> None:
    _send(request, status, {"Content-Type": "application/json"}, json.dumps(body).encode())


def serve(gateway: Gateway, port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            gateway.handle(self, "GET")

        def do_HEAD(self) -> None:
            gateway.handle(self, "HEAD")

        def do_POST(self) -> None:
            gateway.handle(self, "POST")

        def do_PUT(self) -> None:
            gateway.handle(self, "PUT")

        def do_PATCH(self) -> None:
            gateway.handle(self, "PATCH")

        def do_DELETE(self) -> None:
            gateway.handle(self, "DELETE")

        def do_OPTIONS(self) -> None:
            gateway.handle(self, "OPTIONS")

        def log_message(self, format: str, *args: Any) -> None:
            print(f"api {self.command} {self.path} -> {args[1] if len(args) > 1 else ''}", flush=True)

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    return server
