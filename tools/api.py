"""Calls the API as API Gateway would: the route is found in template.yaml, its function's handler gets the event."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tools.events import LambdaContext, api_event
from tools.functions import ApiRoute, Function, api_routes

Route = ApiRoute
routes = api_routes


@dataclass(frozen=True)
class Answer:
    """What a function answered: its status, its headers (the last value of each) and its body, parsed if JSON."""

    status: int
    headers: dict[str, str]
    body: Any

    @property
    def code(self) -> str | None:
        return self.body.get("code") if isinstance(self.body, dict) else None

    def header(self, name: str) -> str | None:
        """A response header, looked up case-insensitively as HTTP headers are."""
        return next((value for key, value in self.headers.items() if key.lower() == name.lower()), None)


def answer_of(raw: dict[str, Any]) -> Answer:
    """A function's proxy answer as the caller reads it: the last of each header, the body parsed when it is JSON."""
    headers = {name: values[-1] for name, values in (raw.get("multiValueHeaders") or {}).items()}
    headers |= raw.get("headers") or {}
    text = raw.get("body") or ""
    try:
        body = json.loads(text) if text else None
    except json.JSONDecodeError:
        body = text
    return Answer(status=raw["statusCode"], headers=headers, body=body)


def routed(method: str, path: str, **options: Any) -> tuple[Route, dict[str, Any]]:
    """The template's route for `method path` (the query string included), and the event API Gateway sends it."""
    path, _, query_string = path.partition("?")
    for route in routes():
        match = route.pattern.match(path)
        if route.method == method and match:
            query = dict(part.split("=", 1) for part in query_string.split("&")) if query_string else None
            return route, api_event(method, route.resource, path_parameters=match.groupdict(), query=query, **options)
    raise AssertionError(f"template.yaml has no route for {method} {path}")


class Api:
    """`api.post("/v1/accounts", body={...})` -> Answer, through the real handler of the template's function."""

    def __init__(self, check: Callable[[str, str, Answer], None] | None = None) -> None:
        self._check = check  # called with (method, resource, answer) for every answer

    def handler(self, function: Function) -> Callable[[dict[str, Any], Any], Any]:
        """The function's handler that answers: the one module per function that the process loads."""
        return function.entry_point()

    def request(self, method: str, path: str, **options: Any) -> Answer:
        """The route's function answers the event (and the check, if any, sees the answer)."""
        route, event = routed(method, path, **options)
        raw = self.handler(route.function)(event, LambdaContext(function_name=route.function.logical_id))
        answer = answer_of(raw)
        if self._check is not None:
            self._check(method, route.resource, answer)
        return answer

    def post(self, path: str, body: Any = None, **options: Any) -> Answer:
        return self.request("POST", path, body=body, **options)

    def get(self, path: str, **options: Any) -> Answer:
        return self.request("GET", path, **options)

    def delete(self, path: str, **options: Any) -> Answer:
        return self.request("DELETE", path, **options)
