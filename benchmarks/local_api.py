"""Requests per second and latency of the local API (`make run`) for preview and register, at 1, 4 and 16 clients."""

from __future__ import annotations

import itertools
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import requests

from local.launch import start_stack, stop_stack

CONCURRENCY = (1, 4, 16)
SECONDS = 4.0


@dataclass(frozen=True)
class Throughput:
    route: str
    clients: int
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    failures: int


def _load(
    url: str, clients: int, body: Callable[[], dict[str, str]], expected: int, seconds: float = SECONDS
) -> tuple[list[float], int]:
    def client(_: int) -> tuple[list[float], int]:
        latencies, failures, session = [], 0, requests.Session()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            begun = time.perf_counter()
            reply = session.post(url, json=body(), timeout=30)
            latencies.append(time.perf_counter() - begun)
            failures += reply.status_code != expected
        return latencies, failures

    with ThreadPoolExecutor(max_workers=clients) as pool:
        results = list(pool.map(client, range(clients)))
    return [value for latencies, _ in results for value in latencies], sum(failures for _, failures in results)


def measure(work: Path) -> tuple[float, list[Throughput]]:
    """Seconds until the stack was ready, and one row per route and concurrency."""
    started = time.monotonic()
    stack = start_stack(work)
    ready = time.monotonic() - started
    try:
        answer = stack.post(
            "/v1/internal/accounts",
            {"company_name": "Bench Ltd", "administrator_email": "bench@example.com", "created_via": "sales"},
        )
        assert answer.status_code == 201, answer.text
        token = stack.last_token("bench@example.com")
        numbers = itertools.count()
        routes = {
            "preview": ("/v1/invitations/preview", lambda: {"token": token}, 200),
            "register": (
                "/v1/accounts",
                lambda: {"email": f"bench{next(numbers)}@example.com", "company_name": "Bench Ltd"},
                201,
            ),
        }
        rows = []
        for route, (path, body, expected) in routes.items():
            _load(stack.api + path, 4, body, expected, seconds=1.0)  # every instance warm before the clock starts
            for clients in CONCURRENCY:
                latencies, failures = _load(stack.api + path, clients, body, expected)
                quantiles = statistics.quantiles(latencies, n=100)
                rows.append(
                    Throughput(
                        route,
                        clients,
                        len(latencies) / SECONDS,
                        quantiles[49] * 1000,
                        quantiles[98] * 1000,
                        failures,
                    )
                )
        return ready, rows
    finally:
        stop_stack(stack)
