"""One function instance in its own process: its own environment and module state, warm after the first call."""

from __future__ import annotations

import io
import json
import os
import signal
import sys
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TextIO

from tools.handlers import load_module


@dataclass(frozen=True)
class InstanceSpec:
    """What a process needs to become one instance of a function."""

    logical_id: str
    function_arn: str
    handler: str
    code_dir: str
    layer_dirs: tuple[str, ...]
    environment: dict[str, str]
    memory_mb: int
    timeout_seconds: int
    number: int


@dataclass
class Context:
    """The Lambda context object handlers receive."""

    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    aws_request_id: str
    deadline: float
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = ""

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


class ReadableLog(io.TextIOBase):
    """Turns the handlers' JSON log lines into one readable terminal line each, prefixed with the instance."""

    def __init__(self, target: TextIO, prefix: str) -> None:
        self._target = target
        self._prefix = prefix
        self._pending = ""

    def write(self, text: str) -> int:
        self._pending += text
        while "\n" in self._pending:
            line, self._pending = self._pending.split("\n", 1)
            self._target.write(f"{self._prefix} {_readable(line)}\n")
        self._target.flush()
        return len(text)

    def flush(self) -> None:
        self._target.flush()


def _readable(line: str) -> str:
    try:
        record = json.loads(line)
    except ValueError:
        return line
    if not isinstance(record, dict):
        return line
    if "_aws" in record:  # a metrics (EMF) line
        names = [metric["Name"] for metric in record["_aws"]["CloudWatchMetrics"][0]["Metrics"]]
        return "metrics " + ", ".join(f"{name}={record.get(name)}" for name in names)
    skip = {"level", "message", "timestamp", "location", "service", "cold_start", "function_name", "xray_trace_id"}
    skip |= {"function_memory_size", "function_arn", "function_request_id", "sampling_rate"}
    details = " ".join(f"{key}={value}" for key, value in record.items() if key not in skip)
    return f"{record.get('level', '')} {record.get('message', '')} {details}".strip()


def _load_handler(spec: InstanceSpec) -> Any:
    module_name, _, function_name = spec.handler.rpartition(".")
    path = Path(spec.code_dir) / (module_name.replace(".", "/") + ".py")
    return getattr(load_module(module_name, path), function_name)


def serve(spec: InstanceSpec, connection: Connection) -> None:
    """The instance's life: take the environment, then answer invocations until told to stop (or orphaned)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group; the stack stops us
    os.environ.clear()
    os.environ.update(spec.environment)
    sys.path[:0] = [spec.code_dir, *spec.layer_dirs]
    prefix = f"{spec.logical_id}#{spec.number}"
    sys.stdout = ReadableLog(sys.stderr, prefix)  # the function's logs, as Lambda sends them to CloudWatch
    handler = None
    while True:
        try:
            message = connection.recv()
        except EOFError:  # the stack is gone
            return
        if message is None:
            return
        if message == "warm":
            try:
                handler = handler or _load_handler(spec)
            except Exception as error:  # reported again, in full, on the first real invocation
                sys.stderr.write(f"{prefix} could not load {spec.handler}: {error}\n")
            connection.send(("ok", None))
            continue
        event, request_id = message
        context = Context(
            function_name=spec.logical_id,
            memory_limit_in_mb=spec.memory_mb,
            invoked_function_arn=spec.function_arn,
            aws_request_id=request_id,
            deadline=time.monotonic() + spec.timeout_seconds,
        )
        try:
            if handler is None:
                handler = _load_handler(spec)
            result = handler(event, context)
            connection.send(("ok", json.loads(json.dumps(result, default=str))))
        except Exception as error:  # a handler error is the caller's answer, not this instance's end
            connection.send(
                (
                    "error",
                    {
                        "errorMessage": str(error),
                        "errorType": type(error).__name__,
                        "stackTrace": traceback.format_exception(error),
                    },
                )
            )
            sys.stderr.write(f"{prefix} handler raised {type(error).__name__}: {error}\n")
