"""The API called as API Gateway would call it (tools.api), every answer held to the OpenAPI document, and the
events table's stream read after each request as Lambda's event source mappings read it (tools.streams)."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

from tests.support.environment import REGION, TABLE_NAMES
from tests.support.events import LambdaContext
from tests.support.openapi import check_answer
from tools.api import Answer, Route, answer_of, routed, routes
from tools.api import Api as _Api
from tools.functions import functions
from tools.streams import StreamPump

__all__ = ["Answer", "Api", "Route", "StreamOf", "answer_of", "routed", "routes"]


class StreamOf:
    """The stream consumers of the template (the outbox, the bus publisher), run in process on moto's streams."""

    def __init__(self) -> None:
        self.pump = StreamPump(
            boto3.client("dynamodb", region_name=REGION),
            # moto routes DynamoDB Streams by its regional host, not by botocore's newer account-based one.
            boto3.client("dynamodbstreams", region_name=REGION, config=Config(account_id_endpoint_mode="disabled")),
            table_names=TABLE_NAMES.__getitem__,
        )

    @staticmethod
    def invoke(logical_id: str, event: dict[str, Any]) -> Any:
        return functions()[logical_id].entry_point()(event, LambdaContext(function_name=logical_id))

    def pump_once(self) -> None:
        """One round: what is written now reaches its consumers once (a failed record waits for the next round)."""
        self.pump.pump(self.invoke)

    def drain(self) -> None:
        """Everything written so far reaches its consumers, and what they write reaches theirs."""
        self.pump.drain(self.invoke)


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
