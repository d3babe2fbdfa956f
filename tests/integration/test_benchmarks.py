"""`make bench`'s drain of a backlog, small: every expired invitation cleared, over runs handed on, and its paper."""

from __future__ import annotations

from benchmarks import drain
from business_accounts.logic.cleanup import MAX_ROUNDS


def test_drain_benchmark_clears_a_small_backlog_over_runs_handed_on() -> None:
    found = drain.measure(invitations=300, run_seconds=0.1, baseline_items=50)

    assert (found.expired, found.left) == (300, 0)
    assert found.runs > 1
    assert 1 <= found.rounds <= MAX_ROUNDS
    assert found.to_baseline > 0


def test_drain_paper_figure_for_a_million_expiries() -> None:
    figure = drain.paper()

    assert (figure.backlog, figure.shards, figure.rounds) == (1_000_000, 16, 2)  # 33 000 + 2 x 16 x 33 000 >= 1 M
    assert figure.minutes == 15
    assert figure.hourly_hours == 31
