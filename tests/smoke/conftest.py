"""The stack `make smoke` names (SMOKE_STACK and SMOKE_REGION, or SMOKE_API for the local stack): without one, every
smoke test is skipped, so `make test` stays offline."""

from __future__ import annotations

import os

import pytest

from tests.smoke.target import Target

# Read when pytest loads this file, before any test's environment is set.
STACK, REGION, API = (os.environ.get(name, "") for name in ("SMOKE_STACK", "SMOKE_REGION", "SMOKE_API"))


@pytest.fixture(autouse=True)
def environment() -> None:
    """The caller's own environment, AWS credentials and profile included: not the fake one other tests run in."""


@pytest.fixture(scope="session")
def target() -> Target:
    if API:
        return Target(api=API.rstrip("/"))
    if STACK:
        return Target.deployed(STACK, REGION or None)
    pytest.skip("no stack to smoke-test: make smoke STACK=name [REGION=...] or make smoke API=http://127.0.0.1:3000")
