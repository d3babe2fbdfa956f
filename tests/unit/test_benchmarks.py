"""`make bench` measures every function of the template: a new function cannot slip out of its tables."""

from __future__ import annotations

from benchmarks.cold_start import FIRST_EVENTS
from tools.events import EVENTS
from tools.functions import functions


def test_bench_starts_every_function_cold_with_an_event_that_exists() -> None:
    assert set(FIRST_EVENTS) == set(functions())
    assert all((EVENTS / f"{name}.json").exists() for name in FIRST_EVENTS.values())
