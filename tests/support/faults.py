"""Failing AWS on purpose: a DynamoDB or SES call answering an error, or an endpoint that cannot be reached."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError
from botocore.stub import Stubber


@contextmanager
def failing(client: Any, operation: str, error_code: str, status: int = 400, **modeled: Any) -> Iterator[None]:
    """The client's next call, which must be `operation`, fails with `error_code` (and `modeled` error fields)."""
    with Stubber(client) as stubber:
        stubber.add_client_error(operation, error_code, http_status_code=status, modeled_fields=modeled or None)
        yield
        stubber.assert_no_pending_responses()


@dataclass
class Unreachable:
    """A botocore `before-send` hook: every attempt of the operation fails in transport, before any bytes leave."""

    error: BotoCoreError
    attempts: int = 0

    def __call__(self, **_: Any) -> None:
        self.attempts += 1
        raise self.error


@contextmanager
def unreachable(client: Any, operation: str, error: BotoCoreError) -> Iterator[Unreachable]:
    """Every `operation` call of `client` fails as if its endpoint could not be reached (`operation` may be `*`)."""
    event = f"before-send.{client.meta.service_model.service_name}.{operation}"
    hook = Unreachable(error)
    client.meta.events.register(event, hook)
    try:
        yield hook
    finally:
        client.meta.events.unregister(event, hook)
