"""Lambda's API on loopback, as `sam local start-lambda` offers it: Invoke by logical ID, ListFunctions, GetFunction."""

from __future__ import annotations

import json
import re
import threading
import time
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from local.pools import FunctionPool
from local.server import Handler, LoopbackServer
from tools.functions import functions
from tools.template import ACCOUNT_ID

_INVOKE = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/invocations$")
_FUNCTIONS = re.compile(r"^/2015-03-31/functions/?$")
_FUNCTION = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)(?P<configuration>/configuration)?$")
_EXECUTED = {"X-Amz-Executed-Version": "$LATEST"}


def configuration(pool: FunctionPool, last_modified: str) -> dict[str, Any]:
    """The function as GetFunctionConfiguration describes it: what the template declares, as it runs here."""
    function = functions()[pool.logical_id]
    return {
        "FunctionName": pool.logical_id,
        "FunctionArn": pool.spec.function_arn,
        "Runtime": function.runtime,
        "Role": f"arn:aws:iam::{ACCOUNT_ID}:role/{pool.logical_id}Role",
        "Handler": pool.spec.handler,
        "CodeSize": 0,
        "Description": function.settings.get("Description", ""),
        "Timeout": pool.spec.timeout_seconds,
        "MemorySize": pool.spec.memory_mb,
        "LastModified": last_modified,
        "CodeSha256": "",
        "Version": "$LATEST",
        "Environment": {"Variables": {name: pool.spec.environment[name] for name in function.variables}},
        "TracingConfig": {"Mode": function.tracing},
        "State": "Active",
        "LastUpdateStatus": "Successful",
        "PackageType": "Zip",
        "Architectures": function.architectures,
    }


def serve(pools: dict[str, FunctionPool], port: int) -> LoopbackServer:
    """Lambda's server, bound to 127.0.0.1:`port` (OSError if taken); `serve_forever` starts it."""
    last_modified = time.strftime("%Y-%m-%dT%H:%M:%S.000+0000", time.gmtime())

    class LambdaHandler(Handler):
        name = "lambda"

        def respond(self) -> None:
            path = urlsplit(self.path).path
            if self.command == "POST" and (match := _INVOKE.match(path)):
                self._invoke(match["name"])
            elif self.command == "GET" and _FUNCTIONS.match(path):
                listed = [configuration(pool, last_modified) for pool in pools.values()]
                self.answer_json(HTTPStatus.OK, {"Functions": listed})
            elif self.command == "GET" and (match := _FUNCTION.match(path)):
                if pool := self._pool(match["name"]):
                    found = configuration(pool, last_modified)
                    code = {"RepositoryType": "Local", "Location": Path(pool.spec.code_dir).as_uri()}
                    answer = found if match["configuration"] else {"Configuration": found, "Code": code}
                    self.answer_json(HTTPStatus.OK, answer)
            else:
                operation = f"{self.command} {path}"
                self._error(HTTPStatus.NOT_FOUND, "UnknownOperationException", f"Unknown operation {operation}")

        def _pool(self, name: str) -> FunctionPool | None:
            """The pool of a function named by logical ID or ARN (a qualifier is ignored); None once answered 404."""
            logical_id = unquote(name).rsplit(":function:", 1)[-1].split(":", 1)[0]
            pool = pools.get(logical_id)
            if pool is None:
                self._error(HTTPStatus.NOT_FOUND, "ResourceNotFoundException", f"Function not found: {logical_id}")
            return pool

        def _invoke(self, name: str) -> None:
            pool = self._pool(name)
            if pool is None:
                return
            try:
                event = json.loads(self.body() or b"{}")
            except ValueError:
                problem = "Could not parse request body into json"
                self._error(HTTPStatus.BAD_REQUEST, "InvalidRequestContentException", problem)
                return
            invocation_type = self.headers.get("X-Amz-Invocation-Type", "RequestResponse")
            if invocation_type == "DryRun":
                self.answer(HTTPStatus.NO_CONTENT, _EXECUTED)
            elif invocation_type == "Event":
                threading.Thread(target=pool.invoke, args=(event,), daemon=True).start()
                self.answer(HTTPStatus.ACCEPTED, _EXECUTED)
            else:
                outcome = pool.invoke(event)
                if outcome.error is not None:
                    self.answer_json(HTTPStatus.OK, outcome.error, {**_EXECUTED, "X-Amz-Function-Error": "Unhandled"})
                else:
                    self.answer_json(HTTPStatus.OK, outcome.result, _EXECUTED)

        def _error(self, status: int, error_type: str, message: str) -> None:
            self.answer_json(status, {"Type": "User", "message": message}, {"x-amzn-ErrorType": error_type})

    return LoopbackServer(("127.0.0.1", port), LambdaHandler)
