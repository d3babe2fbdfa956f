"""Unit-test collaborators: the logic on an in-memory store, with a fake clock, token minting and a recording
mailer, and the outbox on the store's stream; no AWS, no moto, no sockets (tests/unit/test_purity.py keeps it so)."""

from __future__ import annotations

import pytest

from business_accounts.adapters.environment import load_settings
from business_accounts.logic import outbox
from business_accounts.logic.services import Services
from tests.support.fakes import TEST_MINTER, FakeClock, RecordingMailer, Stream
from tests.support.memory_store import MemoryStore


@pytest.fixture
def stream() -> Stream:
    return Stream()


@pytest.fixture
def store(stream: Stream) -> MemoryStore:
    return MemoryStore(stream=stream)


@pytest.fixture
def logic(store: MemoryStore, clock: FakeClock, mailer: RecordingMailer, stream: Stream) -> Services:
    """The logic's collaborators, the outbox reading the store's stream as the deployed one reads the table's."""
    services = Services(settings=load_settings(), store=store, mailer=mailer, clock=clock, mint=TEST_MINTER)
    stream.consumers.append(lambda event: outbox.send(services, event))
    return services
