"""`python -m local.invoke`: one function, one event, as `sam local invoke -e` does but without Docker (`make invoke`).

The function runs in its own process with the environment `make run` gives it (the template's, then ENV_VARS);
its answer goes to stdout, its logs to stderr, and the exit code is 1 when it raised. AWS is the running local
stack's (on AWS_PORT) when one is up; otherwise a fresh emulator with the demo data, for this invocation only.
"""

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
from local.options import StartupError
from local.pools import build_pools, stop_all
from tools.template import Stack


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local.invoke", description=__doc__.split("\n", 1)[0])
    parser.add_argument("function", help="the function's logical ID in template.yaml, e.g. JoinFunction")
    parser.add_argument("--event", "-e", type=Path, required=True, help="the event: a JSON file, e.g. events/join.json")
    options.add_arguments(parser, "api_port", "aws_port")
    return parser.parse_args(argv)


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
    from local.demo import seed  # noqa: PLC0415
    from local.emulator import Emulator  # noqa: PLC0415

    emulator = Emulator(stack, 0)
    running.callback(emulator.stop)
    emulator.start()
    seed(emulator.resource("dynamodb"), stack)
    return emulator.endpoint


def invoke(arguments: argparse.Namespace) -> int:
    overrides = options.read_env_vars(arguments.env_vars)
    event = options.read_json(arguments.event, "event file")
    stack = options.local_stack(arguments.api_port)
    if arguments.function not in (declared := stack.logical_ids("AWS::Serverless::Function")):
        raise StartupError(f"no function {arguments.function} in template.yaml; one of {', '.join(declared)}")
    with contextlib.ExitStack() as running:
        endpoint = running_stack(stack, arguments.aws_port)
        if endpoint is None:
            print(
                f"No local stack answers on 127.0.0.1:{arguments.aws_port} (AWS_PORT): this invocation runs against "
                "a fresh AWS with the demo data, and nothing it writes or sends is kept. Start `make run` to keep it.",
                file=sys.stderr,
            )
            endpoint = _fresh_aws(stack, running)
        else:
            print(f"AWS: the local stack on {endpoint}", file=sys.stderr)
        pool = build_pools(stack, endpoint, overrides, instances=1)[arguments.function]
        running.callback(stop_all, [pool])
        outcome = pool.invoke(event)
    print(json.dumps(outcome.result if outcome.error is None else outcome.error), flush=True)
    return 0 if outcome.error is None else 1


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    try:
        return invoke(arguments)
    except StartupError as error:
        print(error, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
