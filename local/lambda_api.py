"""Lambda's API on loopback, as `sam local start-lambda` offers it: Invoke by logical ID, ListFunctions, GetFunction."""

from __future__ import annotations

import json
import re
import threading
import time
from http import HTTPStatus
from pathlib import Path
from typing import Any

from werkzeug.serving import BaseWSGIServer
from werkzeug.wrappers import Request

from local.pools import FunctionPool
from local.serving import LoggedHandler, Reply, json_reply, loopback_server, request_body, wsgi
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


class LambdaApi:
    """Lambda's operations by logical ID (or ARN) on the stack's function pools."""

    def __init__(self, pools: dict[str, FunctionPool]) -> None:
        self._pools = pools
        self._last_modified = time.strftime("%Y-%m-%dT%H:%M:%S.000+0000", time.gmtime())

    def answer(self, request: Request) -> Reply:
        method, path = request.method, request.path
        if method == "POST" and (match := _INVOKE.match(path)):
            return self._invoke(match["name"], request)
        if method == "GET" and _FUNCTIONS.match(path):
            listed = [configuration(pool, self._last_modified) for pool in self._pools.values()]
            return json_reply(HTTPStatus.OK, {"Functions": listed})
        if method == "GET" and (match := _FUNCTION.match(path)):
            pool = self._pool(match["name"])
            if isinstance(pool, Reply):
                return pool
            found = configuration(pool, self._last_modified)
            code = {"RepositoryType": "Local", "Location": Path(pool.spec.code_dir).as_uri()}
            described = found if match["configuration"] else {"Configuration": found, "Code": code}
            return json_reply(HTTPStatus.OK, described)
        return _error(HTTPStatus.NOT_FOUND, "UnknownOperationException", f"Unknown operation {method} {path}")

    def _pool(self, name: str) -> FunctionPool | Reply:
        """The pool of a function named by logical ID or ARN (a qualifier is ignored), or Lambda's 404."""
        logical_id = name.rsplit(":function:", 1)[-1].split(":", 1)[0]
        pool = self._pools.get(logical_id)
        return pool or _error(HTTPStatus.NOT_FOUND, "ResourceNotFoundException", f"Function not found: {logical_id}")

    def _invoke(self, name: str, request: Request) -> Reply:
        pool = self._pool(name)
        if isinstance(pool, Reply):
            return pool
        try:
            event = json.loads(request_body(request) or b"{}")
        except ValueError:
            problem = "Could not parse request body into json"
            return _error(HTTPStatus.BAD_REQUEST, "InvalidRequestContentException", problem)
        invocation_type = request.headers.get("X-Amz-Invocation-Type", "RequestResponse")
        if invocation_type == "DryRun":
            return Reply(b"", HTTPStatus.NO_CONTENT, _EXECUTED)
        if invocation_type == "Event":
            threading.Thread(target=pool.invoke, args=(event,), daemon=True).start()
            return Reply(b"", HTTPStatus.ACCEPTED, _EXECUTED)
        outcome = pool.invoke(event)
        if outcome.error is not None:
            return json_reply(HTTPStatus.OK, outcome.error, {**_EXECUTED, "X-Amz-Function-Error": "Unhandled"})
        return json_reply(HTTPStatus.OK, outcome.result, _EXECUTED)


def _error(status: int, error_type: str, message: str) -> Reply:
    return json_reply(status, {"Type": "User", "message": message}, {"x-amzn-ErrorType": error_type})


class LambdaHandler(LoggedHandler):
    name = "lambda"


def serve(pools: dict[str, FunctionPool], port: int) -> BaseWSGIServer:
    """Lambda's server, bound to 127.0.0.1:`port` (OSError if taken); `serve_forever` starts it."""
    return loopback_server(port, wsgi(LambdaApi(pools).answer), LambdaHandler)
