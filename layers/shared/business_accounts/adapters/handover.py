"""A cleanup run hands the rest of its work on: the same function, invoked again asynchronously (its alias)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from business_accounts.logic.cleanup import Continuation
from business_accounts.observability import logger

if TYPE_CHECKING:
    from mypy_boto3_lambda.client import LambdaClient


class Handover:
    """`hand(continuation)`: an asynchronous invocation of `function` (the running function's own ARN, alias
    included) with the continuation as its event; Lambda queues it and retries it twice if it fails."""

    def __init__(self, client: Callable[[], LambdaClient], *, function: str) -> None:
        self._client = client
        self._function = function

    def __call__(self, continuation: Continuation) -> None:
        payload = continuation.model_dump_json(exclude_none=True).encode()
        self._client().invoke(FunctionName=self._function, InvocationType="Event", Payload=payload)
        logger.info("cleanup: handed on", extra={"parts": continuation.parts, "rounds": continuation.rounds})
