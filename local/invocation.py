"""One function invoked once with one event (`make invoke`): against the AWS of the stack that `make run` runs,
found by itself, or a fresh AWS with the demo data for this invocation only."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError

from local import options
from local.deployed import local_stack
from local.options import PORTS, StartupError
from local.pools import build_pools, stop_all
from local.running import RunningStack, running_stacks, stacks_folder
from tools.template import Stack


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    description = "One function, one event, as `sam local invoke -e`, without Docker."
    parser = argparse.ArgumentParser(prog="python -m local.invoke", description=description)
    parser.add_argument("function", help="the function's logical ID in template.yaml, e.g. JoinFunction")
    parser.add_argument("--event", "-e", type=Path, required=True, help="the event: a JSON file, e.g. events/join.json")
    options.add_arguments(parser, "api_port", "aws_port", defaults=False)
    return parser.parse_args(argv)


def ports(arguments: argparse.Namespace, stacks: list[RunningStack]) -> tuple[int, int]:
    """The AWS and API ports to invoke with: those given (AWS_PORT=, API_PORT=), else those of the one stack that
    `make run` runs, else SPEC's."""
    aws_port, api_port = arguments.aws_port, arguments.api_port
    if aws_port is None and len(stacks) > 1:
        choices = " or ".join(stack.settings for stack in stacks)
        raise StartupError(f"{len(stacks)} local stacks run (make run): say which, with {choices}")
    if aws_port is None:
        aws_port = stacks[0].aws_port if stacks else PORTS["aws_port"][1]
    known = next((stack for stack in stacks if stack.aws_port == aws_port), None)
    if api_port is None:
        api_port = known.api_port if known else PORTS["api_port"][1]
    return aws_port, api_port


def running_stack(stack: Stack, aws_port: int) -> str | None:
    """The AWS endpoint of the local stack running on `aws_port`; None when nothing listens there."""
    endpoint = f"http://127.0.0.1:{aws_port}"
    dynamodb = boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name=stack.region,
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 - moto accepts any credentials
        config=Config(connect_timeout=1, read_timeout=5, retries={"total_max_attempts": 1}),
    )
    try:
        tables = set(dynamodb.list_tables()["TableNames"])
    except EndpointConnectionError:
        return None
    except (BotoCoreError, ClientError) as error:
        raise StartupError(f"127.0.0.1:{aws_port} (AWS_PORT) answers, but not as a local stack: {error}") from None
    if missing := set(stack.logical_ids("AWS::DynamoDB::Table")) - tables:
        raise StartupError(f"the AWS on 127.0.0.1:{aws_port} (AWS_PORT) is not this stack's: no {', '.join(missing)}")
    return endpoint


def _fresh_aws(stack: Stack, running: contextlib.ExitStack) -> str:
    """An emulator of this invocation's own, with the demo data; its endpoint."""
    # Imported here: moto takes half a second to import, which an invocation against a running stack saves.
    from local.demo import minter, seed  # noqa: PLC0415
    from local.emulator import Emulator  # noqa: PLC0415

    emulator = Emulator(stack, 0)
    running.callback(emulator.stop)
    emulator.start()
    seed(emulator.resource("dynamodb"), minter(emulator.client("kms"), stack), stack)
    return emulator.endpoint


def _no_stack(aws_port: int, stacks: list[RunningStack]) -> str:
    elsewhere = (
        f"`make run` runs one with {' and one with '.join(stack.settings for stack in stacks)}: pass that to use it"
        if stacks
        else f"none says it runs in {stacks_folder()}; for a stack on other ports, pass its AWS_PORT= and API_PORT="
    )
    return (
        f"No local stack answers on 127.0.0.1:{aws_port} (AWS_PORT), and {elsewhere}. This invocation runs against "
        "a fresh AWS with the demo data, and nothing it writes or sends is kept: start `make run` to keep it."
    )


def invoke(arguments: argparse.Namespace) -> int:
    """Invoke, print the answer on stdout; 0, or 1 when the handler raised."""
    overrides = options.read_env_vars(arguments.env_vars)
    event = options.read_json(arguments.event, "event file")
    stacks = running_stacks()
    aws_port, api_port = ports(arguments, stacks)
    stack = local_stack(api_port)
    if arguments.function not in (declared := stack.logical_ids("AWS::Serverless::Function")):
        raise StartupError(f"no function {arguments.function} in template.yaml; one of {', '.join(declared)}")
    with contextlib.ExitStack() as running:
        endpoint = running_stack(stack, aws_port)
        if endpoint is None:
            print(_no_stack(aws_port, stacks), file=sys.stderr)
            endpoint = _fresh_aws(stack, running)
        else:
            print(f"AWS: the local stack on {endpoint}", file=sys.stderr)
        pool = build_pools(stack, endpoint, overrides, instances=1)[arguments.function]
        running.callback(stop_all, [pool])
        outcome = pool.invoke(event)
    print(json.dumps(outcome.result if outcome.error is None else outcome.error), flush=True)
    return 0 if outcome.error is None else 1


def run(argv: list[str] | None = None) -> int:
    """`python -m local.invoke`: 0, 1 when the handler raised, 2 (and one line on stderr) for a mistake in the call."""
    arguments = parse_arguments(argv)
    try:
        return invoke(arguments)
    except StartupError as error:
        print(error, file=sys.stderr)
        return 2
