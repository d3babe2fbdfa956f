"""The HTTP server under the local API and Lambda ports: no dropped connections, no stalls, JSON for every error."""

from __future__ import annotations

import json
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

log = logging.getLogger("local")

Headers = Mapping[str, str | Sequence[str]]


class LoopbackServer(ThreadingHTTPServer):
    """One thread per connection; a burst of connections waits in a backlog as long as a real service's."""

    request_queue_size = 128  # the default of 5 resets some of 20 simultaneous connections
    daemon_threads = True  # a kept-alive connection does not hold up Ctrl-C


class Handler(BaseHTTPRequestHandler, ABC):
    """Keep-alive HTTP/1.1 whose answers leave in one write, whatever the method; subclasses implement `respond`."""

    protocol_version = "HTTP/1.1"
    wbufsize = -1  # buffered: status line, headers and body are flushed together by `answer`
    disable_nagle_algorithm = True  # a body larger than the buffer does not wait for a delayed ACK either
    name = "http"  # what the log lines start with
    command = path = ""  # until a request line is read
    _gone: ConnectionError | None = None  # why the client could not be answered

    @abstractmethod
    def respond(self) -> None:
        """Answer the request in `self.command` and `self.path` (with `answer` or `answer_json`)."""

    def parse_request(self) -> bool:
        self._body: bytes | None = None
        return super().parse_request()

    def body(self) -> bytes:
        """The request's body, read once."""
        if self._body is None:
            length = self.headers.get("Content-Length", "0")
            self._body = self.rfile.read(int(length)) if length.isdigit() else b""
            self.close_connection |= not length.isdigit()  # where this request ends is unknown
        return self._body

    def __getattr__(self, attribute: str) -> Callable[[], None]:
        # http.server looks up do_GET, do_TRACE, do_WHATEVER...: every method reaches `respond`, as every method
        # reaches API Gateway, instead of http.server's 501 page.
        if attribute.startswith("do_"):
            return self.respond
        raise AttributeError(attribute)

    def answer(self, status: int, headers: Headers, body: bytes = b"") -> None:
        """Send one answer (Content-Length added unless given; no body for HEAD) in a single write."""
        if not self.close_connection:
            self.body()  # an unread body would be taken for the next request on this connection
        self.send_response(status)
        for name, values in headers.items():
            for value in [values] if isinstance(values, str) else values:
                self.send_header(name, value)
        if not any(name.lower() == "content-length" for name in headers):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.wfile.flush()

    def answer_json(self, status: int, body: Any, headers: Headers | None = None) -> None:
        self.answer(status, {"Content-Type": "application/json", **(headers or {})}, json.dumps(body).encode())

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """What http.server itself refuses (a malformed request line, an overlong URL) is JSON too."""
        self.close_connection = True
        self.answer_json(code, {"message": message or HTTPStatus(code).phrase}, {"Connection": "close"})

    def handle(self) -> None:
        try:
            super().handle()
        except ConnectionError as error:  # the client left (a closed tab, a timeout): a line, not a traceback
            self._gone = error

    def finish(self) -> None:
        try:
            super().finish()
        except ConnectionError as error:  # the rest of the answer could not be sent either
            self._gone = self._gone or error
            self.rfile.close()
        if self._gone:
            gone = type(self._gone).__name__
            log.info("%s %s %s -> client disconnected (%s)", self.name, self.command, self.path, gone)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        log.info("%s %s %s -> %s", self.name, self.command, self.path, code)

    def log_message(self, format: str, *args: Any) -> None:
        log.info("%s %s", self.name, format % args)
