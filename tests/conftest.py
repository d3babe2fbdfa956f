"""Fixtures: a fresh environment per test, AWS on moto built from template.yaml, fakes and the API.

moto is imported by the fixtures that use it, so tests/unit (which may not) never loads it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings

from business_accounts.adapters import idempotency
from business_accounts.adapters.environment import load_settings
from business_accounts.adapters.wiring import (
    build_services,
    dynamodb_client,
    events_client,
    kms_client,
    services,
    sesv2_client,
)
from business_accounts.logic.services import Services
from tests.support.environment import ENVIRONMENT
from tests.support.fakes import FakeClock, RecordingMailer, SequentialTokens

if TYPE_CHECKING:
    from tests.support.api import Api
    from tests.support.aws import CallCounter

# Property tests repeat exactly (no example database, a fixed derivation) and allow a slow first example:
# this machine is shared, and a time limit would make them flaky rather than stricter.
settings.register_profile("repeatable", derandomize=True, database=None, deadline=None)
settings.load_profile("repeatable")


def _forget_instances() -> None:
    load_settings.cache_clear()
    dynamodb_client.cache_clear()
    sesv2_client.cache_clear()
    kms_client.cache_clear()
    events_client.cache_clear()
    idempotency._persistence.cache_clear()
    services.use(None)


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    _forget_instances()
    yield ENVIRONMENT
    _forget_instances()


@pytest.fixture
def aws() -> Iterator[None]:
    """DynamoDB and SES v2 on moto, in process, with the template's tables and the verified sender."""
    from moto import mock_aws

    from local.atomic import atomic_dynamodb
    from tests.support.aws import create_keys_and_buses, create_tables, verify_sender

    # moto's DynamoDB made atomic per request, as DynamoDB is: the cleanup's workers write in parallel.
    with mock_aws(), atomic_dynamodb():
        create_tables()
        verify_sender()
        create_keys_and_buses()
        yield


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def tokens() -> SequentialTokens:
    return SequentialTokens()


@pytest.fixture
def mailer() -> RecordingMailer:
    return RecordingMailer()


@pytest.fixture
def runtime(aws: None, clock: FakeClock) -> Services:
    """What the handlers use: everything real on moto (SES v2 included) except the clock, which tests move."""
    wired = dataclasses.replace(build_services(load_settings()), clock=clock)
    services.use(wired)
    return wired


@pytest.fixture
def api(runtime: Services) -> Api:
    from tests.support.api import Api

    return Api()


@pytest.fixture
def calls(runtime: Services) -> CallCounter:
    """Counts the DynamoDB, SES, KMS and EventBridge calls the service makes (the idempotency store's too: it shares
    the DynamoDB client)."""
    from tests.support.aws import CallCounter

    counter = CallCounter()
    counter.attach(dynamodb_client())
    counter.attach(sesv2_client())
    counter.attach(kms_client())
    counter.attach(events_client())
    return counter
