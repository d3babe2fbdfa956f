"""Calls the API as API Gateway would: the route is found in template.yaml, its function's handler gets the event."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tools.events import LambdaContext, api_event
from tools.functions import ApiRoute, api_routes


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: Any

    @property
    def code(self) -> str | None:
        return self.body.get("code") if isinstance(self.body, dict) else None


Route = ApiRoute
routes = api_routes


class Api:
    """`api.post("/v1/accounts", body={...})` -> Answer, through the real handler of the template's function."""

    def __init__(self, check: Callable[[str, str, Answer], None] | None = None) -> None:
        self._routes = routes()
        self._check = check  # called with (method, resource, answer) for every answer

    def request(self, method: str, path: str, **options: Any) -> Answer:
        path, _, query_string = path.partition("?")
        for route in self._routes:
            match = route.pattern.match(path)
            if route.method == method and match:
                query = dict(part.split("=", 1) for part in query_string.split("&")) if query_string else None
                event = api_event(method, route.resource, path_parameters=match.groupdict(), query=query, **options)
                raw = route.function.entry_point()(event, LambdaContext(function_name=route.function.logical_id))
                answer = _answer(raw)
                if self._check is not None:
                    self._check(method, route.resource, answer)
                return answer
        raise AssertionError(f"template.yaml has no route for {method} {path}")

    def post(self, path: str, body: Any = None, **options: Any) -> Answer:
        return self.request("POST", path, body=body, **options)

    def get(self, path: str, **options: Any) -> Answer:
        return self.request("GET", path, **options)

    def delete(self, path: str, **options: Any) -> Answer:
        return self.request("DELETE", path, **options)


def _answer(raw: dict[str, Any]) -> Answer:
    headers = {name: values[-1] for name, values in (raw.get("multiValueHeaders") or {}).items()}
    headers |= raw.get("headers") or {}
    text = raw.get("body") or ""
    try:
        body = json.loads(text) if text else None
    except json.JSONDecodeError:
        body = text
    return Answer(status=raw["statusCode"], headers=headers, body=body)
