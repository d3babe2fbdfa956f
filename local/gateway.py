"""API Gateway on loopback: the template's Api routes, REST proxy events in, Lambda proxy answers out."""

from __future__ import annotations

import base64
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from werkzeug.serving import BaseWSGIServer
from werkzeug.wrappers import Request

from local.pools import FunctionPool
from local.serving import LoggedHandler, Reply, json_reply, loopback_server, request_body, wsgi
from tools.events import HttpRequest, proxy_event
from tools.functions import api_routes
from tools.template import Stack, with_globals

log = logging.getLogger("local")

# A page of the local stack itself (the inbox): (method, path) -> (status, content type, body) or None.
LocalPages = Callable[[str, str], "tuple[int, str, bytes] | None"]

FAVICON = Path(__file__).with_name("favicon.ico")
RAW_PATH, RAW_HEADERS = "local.raw_path", "local.raw_headers"  # the request line's path and headers, as sent
_CORS_HEADERS = {
    "AllowOrigin": "Access-Control-Allow-Origin",
    "AllowHeaders": "Access-Control-Allow-Headers",
    "AllowMethods": "Access-Control-Allow-Methods",
    "MaxAge": "Access-Control-Max-Age",
    "AllowCredentials": "Access-Control-Allow-Credentials",
}


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


def cors_preflight(stack: Stack) -> dict[str, str]:
    """The headers of API Gateway's answer to OPTIONS, from the `Cors` of the template's Api (values are quoted)."""
    apis = [with_globals(logical_id) for logical_id in stack.logical_ids("AWS::Serverless::Api")]
    declared = next((api["Cors"] for api in apis if "Cors" in api), None)
    if declared is None:
        return {}
    cors = stack.resolve(declared)
    cors = {"AllowOrigin": cors} if isinstance(cors, str) else cors
    return {_CORS_HEADERS[key]: str(value).strip("'") for key, value in cors.items() if key in _CORS_HEADERS}


_API_GATEWAY_DEFAULT_BODY = '{"message":$context.error.messageString}'  # its own, where the Api declares none


def missing_authentication_token(stack: Stack) -> tuple[bytes, dict[str, str]]:
    """What API Gateway (REST) answers an unknown route or method: 403 "Missing Authentication Token", in the shape
    of the template's DEFAULT_4XX gateway response where the Api declares one: the body and the headers."""
    apis = [with_globals(logical_id) for logical_id in stack.logical_ids("AWS::Serverless::Api")]
    declared = next((api["GatewayResponses"] for api in apis if "GatewayResponses" in api), {})
    default = stack.resolve(declared.get("MISSING_AUTHENTICATION_TOKEN") or declared.get("DEFAULT_4XX") or {})
    body = default.get("ResponseTemplates", {}).get("application/json", _API_GATEWAY_DEFAULT_BODY)
    rendered = body.replace("$context.error.responseType", "MISSING_AUTHENTICATION_TOKEN").replace(
        "$context.error.messageString", json.dumps("Missing Authentication Token")
    )
    headers = {
        name: str(value).strip("'") for name, value in default.get("ResponseParameters", {}).get("Headers", {}).items()
    }
    return rendered.encode(), {"Content-Type": "application/json", **headers}


class Gateway:
    """Matches a request to a route, builds the event, invokes the function and translates its answer."""

    def __init__(self, stack: Stack, pools: dict[str, FunctionPool], local_pages: LocalPages) -> None:
        self._routes = routes(pools)
        self._stage = stack.parameters.get("Stage", "dev")
        self._local_pages = local_pages
        self._preflight = cors_preflight(stack)
        self._unknown = missing_authentication_token(stack)

    def answer(self, request: Request) -> Reply:
        method, url = request.method, urlsplit(request.environ[RAW_PATH])
        if page := self._local_pages(method, url.path):
            return Reply(page[2], page[0], {"Content-Type": page[1]})
        matches = [(route, match) for route in self._routes if (match := route.pattern.match(url.path))]
        for route, match in matches:
            if route.method in (method, "ANY"):
                return self._invoke(request, route, match.groupdict())
        if method == "OPTIONS" and matches and self._preflight:
            allowed = {"Access-Control-Allow-Methods": ",".join(sorted({route.method for route, _ in matches}))}
            return Reply(b"", HTTPStatus.OK, {"Content-Type": "application/json", **allowed, **self._preflight})
        if method in ("GET", "HEAD") and url.path == "/favicon.ico" and not matches:
            # Browsers ask every host for it; a 403 would print a console error on the local pages.
            return Reply(FAVICON.read_bytes(), HTTPStatus.OK, {"Content-Type": "image/x-icon"})
        body, headers = self._unknown
        return Reply(body, HTTPStatus.FORBIDDEN, headers)  # what API Gateway answers every unknown route or method

    def _invoke(self, request: Request, route: Route, parameters: dict[str, str]) -> Reply:
        outcome = route.pool.invoke(self._event(request, route, parameters))
        if outcome.error is not None:
            return _bad_gateway()
        answer = outcome.result
        if not isinstance(answer, dict) or not isinstance(answer.get("statusCode"), int):
            log.warning("%s returned no Lambda proxy answer: %r", route.pool.logical_id, answer)
            return _bad_gateway()
        headers = {name: [str(value)] for name, value in (answer.get("headers") or {}).items()}
        for name, values in (answer.get("multiValueHeaders") or {}).items():
            headers[name] = [str(value) for value in values]
        body = answer.get("body") or ""
        payload = base64.b64decode(body) if answer.get("isBase64Encoded") else str(body).encode()
        try:
            return Reply(payload, answer["statusCode"], headers)
        except ValueError as error:  # a header value with a line break, which werkzeug refuses to send
            log.warning("%s answered a header that cannot be sent: %s", route.pool.logical_id, error)
            return _bad_gateway()

    def _event(self, request: Request, route: Route, parameters: dict[str, str]) -> dict[str, Any]:
        url, raw_body = urlsplit(request.environ[RAW_PATH]), request_body(request)
        try:
            body: str | bytes | None = raw_body.decode() if raw_body else None
        except UnicodeDecodeError:
            body = raw_body
        sent = HttpRequest(
            request.method,
            url.path,
            headers=request.environ[RAW_HEADERS],
            query=parse_qsl(url.query, keep_blank_values=True),
            body=body,
            source_ip=request.remote_addr or "127.0.0.1",
            protocol=request.environ["SERVER_PROTOCOL"],
        )
        return proxy_event(sent, route.resource, parameters, self._stage)


def _bad_gateway() -> Reply:
    """API Gateway's answer when the function raised or answered no proxy response."""
    return json_reply(HTTPStatus.BAD_GATEWAY, {"message": "Internal server error"})


class ApiHandler(LoggedHandler):
    name = "api"

    def make_environ(self) -> dict[str, Any]:
        # The request as sent: WSGI joins a repeated header with commas and decodes the path; API Gateway does not.
        environ = super().make_environ()
        environ[RAW_PATH], environ[RAW_HEADERS] = self.path, list(self.headers.items())
        return environ


def serve(gateway: Gateway, port: int) -> BaseWSGIServer:
    """The API's server, bound to 127.0.0.1:`port` (OSError if taken); `serve_forever` starts it."""
    return loopback_server(port, wsgi(gateway.answer), ApiHandler)
