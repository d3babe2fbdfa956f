"""API Gateway on loopback: the template's Api routes, REST proxy events in, Lambda proxy answers out."""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from local.pools import FunctionPool
from local.server import Handler, LoopbackServer
from tools.events import HttpRequest, proxy_event
from tools.functions import api_routes
from tools.template import Stack, with_globals

log = logging.getLogger("local")

# A page of the local stack itself (the inbox): (method, path) -> (status, content type, body) or None.
LocalPages = Callable[[str, str], "tuple[int, str, bytes] | None"]

FAVICON = Path(__file__).with_name("favicon.ico")
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


class Gateway:
    """Matches a request to a route, builds the event, invokes the function and translates its answer."""

    def __init__(self, stack: Stack, pools: dict[str, FunctionPool], local_pages: LocalPages) -> None:
        self._routes = routes(pools)
        self._stage = stack.parameters.get("Stage", "dev")
        self._local_pages = local_pages
        self._preflight = cors_preflight(stack)

    def handle(self, request: Handler) -> None:
        method, path = request.command, urlsplit(request.path).path
        if page := self._local_pages(method, path):
            request.answer(page[0], {"Content-Type": page[1]}, page[2])
            return
        matches = [(route, match) for route in self._routes if (match := route.pattern.match(path))]
        for route, match in matches:
            if route.method in (method, "ANY"):
                self._invoke(request, route, match.groupdict())
                return
        if method == "OPTIONS" and matches and self._preflight:
            allowed = {"Access-Control-Allow-Methods": ",".join(sorted({route.method for route, _ in matches}))}
            request.answer(HTTPStatus.OK, {"Content-Type": "application/json", **allowed, **self._preflight})
        elif method in ("GET", "HEAD") and path == "/favicon.ico" and not matches:
            # Browsers ask every host for it; a 403 would print a console error on the local pages.
            request.answer(HTTPStatus.OK, {"Content-Type": "image/x-icon"}, FAVICON.read_bytes())
        else:
            # API Gateway (REST) answers every unknown route or method like this, and so does sam local.
            request.answer_json(HTTPStatus.FORBIDDEN, {"message": "Missing Authentication Token"})

    def _invoke(self, request: Handler, route: Route, parameters: dict[str, str]) -> None:
        outcome = route.pool.invoke(self._event(request, route=route, parameters=parameters))
        if outcome.error is not None:
            request.answer_json(HTTPStatus.BAD_GATEWAY, {"message": "Internal server error"})
            return
        answer = outcome.result
        if not isinstance(answer, dict) or not isinstance(answer.get("statusCode"), int):
            log.warning("%s returned no Lambda proxy answer: %r", route.pool.logical_id, answer)
            request.answer_json(HTTPStatus.BAD_GATEWAY, {"message": "Internal server error"})
            return
        headers: dict[str, list[str]] = {name: [str(value)] for name, value in (answer.get("headers") or {}).items()}
        for name, values in (answer.get("multiValueHeaders") or {}).items():
            headers[name] = [str(value) for value in values]
        body = answer.get("body") or ""
        payload = base64.b64decode(body) if answer.get("isBase64Encoded") else str(body).encode()
        request.answer(answer["statusCode"], headers, payload)

    def _event(self, request: Handler, *, route: Route, parameters: dict[str, str]) -> dict[str, Any]:
        url, raw_body = urlsplit(request.path), request.body()
        try:
            body: str | bytes | None = raw_body.decode() if raw_body else None
        except UnicodeDecodeError:
            body = raw_body
        sent = HttpRequest(
            request.command,
            url.path,
            headers=list(request.headers.items()),
            query=parse_qsl(url.query, keep_blank_values=True),
            body=body,
            source_ip=request.client_address[0],
            protocol=request.request_version,
        )
        return proxy_event(sent, route.resource, parameters, self._stage)


def serve(gateway: Gateway, port: int) -> LoopbackServer:
    """The API's server, bound to 127.0.0.1:`port` (OSError if taken); `serve_forever` starts it."""

    class ApiHandler(Handler):
        name = "api"

        def respond(self) -> None:
            gateway.handle(self)

    return LoopbackServer(("127.0.0.1", port), ApiHandler)
