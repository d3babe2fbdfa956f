"""The whole stack brought up from the template and served until Ctrl-C or `kill` (`python -m local`)."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import threading
import time

from local import bus_view, demo, gateway, inbox, lambda_api, options, schedules, ses_events, streams
from local.deployed import ignored_overrides, local_stack
from local.emulator import Emulator
from local.options import StartupError
from local.pools import FunctionPool, build_pools, stop_all, warm_all
from local.running import RunningStack, announce
from local.serving import serve_in_thread


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local", description="The local stack, served until Ctrl-C.")
    options.add_arguments(parser, "api_port", "lambda_port", "aws_port")
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
    parser.add_argument(
        "--ses-report-delay",
        type=float,
        default=2.0,
        help="seconds between an email and SES's report of it, and between two reports (default 2)",
    )
    return parser.parse_args(argv)


def start(arguments: argparse.Namespace, overrides: dict[str, dict[str, str]], running: contextlib.ExitStack) -> None:
    """Bring the stack up; each piece's stop goes on `running` as it starts, so whatever started is stopped."""
    started = time.monotonic()
    stack = local_stack(arguments.api_port)
    api_url = f"http://127.0.0.1:{arguments.api_port}"
    # Every port is taken before anything runs, so that a busy one is reported with nothing to clean up.
    emulator = options.bind("aws_port", arguments.aws_port, lambda port: Emulator(stack, port))
    running.callback(emulator.stop)
    pools: dict[str, FunctionPool] = {}  # filled once Lambda's port is known: the functions may invoke each other
    lambda_server = options.bind("lambda_port", arguments.lambda_port, lambda p: lambda_api.serve(pools, p))
    running.callback(lambda_server.server_close)
    lambda_endpoint = f"http://127.0.0.1:{lambda_server.server_address[1]}"
    pools.update(build_pools(stack, emulator.endpoint, overrides, arguments.instances, lambda_endpoint))
    running.callback(stop_all, pools.values())
    api_gateway = gateway.Gateway(
        stack,
        pools,
        lambda method, path: inbox.page(stack.region, method, path) or bus_view.page(stack.region, method, path),
    )
    api = options.bind("api_port", arguments.api_port, lambda port: gateway.serve(api_gateway, port))
    running.callback(api.server_close)

    print(f"AWS (moto)      {emulator.endpoint}: {', '.join(emulator.start())}", flush=True)
    seeded = demo.seed(emulator.resource("dynamodb"), demo.minter(emulator.client("kms"), stack), stack)
    print(f"Demo data       {seeded} (docs/local.md)", flush=True)
    warm_all(pools.values())
    running.callback(serve_in_thread(api, "api"))
    running.callback(serve_in_thread(lambda_server, "lambda"))
    stop_schedules = threading.Event()
    running.callback(stop_schedules.set)
    found, skipped = schedules.schedules(stack, pools)
    schedules.start(found, stop_schedules, arguments.schedule_rate_factor)
    reports = ses_events.Reports(stack, pools, delay_seconds=arguments.ses_report_delay)
    ses_events.start(reports, stop_schedules)
    readers = streams.start(stack, emulator, pools, stop_schedules)

    for route in gateway.routes(pools):
        print(f"  {route.method:6} {api_url}{route.resource} -> {route.pool.logical_id}")
    print(f"API             {api_url}   inbox: {api_url}/_local/inbox   bus: {api_url}/_local/events")
    print(f"Lambda API      http://127.0.0.1:{arguments.lambda_port} ({', '.join(pools)})")
    for schedule in found:
        period = schedule.every_seconds * arguments.schedule_rate_factor
        print(f"Schedule        {schedule.name} {schedule.expression}, every {period:g} s")
    for note in skipped:
        print(f"Schedule        {note}")
    for destination in reports.destinations:
        targets = ", ".join(rule.name for rule in reports.rules) or "no rule"
        types = ", ".join(sorted(destination.event_types))
        print(f"SES reports     {destination.configuration_set} ({types}) -> default bus -> {targets}")
    for line in readers:
        print(f"Stream          {line}")
    for note in ignored_overrides(overrides):
        print(f"env-vars        {note}")
    bound = RunningStack(os.getpid(), api.server_address[1], lambda_server.server_address[1], emulator.port)
    announce(bound, running)
    print(f"Ready in {time.monotonic() - started:.1f} s. Ctrl-C stops.", flush=True)


def serve(arguments: argparse.Namespace, overrides: dict[str, dict[str, str]]) -> None:
    """Run the stack until Ctrl-C or SIGTERM (options.interruptible), which also stop a start-up; either way
    everything started stops."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logging.getLogger("local").addHandler(handler)
    logging.getLogger("local").setLevel(logging.INFO)
    with contextlib.ExitStack() as running:
        try:
            start(arguments, overrides, running)
            threading.Event().wait()
        except KeyboardInterrupt:
            print("Stopping...", flush=True)
    print("Stopped.", flush=True)


def run(argv: list[str] | None = None) -> int:
    """`python -m local`: 0 once stopped, 1 (and one line on stderr) when it cannot start."""
    arguments = parse_arguments(argv)
    try:
        serve(arguments, options.read_env_vars(arguments.env_vars))
    except StartupError as error:
        print(error, file=sys.stderr, flush=True)
        return 1
    return 0
