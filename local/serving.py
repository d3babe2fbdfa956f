"""The local stack's HTTP servers (its API, Lambda and AWS ports) on werkzeug's: bound on loopback, a read timeout,
JSON for the errors the server itself answers, and one log line per request."""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from werkzeug.exceptions import ClientDisconnected
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

log = logging.getLogger("local")

READ_TIMEOUT_SECONDS = 10  # a request, or a connection that never sends one, holds its thread this long at most
POLL_SECONDS = 0.1  # how soon a server's loop sees that it is to stop
BACKLOG = 128  # a burst of connections waits, as on moto's own server; http.server's 5 resets some of 20
Answer = Callable[[Request], Response]


class Reply(Response):
    """An answer with no Content-Type but the one it is given, as API Gateway passes a function's headers."""

    default_mimetype = None


def json_reply(status: int, body: Any, headers: dict[str, str] | None = None) -> Reply:
    return Reply(json.dumps(body), status, {"Content-Type": "application/json", **(headers or {})})


class LoggedHandler(WSGIRequestHandler):
    """werkzeug's request handler with a read timeout, no Nagle delay, JSON errors and the stack's log lines."""

    timeout = READ_TIMEOUT_SECONDS  # StreamRequestHandler sets it on the connection: every read and write
    disable_nagle_algorithm = True  # werkzeug writes the headers and the body apart: neither waits for an ACK
    name = "http"  # what the log lines start with
    path = ""  # until a request line is read: a malformed one is answered (send_error) and logged without one

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        log.info("%s %s %s -> %s", self.name, self.command, self.path, code)

    def log_message(self, format: str, *args: Any) -> None:
        log.info("%s %s", self.name, format % args)

    def log_error(self, format: str, *args: Any) -> None:
        if not getattr(self, "raw_requestline", b""):  # a connection opened ahead of a request that never came
            return
        log.info("%s %s", self.name, format % args)

    def connection_dropped(self, error: BaseException, environ: dict[str, Any] | None = None) -> None:
        """The client left before its answer (a closed tab), or sent too little in time: one line, no traceback."""
        if environ is None:  # werkzeug tells it again, without the request, once the connection ends
            return
        what = f"{environ['REQUEST_METHOD']} {environ['RAW_URI']}"
        if isinstance(error, TimeoutError):
            log.info("%s %s -> timed out: no whole request in %s s", self.name, what, self.timeout)
        else:
            log.info("%s %s -> client disconnected (%s)", self.name, what, type(error).__name__)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """What the server refuses itself (a malformed request line, an overlong URL) is JSON too."""
        body = json.dumps({"message": message or HTTPStatus(code).phrase}).encode()
        self.close_connection = True
        self.send_response(code, message)
        for name, value in (("Content-Type", "application/json"), ("Content-Length", str(len(body)))):
            self.send_header(name, value)
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def request_body(request: Request) -> bytes:
    """The request's body. A client that stops sending it (in the read timeout) or leaves is not answered: its
    connection is dropped, with one log line, as werkzeug's server drops one whose error is a ConnectionError."""
    try:
        return request.get_data()
    except ClientDisconnected as error:
        timed_out = error.__context__  # werkzeug raises it while handling the socket's own error
        raise timed_out if isinstance(timed_out, TimeoutError) else ConnectionAbortedError() from None


def loopback_server(port: int, app: Any, handler: type[WSGIRequestHandler] = LoggedHandler) -> BaseWSGIServer:
    """werkzeug's threaded server for the WSGI `app` on 127.0.0.1:`port` (0: a free one); OSError if it is taken.

    Bound here, not by werkzeug, which prints and calls sys.exit() on a busy port."""
    with socket.create_server(("127.0.0.1", port), backlog=BACKLOG) as listening:
        server = make_server("127.0.0.1", port, app, threaded=True, request_handler=handler, fd=listening.fileno())
    server.block_on_close = False  # stopping never waits for a connection still open: its thread is a daemon
    return server


def serve_in_thread(server: BaseWSGIServer, name: str) -> Callable[[], None]:
    """Serve in a daemon thread; returns what stops it and frees its port (within POLL_SECONDS)."""
    thread = threading.Thread(target=server.serve_forever, args=(POLL_SECONDS,), name=name, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        thread.join()
        server.server_close()

    return stop


def wsgi(answer: Answer) -> Callable[[dict[str, Any], Any], Any]:
    """A WSGI application that reads each request with werkzeug and sends what `answer` makes of it."""

    def application(environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        try:
            reply = answer(request)
        except (ConnectionError, TimeoutError):
            raise  # the client is gone: the server drops the connection (LoggedHandler.connection_dropped)
        except Exception:  # a bug of the stack's own: JSON and a traceback in the log, never werkzeug's HTML page
            log.exception("%s %s failed", request.method, request.path)
            reply = json_reply(HTTPStatus.INTERNAL_SERVER_ERROR, {"message": "Internal server error"})
        return reply(environ, start_response)

    return application
