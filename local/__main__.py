"""`python -m local`: start the local stack and serve until Ctrl-C (what `make run` does)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import FrameType

from local import gateway, inbox, invoke, schedules
from local.cloudformation import Stack
from local.emulator import Emulator
from local.functions import build_pools, ignored_overrides
from tools.functions import ROOT, template

REGION = "eu-west-1"


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local", description=__doc__)
    parser.add_argument("--api-port", type=int, default=int(os.environ.get("API_PORT") or 3000))
    parser.add_argument("--lambda-port", type=int, default=int(os.environ.get("LAMBDA_PORT") or 3001))
    parser.add_argument("--aws-port", type=int, default=int(os.environ.get("AWS_PORT") or 5000))
    parser.add_argument(
        "--env-vars",
        type=Path,
        default=os.environ.get("ENV_VARS") or None,
        help="function environment overrides in the `sam local --env-vars` format",
    )
    parser.add_argument(
        "--instances",
        type=int,
        default=int(os.environ.get("INSTANCES") or 4),
        help="parallel instances per function (default 4)",
    )
    parser.add_argument(
        "--schedule-rate-factor",
        type=float,
        default=1.0,
        help="multiply every schedule's period (e.g. 0.001 fires an hourly rule every 3.6 s)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    arguments = parse_arguments(argv)
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logging.getLogger("local").addHandler(handler)
    logging.getLogger("local").setLevel(logging.INFO)
    started = time.monotonic()
    overrides = json.loads(arguments.env_vars.read_text()) if arguments.env_vars else {}
    api_url = f"http://127.0.0.1:{arguments.api_port}"
    # Email links work locally: they point at the local accept page unless env.json says otherwise.
    stack = Stack(template(), REGION, {"AcceptPageUrl": f"{api_url}/invitations/accept"})

    emulator = Emulator(stack, arguments.aws_port)
    created = emulator.start()
    pools = build_pools(stack, ROOT, emulator.endpoint, overrides, arguments.instances)
    with ThreadPoolExecutor(max_workers=len(pools)) as warming:
        list(warming.map(lambda pool: pool.warm(), pools.values()))

    api = gateway.serve(
        gateway.Gateway(stack, pools, lambda method, path: inbox.page(REGION, method, path)), arguments.api_port
    )
    lambda_api = invoke.serve(pools, arguments.lambda_port)
    for server in (api, lambda_api):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    stop = threading.Event()
    found, skipped = schedules.schedules(stack, pools)
    schedules.start(found, stop, arguments.schedule_rate_factor)

    print(f"AWS (moto)      {emulator.endpoint}: {', '.join(created)}")
    for route in gateway.routes(pools):
        print(f"  {route.method:6} {api_url}{route.resource} -> {route.pool.logical_id}")
    print(f"API             {api_url}   inbox: {api_url}/_local/inbox")
    print(f"Lambda invoke   http://127.0.0.1:{arguments.lambda_port} ({', '.join(pools)})")
    for schedule in found:
        period = schedule.every_seconds * arguments.schedule_rate_factor
        print(f"Schedule        {schedule.name} {schedule.expression}, every {period:g} s")
    for note in skipped:
        print(f"Schedule        {note}")
    for note in ignored_overrides(stack, overrides):
        print(f"env-vars        {note}")
    print(f"Ready in {time.monotonic() - started:.1f} s. Ctrl-C stops.", flush=True)

    def shut_down(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, shut_down)
    signal.signal(signal.SIGINT, shut_down)
    stop.wait()
    print("Stopping...", flush=True)
    for server in (api, lambda_api):
        server.shutdown()
    for pool in pools.values():
        pool.stop()
    emulator.stop()
    sys.exit(0)


if __name__ == "__main__":
    main()
