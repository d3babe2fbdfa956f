"""Racing requests through the handlers on threads, each in an execution environment of its own, as on Lambda."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from types import ModuleType
from typing import Any, ClassVar

from tests.support.api import Answer, routes
from tests.support.events import LambdaContext, api_event
from tools.functions import Function, load_module

WORKERS = 10


def _keep_requests_apart(app: Any) -> None:
    """Powertools puts the request it resolves on a class attribute (`current_event`, likewise the Lambda context),
    shared by every resolver in the process; threads racing different routes could then validate one request's body
    against the other's route. On Lambda one environment resolves one request at a time, so here each copy's
    resolver keeps its request on itself, where every read of `app.current_event` finds it first."""
    shared_resolve = app.resolve

    def resolve(event: dict[str, Any], context: Any) -> dict[str, Any]:
        app.current_event = app._to_proxy_event(event)
        app.lambda_context = context
        answer: dict[str, Any] = shared_resolve(event, context)
        return answer

    app.resolve = resolve


class ExecutionEnvironment:
    """One Lambda execution environment: its own copy of each handler module, as each environment has on Lambda.

    Powertools' resolver keeps the request being resolved in the module's `app` (`app.context`, cleared when a
    request ends), which is right on Lambda, where an environment serves one request at a time, but lets
    threads sharing one module answer with each other's route (a 202 route answering 200). So each racing
    thread gets an environment of its own; the layer package stays shared, as one process has it. Its
    Powertools logger and metrics are process-wide too: under threads a log line may carry another request's
    correlation id, and a metric may be flushed with another invocation's EMF line; no assertion here reads them.
    """

    _modules: ClassVar[dict[tuple[int, str], ModuleType]] = {}

    def __init__(self, number: int) -> None:
        self.number = number
        self._routes = routes()

    def load(self, function: Function) -> ModuleType:
        key = (self.number, function.logical_id)
        if key not in self._modules:
            module = load_module(f"function_{function.logical_id}_environment{self.number}", function.module_path)
            _keep_requests_apart(module.app)
            self._modules[key] = module
        return self._modules[key]

    def request(self, method: str, path: str, body: Any = None) -> Answer:
        for route in self._routes:
            match = route.pattern.match(path)
            if route.method == method and match:
                event = api_event(method, route.resource, path_parameters=match.groupdict(), body=body)
                handler = getattr(self.load(route.function), route.function.handler.rpartition(".")[2])
                raw = handler(event, LambdaContext(function_name=route.function.logical_id))
                headers = {name: values[-1] for name, values in (raw.get("multiValueHeaders") or {}).items()}
                headers |= raw.get("headers") or {}
                return Answer(raw["statusCode"], headers, json.loads(raw["body"]) if raw.get("body") else None)
        raise AssertionError(f"template.yaml has no route for {method} {path}")

    def post(self, path: str, body: Any) -> Answer:
        return self.request("POST", path, body)


def together[T](environments: list[ExecutionEnvironment], *calls: Callable[[ExecutionEnvironment], T]) -> list[T]:
    """Each call in an execution environment of its own, on WORKERS threads released at once by a barrier."""
    barrier = threading.Barrier(len(calls))

    def released(call: Callable[[ExecutionEnvironment], T], environment: ExecutionEnvironment) -> T:
        barrier.wait(timeout=10)
        return call(environment)

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = [
            pool.submit(released, call, environment)
            for call, environment in zip(calls, environments[: len(calls)], strict=True)
        ]
        return [future.result(timeout=60) for future in futures]


def outcomes(answers: list[Answer]) -> Counter[tuple[int, str | None]]:
    return Counter((answer.status, answer.code) for answer in answers)
