"""Unit-test collaborators: the logic on an in-memory store, with a fake clock, predictable tokens and a mailer
that records; no AWS, no moto, no sockets (tests/unit/test_purity.py keeps it so)."""

from __future__ import annotations

import pytest

from business_accounts.adapters.environment import load_settings
from business_accounts.logic.services import Services
from tests.support.fakes import FakeClock, RecordingMailer, SequentialTokens
from tests.support.memory_store import MemoryStore


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def logic(store: MemoryStore, clock: FakeClock, tokens: SequentialTokens, mailer: RecordingMailer) -> Services:
    return Services(settings=load_settings(), store=store, mailer=mailer, clock=clock, new_token=tokens)
