"""The API called as API Gateway would call it (tools.api), every answer held to the OpenAPI document, and the
events table's stream read after each request as Lambda's event source mappings read it (tools.streams)."""

from __future__ import annotations

from typing import Any

from tests.support.environment import REGION, TABLE_NAMES
from tests.support.openapi import check_answer
from tools.api import Answer, Route, answer_of, routed, routes
from tools.api import Api as _Api
from tools.streams import InProcess

__all__ = ["Answer", "Api", "Route", "StreamOf", "answer_of", "routed", "routes"]


class StreamOf(InProcess):
    """The template's stream consumers, run in process on the tests' moto (tools.streams.InProcess)."""

    def __init__(self) -> None:
        super().__init__(REGION, TABLE_NAMES.__getitem__)


class Api(_Api):
    """The in-process API of the tests: an answer that the OpenAPI document does not describe fails the test.

    After each request the stream is drained, as it is within a second when deployed: an invitation's email has
    left when the request returns. `Api(drain=False)` leaves the stream to the test (`api.stream.drain()`).
    """

    def __init__(self, *, drain: bool = True, stream: StreamOf | None = None) -> None:
        super().__init__(check=check_answer)
        self.stream = stream or StreamOf()
        self._drain = drain

    def request(self, method: str, path: str, **options: Any) -> Answer:
        answer = super().request(method, path, **options)
        if self._drain:
            self.stream.drain()
        return answer
