"""Fixtures that several integration files share: an account to act on, captured output, recorded retry delays,
the scheduled cleanup."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from business_accounts.logic.services import Services
from tests.support.api import Api
from tests.support.events import LambdaContext, load_event
from tests.support.fakes import FakeClock
from tests.support.faults import record_retry_sleeps
from tests.support.output import Output, captured_output
from tests.support.routes import Standing, standing_a_minute_after_provisioning
from tools.functions import functions


@pytest.fixture
def standing(api: Api, clock: FakeClock) -> Standing:
    """ACME Ltd provisioned for JANE a minute ago: every route has something to act on, and may send again."""
    return standing_a_minute_after_provisioning(api, clock)


@pytest.fixture
def output(request: pytest.FixtureRequest) -> Iterator[Output]:
    """Everything the functions write during the test: logs, metrics, stdout and stderr."""
    with captured_output(request) as captured:
        yield captured


@pytest.fixture
def retry_sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The back-off delays botocore would have slept between retries, recorded instead."""
    return record_retry_sleeps(monkeypatch)


@pytest.fixture
def cleanup(runtime: Services) -> Callable[[], dict[str, int]]:
    """Runs CleanupFunction's handler, from template.yaml, with the sample schedule event."""
    handler = functions()["CleanupFunction"].entry_point()

    def run() -> dict[str, int]:
        result: dict[str, int] = handler(load_event("cleanup_schedule"), LambdaContext(function_name="CleanupFunction"))
        return result

    return run
