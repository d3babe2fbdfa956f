"""Lambda's Invoke API on loopback, so boto3's `lambda` client can call any function by its logical ID."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from local.functions import FunctionPool

_INVOKE_PATH = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/invocations$")


def serve(pools: dict[str, FunctionPool], port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            match = _INVOKE_PATH.match(self.path.split("?", 1)[0])
            length = int(self.headers.get("Content-Length") or 0)
            payload = self.rfile.read(length) if length else b""
            name = match.group("name").rsplit(":function:", 1)[-1].split(":", 1)[0] if match else ""
            pool = pools.get(name)
            if pool is None:
                self._answer(
                    404,
                    {"Type": "User", "message": f"Function not found: {name}"},
                    {"x-amzn-ErrorType": "ResourceNotFoundException"},
                )
                return
            try:
                event = json.loads(payload) if payload else {}
            except ValueError:
                self._answer(
                    400,
                    {"Type": "User", "message": "Could not parse request body into json"},
                    {"x-amzn-ErrorType": "InvalidRequestContentException"},
                )
                return
            invocation_type = self.headers.get("X-Amz-Invocation-Type", "RequestResponse")
            if invocation_type == "DryRun":
                self._answer(204, None)
                return
            if invocation_type == "Event":
                threading.Thread(target=pool.invoke, args=(event,), daemon=True).start()
                self._answer(202, None)
                return
            outcome = pool.invoke(event)
            if outcome.error is not None:
                self._answer(200, outcome.error, {"X-Amz-Function-Error": "Unhandled"})
            else:
                self._answer(200, outcome.result)

        def _answer(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = b"" if status in (202, 204) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("X-Amz-Executed-Version", "$LATEST")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            print(f"lambda {self.path} -> {args[1] if len(args) > 1 else ''}", flush=True)

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    return server
