"""`make bench`: every figure side by side, printed and written to docs/performance.md, with the targets it misses.

It is a benchmark, not a test: it exits 0 whatever it finds, and says clearly which targets it missed.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from tempfile import TemporaryDirectory

from benchmarks import calls, cold_start, drain, local_api, local_transactions, memory, sizes
from business_accounts.logic.cleanup import MAX_ROUNDS, TIME_TO_SPARE
from tools.build import host_architecture, host_build
from tools.functions import ROOT

REPORT = ROOT / "docs" / "performance.md"
MB, KB = 1_000_000, 1_000
# The targets; a ratio means something only against baselines measured in the same run. A cold start is held
# to the bare Powertools handler (no Powertools function can come near a bare boto3 one); a restore from a SnapStart
# snapshot to the bare boto3 cold start.
POWERTOOLS_RATIO, RESTORE_RATIO = 1.25, 0.15
LAYER_UNZIPPED, LAYER_ZIPPED, FUNCTION_UNZIPPED = 20 * MB, 8 * MB, 100 * KB
LISTING_CALLS, PREVIEW_P50_MS = 3, 10.0
FLAT_TRANSACTIONS = 2.0  # a local transaction at 10 000 items costs at most this times one on an empty table


def table(header: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    header = list(header)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows])


def _calls(counted: dict[str, int], service: str = "") -> str:
    return ", ".join(f"{name.split('.')[1]} {n}" for name, n in counted.items() if name.startswith(service))


def _total(counted: dict[str, int], service: str) -> int:
    return sum(n for name, n in counted.items() if name.startswith(service + "."))


class Report:
    """Sections of Markdown, and the targets missed on the way."""

    def __init__(self) -> None:
        self.sections: list[str] = []
        self.misses: list[str] = []

    def check(self, met: bool, target: str, figure: str) -> str:
        if not met:
            self.misses.append(f"{target}: {figure}")
        return "met" if met else "**missed**"

    def add(self, title: str, text: str, header: Iterable[str], rows: Iterable[Iterable[object]]) -> None:
        self.sections.append(f"## {title}\n\n{text}\n\n{table(header, rows)}")

    def functions(
        self,
        starts: list[cold_start.ColdStart],
        peaks: dict[str, memory.Peak],
        built: dict[str, sizes.Size],
        rounds: int,
    ) -> None:
        rows = []
        for start in starts:
            peak, size = peaks.get(start.name), built.get(start.name)
            to_boto3, to_powertools = start.to_boto3, start.to_powertools
            if start.name in peaks:
                self.check(
                    to_powertools <= POWERTOOLS_RATIO,
                    f"{start.name} cold init <= {POWERTOOLS_RATIO}x bare Powertools",
                    f"{to_powertools:.2f}x",
                )
            if start.restore:
                self.check(
                    start.restore.to_boto3 <= RESTORE_RATIO,
                    f"{start.name} restore <= {RESTORE_RATIO}x bare boto3 cold init",
                    f"{start.restore.to_boto3:.2f}x",
                )
            if peak:
                self.check(
                    peak.peak_mb <= peak.memory_size_mb / 2,
                    f"{start.name} peak <= half MemorySize",
                    f"{peak.peak_mb:.0f} MB",
                )
            if size:
                self.check(
                    size.unzipped < FUNCTION_UNZIPPED, f"{start.name} artefact < 100 KB", f"{size.unzipped / KB:.1f} KB"
                )
            rows.append(
                [
                    start.name,
                    f"{start.import_median_ms:.0f}",
                    f"{start.init_median_ms:.0f}",
                    f"{start.init_min_ms:.0f}",
                    f"{start.init_cpu_median_ms:.0f}",
                    f"{to_boto3:.2f}",
                    f"{to_powertools:.2f}",
                    f"{start.restore.cpu_median_ms:.0f}" if start.restore else "",
                    f"{start.restore.to_boto3:.2f}" if start.restore else "",
                    start.end.replace("_", " "),
                    f"{peak.peak_mb:.0f} / {peak.memory_size_mb}" if peak else "",
                    f"{size.unzipped / KB:.1f} / {size.zipped / KB:.1f}" if size else "",
                ]
            )
        self.add(
            "Functions",
            f"Cold init in ms, {rounds} rounds, each a fresh `python -I -S -B` interleaved with the two baselines: "
            "import (median), then until the first AWS request or the answer (median, min, and median CPU time). "
            "The ratios are medians of CPU time against the baseline of the same round. Restore: the functions "
            "SnapStart starts from a snapshot (the `SnapStart` parameter), each round a copy forked from a process "
            "that imported the handler and ran its before-snapshot hooks, from its after-restore hooks through the "
            "same event to the same end (median CPU ms, and over the bare boto3 cold start of the round). Peak "
            "memory (MB) of import plus one real invocation / MemorySize. KB: the arm64 artefact, unzipped / zipped.",
            [
                "handler",
                "import",
                "cold init",
                "min",
                "CPU",
                "x bare boto3",
                "x bare Powertools",
                "restore",
                "restore x bare boto3",
                "ends at",
                "peak MB",
                "KB",
            ],
            rows,
        )
        self.add(
            "Top imports",
            "Own import time per top-level package, ms (`python -X importtime`, wall time, median of three runs).",
            ["handler", "largest"],
            [[start.name, ", ".join(f"{package} {ms}" for package, ms in start.top_imports)] for start in starts],
        )

    def layer(self, layer: sizes.Size) -> None:
        unzipped = self.check(
            layer.unzipped <= LAYER_UNZIPPED, "layer <= 20 MB unzipped", f"{layer.unzipped / MB:.1f} MB"
        )
        zipped = self.check(layer.zipped <= LAYER_ZIPPED, "layer <= 8 MB zipped", f"{layer.zipped / MB:.1f} MB")
        self.add(
            "Layer",
            "The arm64 layer as `sam deploy` uploads it (MB = 10^6 bytes).",
            ["artefact", "unzipped", "zipped", "files"],
            [
                [
                    layer.name,
                    f"{layer.unzipped / MB:.1f} MB ({unzipped})",
                    f"{layer.zipped / MB:.1f} MB ({zipped})",
                    layer.files,
                ]
            ],
        )

    def operations(self, operations: list[calls.Operation]) -> None:
        for operation in operations:
            if operation.name.startswith("list"):
                self.check(
                    operation.dynamodb_calls <= LISTING_CALLS,
                    f"{operation.name} <= 3 DynamoDB calls",
                    str(operation.dynamodb_calls),
                )
        self.add(
            "AWS calls per operation",
            "Counted at botocore's `before-call` for every client, the idempotency store's included, on moto. "
            "Items read: those DynamoDB returned. The request's own calls, then those its change made the stream's "
            "consumers do after the answer (the outbox's email, the publisher's events), as Lambda runs them apart.",
            ["operation", "answer", "DynamoDB", "items read", "calls", "then, by the stream"],
            [
                [o.name, o.answer, o.dynamodb_calls, o.items_read, _calls(o.calls), _calls(o.by_the_stream)]
                for o in operations
            ],
        )

    def cleanups(self, cleanups: list[calls.Cleanup]) -> None:
        rows = []
        for case in cleanups:
            target = f"cleanup ({case.pending}, {case.expired}) reads <= 2 x expired + 10"
            verdict = self.check(case.items_read <= 2 * case.expired + 10, target, f"{case.items_read} items")
            rows.append(
                [
                    f"({case.pending}, {case.expired})",
                    case.answer,
                    _total(case.calls, "dynamodb"),
                    _calls(case.calls),
                    f"{case.items_read} ({verdict})",
                    f"{case.seconds:.1f}",
                ]
            )
        self.add(
            "Cleanup",
            "(pending, expired) invitations in the table when the cleanup runs, on moto. "
            "Target: reads grow with the expired ones only.",
            ["(pending, expired)", "answer", "DynamoDB calls", "calls", "items read", "seconds"],
            rows,
        )

    def backlog(self, found: drain.Drain) -> None:
        cleared = self.check(
            found.expired == found.invitations and found.left == 0,
            f"the drain clears all {found.invitations:,} expired invitations",
            f"{found.expired:,} expired, {found.left:,} left",
        )
        bounded = self.check(found.rounds <= MAX_ROUNDS, f"the drain's rounds <= {MAX_ROUNDS}", str(found.rounds))
        figure = drain.paper()
        self.add(
            "Draining a backlog",
            f"CleanupFunction's handler in process on moto (local/atomic.py's transactions), on {found.invitations:,} "
            "pending invitations past their expiry, written as issuing writes them (each with its account, "
            "administrator and email ownership; one in ten a registration's confirmation, whose expiry discards its "
            f"account) over the pending index's {figure.shards} shards (seeded in {found.seed_seconds:.0f} s). The "
            f"schedule's event first; each run has {TIME_TO_SPARE:g} + {found.run_seconds:g} s of wall-clock "
            "time left, so that it stops and hands its parts on; every asynchronous Invoke of its alias is answered "
            "here and run in turn, round after round, until no run hands on (one after another: Lambda runs a "
            "round's parts side by side). Left: pending invitations past their expiry, counted by a Query of every "
            f"shard. Baseline: a plain UpdateItem on moto, over {found.baseline_items:,} items before and after the "
            f"drain. Targets: every invitation cleared ({cleared}), at most {MAX_ROUNDS} rounds (MAX_ROUNDS, "
            f"{bounded}).\n\n"
            f"On paper, on AWS: at {figure.per_run:,} invitations per {drain.PAPER_RUN_SECONDS} s run (issue 21: "
            f"1.23 ms of CPU per invitation) and one run per shard each round, side by side, {figure.backlog:,} "
            f"expiries take the schedule's run and {figure.rounds} rounds of {figure.shards} runs: about "
            f"{figure.minutes:.0f} minutes, {figure.shards} concurrent executions at most. One run an hour, without "
            f"hand-overs, would take {figure.hourly_hours} hours.",
            [
                "invitations",
                "expired",
                "left",
                "runs",
                "rounds / MAX_ROUNDS",
                "seconds",
                "ms per invitation",
                "UpdateItem ms, before / after",
                "x UpdateItem",
            ],
            [
                [
                    f"{found.invitations:,}",
                    f"{found.expired:,}",
                    found.left,
                    found.runs,
                    f"{found.rounds} / {MAX_ROUNDS}",
                    f"{found.seconds:.0f}",
                    f"{found.ms_per_invitation:.2f}",
                    f"{found.baseline_before_ms:.2f} / {found.baseline_after_ms:.2f}",
                    f"{found.to_baseline:.1f}",
                ]
            ],
        )

    def local_api(self, ready: float, rows: list[local_api.Throughput]) -> None:
        for row in rows:
            if row.route == "preview" and row.clients == 1:
                self.check(
                    row.p50_ms <= PREVIEW_P50_MS, "local preview p50 <= 10 ms at 1 client", f"{row.p50_ms:.1f} ms"
                )
        self.add(
            "Local API",
            f"The stack of `make run` (ready in {ready:.1f} s, 3 instances per function), "
            f"{local_api.SECONDS:.0f} s per row.",
            ["route", "clients", "requests/s", "p50 ms", "p99 ms", "failures"],
            [
                [r.route, r.clients, f"{r.requests_per_second:.1f}", f"{r.p50_ms:.1f}", f"{r.p99_ms:.1f}", r.failures]
                for r in rows
            ],
        )

    def transactions(self, rows: list[local_transactions.Transaction]) -> None:
        empty, full = rows[0], rows[-1]
        verdict = self.check(
            full.local_ms <= FLAT_TRANSACTIONS * empty.local_ms,
            f"local TransactWriteItems at {full.items} items <= 2x at {empty.items}",
            f"{full.local_ms:.1f} ms, {empty.local_ms:.1f} ms",
        )
        self.add(
            "Local transactions",
            f"A TransactWriteItems of two conditional puts (a registration's shape) on the accounts table, in process "
            f"on moto, median of {local_transactions.ROUNDS}: moto as it comes deep-copies the table for its rollback; "
            f"the local stack's moto (local/atomic.py) copies the items it touches. Flat ({verdict}): at most "
            f"{FLAT_TRANSACTIONS:g}x the empty table's cost at {full.items} items.",
            ["items in the table", "moto as it comes, ms", "local stack, ms", "moto / local"],
            [
                [f"{row.items:,}", f"{row.moto_ms:.1f}", f"{row.local_ms:.1f}", f"{row.moto_ms / row.local_ms:.1f}x"]
                for row in rows
            ],
        )

    def markdown(self, seconds: float, architecture: str) -> str:
        misses = "\n".join(f"- {miss}" for miss in self.misses) or "None: every target is met."
        started_from = (
            "the arm64 build itself" if architecture == "arm64" else f"an {architecture} build of the template"
        )
        return (
            "# Performance\n\n"
            f"Written by `make bench` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC in {seconds:.0f} s, on {_machine()}. "
            "The machine is shared with other work: compare ratios within a run, not absolute figures across runs.\n\n"
            "Commands: `make bench` runs `sam build` (the arm64 artefacts, measured for size), then "
            f"`python -m benchmarks`, which starts the functions from {started_from} (`tools/build.py`) with tracing "
            "on (an active, sampled trace and no X-Ray daemon). Sections come from `benchmarks/cold_start.py`, "
            "`memory.py`, `calls.py`, `sizes.py`, `local_api.py`, `local_transactions.py` and `drain.py`.\n\n"
            + "\n\n".join(self.sections)
            + f"\n\n## Targets missed\n\n{misses}\n"
        )


def _machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return f"{platform.machine()}, {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=cold_start.ROUNDS, help="cold-start rounds (at least 10)")
    rounds = parser.parse_args().rounds
    began = time.monotonic()
    architecture = host_architecture()
    with TemporaryDirectory() as scratch:
        work = Path(scratch)
        print(f"building the template for {architecture}, to start its functions here...", flush=True)
        build = sizes.BUILD if architecture == "arm64" else host_build(work)
        print(f"cold starts and restores, {rounds} rounds...", flush=True)
        starts = cold_start.measure(build, work / "baselines", rounds)
        print("peak memory, a fresh process per function...", flush=True)
        peaks = {peak.name: peak for peak in memory.measure(build)}
        print("AWS calls per operation and the cleanup...", flush=True)
        operations, cleanups = calls.operations(), calls.cleanups()
        print("local transactions at 0 and 10 000 items...", flush=True)
        transactions = local_transactions.measure()
        print(f"the cleanup draining {drain.INVITATIONS:,} expired invitations...", flush=True)
        backlog = drain.measure()
        print("local API...", flush=True)
        ready, throughput = local_api.measure(work / "local")
    built = {size.name: size for size in sizes.measure()}

    report = Report()
    report.functions(starts, peaks, built, rounds)
    if sizes.LAYER in built:
        report.layer(built[sizes.LAYER])
    report.operations(operations)
    report.cleanups(cleanups)
    report.local_api(ready, throughput)
    report.transactions(transactions)
    report.backlog(backlog)
    text = report.markdown(time.monotonic() - began, architecture)
    REPORT.write_text(text, encoding="utf-8")
    print(text)
    print(f"written to {REPORT.relative_to(ROOT)}")
    if report.misses:
        print(f"\n{len(report.misses)} target(s) MISSED:", *(f"  MISS {miss}" for miss in report.misses), sep="\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
