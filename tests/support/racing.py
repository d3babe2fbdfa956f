"""Racing requests through the handlers on threads, each in an execution environment of its own, as on Lambda."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from types import ModuleType
from typing import Any, ClassVar

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from business_accounts.adapters.wiring import dynamodb_client
from business_accounts.web.http import json_object, read_request
from tests.support.api import Answer, Api, StreamOf
from tools.functions import Function, load_module

WORKERS = 10


def _keep_requests_apart(app: Any) -> None:
    """Powertools puts the request it resolves on a class attribute (`current_event`, likewise the Lambda context),
    shared by every resolver in the process; threads racing different routes could then validate one request's body
    against the other's route. On Lambda one environment resolves one request at a time, so here each copy's
    resolver keeps its request on itself, where every read of `app.current_event` finds it first.

    The request is read as the service's resolver reads it (http.py's `ApiResolver`: the event under the body rule,
    `read_request`, its JSON read by `json_object`), built from those public names rather than through Powertools'
    private conversion.
    """
    shared_resolve = app.resolve

    def resolve(event: dict[str, Any], context: Any) -> dict[str, Any]:
        app.current_event = APIGatewayProxyEvent(dict(read_request(event)), json_object)
        app.lambda_context = context
        answer: dict[str, Any] = shared_resolve(event, context)
        return answer

    app.resolve = resolve


class ExecutionEnvironment(Api):
    """One Lambda execution environment: its own copy of each handler module, as each environment has on Lambda.

    Powertools' resolver keeps the request being resolved in the module's `app` (`app.context`, cleared when a
    request ends), which is right on Lambda, where an environment serves one request at a time, but lets
    threads sharing one module answer with each other's route (a 202 route answering 200). So each racing
    thread gets an environment of its own; the layer package stays shared, as one process has it. Its
    Powertools logger and metrics are process-wide too: under threads a log line may carry another request's
    correlation id, and a metric may be flushed with another invocation's EMF line; no assertion here reads them.
    Requests are routed and answered as `Api` does them; only the handler comes from this environment's copy.
    """

    _modules: ClassVar[dict[tuple[int, str], ModuleType]] = {}

    def __init__(self, number: int, stream: StreamOf) -> None:
        super().__init__(drain=False, stream=stream)  # one reader of the stream for all, drained by `together`
        self.number = number

    def load(self, function: Function) -> ModuleType:
        key = (self.number, function.logical_id)
        if key not in self._modules:
            module = load_module(f"function_{function.logical_id}_environment{self.number}", function.module_path)
            _keep_requests_apart(module.app)
            self._modules[key] = module
        return self._modules[key]

    def handler(self, function: Function) -> Callable[[dict[str, Any], Any], Any]:
        """The function's handler in this environment's own copy of its module."""
        found: Callable[[dict[str, Any], Any], Any] = getattr(self.load(function), function.handler.rpartition(".")[2])
        return found


def together[T](environments: list[ExecutionEnvironment], *calls: Callable[[ExecutionEnvironment], T]) -> list[T]:
    """Each call in an execution environment of its own, on WORKERS threads released at once by a barrier; then the
    stream is drained, once for all of them."""
    barrier = threading.Barrier(len(calls))

    def released(call: Callable[[ExecutionEnvironment], T], environment: ExecutionEnvironment) -> T:
        barrier.wait(timeout=10)
        return call(environment)

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = [
            pool.submit(released, call, environment)
            for call, environment in zip(calls, environments[: len(calls)], strict=True)
        ]
        answers = [future.result(timeout=60) for future in futures]
    environments[0].stream.drain()  # the emails and events of every answer, as after each request of `Api`
    return answers


def outcomes(answers: list[Answer]) -> Counter[tuple[int, str | None]]:
    """How many answers had each (status, code): `{(201, None): 1, (409, "ALREADY_REGISTERED"): 9}`."""
    return Counter((answer.status, answer.code) for answer in answers)


class HeldTransaction:
    """Holds one request's first DynamoDB transaction until released: forces "it reads, another request commits,
    it writes", the interleaving where only the conditions of the transaction keep the email in one account."""

    def __init__(self) -> None:
        self._local = threading.local()
        self.reached = threading.Event()
        self.release = threading.Event()
        dynamodb_client().meta.events.register("before-call.dynamodb.TransactWriteItems", self._hold)

    def _hold(self, **_: Any) -> None:
        if getattr(self._local, "holding", False):
            self._local.holding = False  # only the first: a retry after the conflict goes straight through
            self.reached.set()
            assert self.release.wait(timeout=10)

    def held(self, call: Callable[[ExecutionEnvironment], Answer]) -> Callable[[ExecutionEnvironment], Answer]:
        """`call`, whose first transaction waits until the `meanwhile` request has answered."""

        def run(lambda_env: ExecutionEnvironment) -> Answer:
            self._local.holding = True
            return call(lambda_env)

        return run

    def meanwhile(self, call: Callable[[ExecutionEnvironment], Answer]) -> Callable[[ExecutionEnvironment], Answer]:
        """`call`, made once the held request has read and reached its transaction; then the held one goes on."""

        def run(lambda_env: ExecutionEnvironment) -> Answer:
            assert self.reached.wait(timeout=10), "the held request never reached its transaction"
            try:
                return call(lambda_env)
            finally:
                self.release.set()

        return run
