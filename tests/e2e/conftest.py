"""The local stack as a person runs it (`python -m local`), on free ports, for tests over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from local.launch import LocalStack, free_port, start_stack, stop_stack

__all__ = ["LocalStack", "free_port", "start_stack", "stop_stack"]


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    started = start_stack(tmp_path_factory.mktemp("stack"))
    yield started
    stop_stack(started)
