"""What `make run` and `make invoke` read alike: the ports, the env-vars file, and one-line start-up errors."""

from __future__ import annotations

import argparse
import errno
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Each port: its option, the variable `make` passes it in, and its default (SPEC's local stack).
PORTS = {"api_port": ("API_PORT", 3000), "lambda_port": ("LAMBDA_PORT", 3001), "aws_port": ("AWS_PORT", 5000)}


class StartupError(Exception):
    """Why the stack (or an invocation) cannot start, in one line that says what to do."""


def add_arguments(parser: argparse.ArgumentParser, *ports: str, defaults: bool = True) -> None:
    """The ports' options (from `make`'s variables; with `defaults`, SPEC's ports, else None) and --env-vars."""
    for port in ports:
        variable, default = PORTS[port]
        option = "--" + port.replace("_", "-")
        given = os.environ.get(variable)
        value = int(given) if given else (default if defaults else None)
        parser.add_argument(option, type=int, default=value, help=f"${variable}")
    parser.add_argument(
        "--env-vars",
        type=Path,
        default=os.environ.get("ENV_VARS") or None,
        help="function environment overrides in the `sam local --env-vars` format ($ENV_VARS)",
    )


def _kind(value: Any) -> str:
    kinds = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return kinds.get(type(value), "a number")


def read_json(path: Path, what: str) -> Any:
    """The JSON in `path`; a StartupError naming `what` and the file says why it cannot be read."""
    problem = f"{what} {path}:"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StartupError(f"{problem} no such file") from None
    except OSError as error:
        raise StartupError(f"{problem} cannot be read ({error.strerror})") from None
    except UnicodeDecodeError:
        raise StartupError(f"{problem} is not UTF-8 text") from None
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        raise StartupError(f"{problem} not valid JSON: {error.msg} ({where})") from None


def read_env_vars(path: Path | None) -> dict[str, dict[str, str]]:
    """The `sam local --env-vars` file: {"Parameters": {...}} for every function, {"LogicalId": {...}} for one."""
    if path is None:
        return {}
    overrides = read_json(path, "env-vars file")
    problem = f"env-vars file {path}:"
    if not isinstance(overrides, dict):
        example = '{"Parameters": {"NAME": "value"}}'
        raise StartupError(f"{problem} must be a JSON object such as {example}, not {_kind(overrides)}")
    for scope, variables in overrides.items():
        if not isinstance(variables, dict):
            raise StartupError(f'{problem} "{scope}" must be an object of variables, not {_kind(variables)}')
        for name, value in variables.items():
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                raise StartupError(f'{problem} "{scope}.{name}" must be a string or a number, not {_kind(value)}')
    return {scope: {name: str(value) for name, value in variables.items()} for scope, variables in overrides.items()}


def bind[T](port_option: str, port: int, bind: Callable[[int], T]) -> T:
    """`bind(port)`, or one line naming the port, its variable and what to do when it cannot be had."""
    variable, _ = PORTS[port_option]
    try:
        return bind(port)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise StartupError(
                f"port {port} ({variable}) is in use: stop what is using it (another `make run`?) "
                f"or choose another port, e.g. make run {variable}={port + 100}"
            ) from None
        raise StartupError(f"port {port} ({variable}) cannot be used: {error.strerror}") from None
