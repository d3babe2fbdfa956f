"""Failing on purpose: an AWS call answering an error, an endpoint that cannot be reached, a store that explodes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import botocore.endpoint
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import BotoCoreError
from botocore.stub import Stubber

from business_accounts.adapters.wiring import sesv2_client


@contextmanager
def failing(client: Any, operation: str, error_code: str, status: int = 400, **modeled: Any) -> Iterator[None]:
    """The client's next call, which must be `operation`, fails with `error_code` (and `modeled` error fields)."""
    with Stubber(client) as stubber:
        stubber.add_client_error(operation, error_code, http_status_code=status, modeled_fields=modeled or None)
        yield
        stubber.assert_no_pending_responses()


def ses_refuses(error_code: str = "MessageRejected", status: int = 400) -> AbstractContextManager[None]:
    """The service's next SES call, which must be SendEmail, is refused as SES refuses (`failing` on its client)."""
    return failing(sesv2_client(), "send_email", error_code, status)


@contextmanager
def refusing(client: Any, operation: str, error_code: str, status: int = 400) -> Iterator[list[dict[str, Any]]]:
    """Every `operation` call of `client`, while inside, is answered with `error_code` (nothing reaches moto); the
    list holds each call's parameters."""
    calls: list[dict[str, Any]] = []

    def answer(params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        calls.append(params)
        return AWSResponse("", status, {}, None), {"Error": {"Code": error_code, "Message": error_code}}

    event = f"before-call.{client.meta.service_model.service_name}.{operation}"
    client.meta.events.register_first(event, answer)
    try:
        yield calls
    finally:
        client.meta.events.unregister(event, answer)


@contextmanager
def lost_answer(client: Any, operation: str, error: BotoCoreError) -> Iterator[None]:
    """Every `operation` call of `client` reaches moto and is done, but its answer is lost on the way back."""

    def lose(**_: Any) -> None:
        raise error

    event = f"after-call.{client.meta.service_model.service_name}.{operation}"
    client.meta.events.register(event, lose)
    try:
        yield
    finally:
        client.meta.events.unregister(event, lose)


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


class ExplodingStore:
    """A store whose every method fails with a message full of internals, as an unforeseen bug would."""

    def __getattr__(self, name: str) -> Callable[..., Any]:
        def explode(*_: Any, **__: Any) -> Any:
            raise RuntimeError(
                "Traceback (most recent call last):\n"
                f'  File "/opt/python/business_accounts/store.py", line 42, in {name}\n'
                "botocore.errorfactory.ResourceNotFoundException: dynamodb table AccountsTable"
            )

        return explode


def record_retry_sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """botocore retries transport errors with back-off; the delays are recorded in the list instead of slept."""
    slept: list[float] = []
    monkeypatch.setattr(botocore.endpoint, "time", SimpleNamespace(sleep=slept.append))
    return slept
