"""Requests per second the local API serves for preview, with latency percentiles; target: 50 req/s."""

from __future__ import annotations

import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from tempfile import TemporaryDirectory

import requests

from tests.e2e.conftest import start_stack, stop_stack

TARGET_RPS = 50
CLIENTS = 8
SECONDS = 10.0


def main() -> int:
    with TemporaryDirectory() as work:
        started = time.monotonic()
        stack = start_stack(Path(work))
        ready = time.monotonic() - started
        try:
            answer = stack.post(
                "/v1/internal/accounts",
                {"company_name": "Bench Ltd", "administrator_email": "bench@example.com", "created_via": "sales"},
            )
            assert answer.status_code == 201, answer.text
            token = stack.last_token("bench@example.com")
            stack.post("/v1/invitations/preview", {"token": token})  # warm the instances

            def client(_: int) -> list[float]:
                latencies, session = [], requests.Session()
                deadline = time.monotonic() + SECONDS
                while time.monotonic() < deadline:
                    begun = time.monotonic()
                    reply = session.post(stack.api + "/v1/invitations/preview", json={"token": token}, timeout=10)
                    assert reply.status_code == 200, reply.text
                    latencies.append(time.monotonic() - begun)
                return latencies

            with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
                latencies = [value for result in pool.map(client, range(CLIENTS)) for value in result]
        finally:
            stop_stack(stack)
    rps = len(latencies) / SECONDS
    quantiles = statistics.quantiles(latencies, n=100)
    print(f"local stack ready in {ready:.1f} s")
    print(
        f"preview: {rps:.0f} req/s with {CLIENTS} clients over {SECONDS:.0f} s; "
        f"p50 {quantiles[49] * 1000:.0f} ms, p95 {quantiles[94] * 1000:.0f} ms (target >= {TARGET_RPS} req/s)"
    )
    return 0 if rps >= TARGET_RPS else 1


if __name__ == "__main__":
    sys.exit(main())
