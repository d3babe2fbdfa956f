"""The template's functions, each a pool of instances in separate processes with exactly its own environment."""

from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing
import queue
import signal
import threading
import time
import uuid
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing import resource_tracker
from multiprocessing.process import BaseProcess
from typing import Any

from local.worker import InstanceSpec, serve
from tools.functions import functions
from tools.template import ACCOUNT_ID, Stack

# Instances are forked from a server process that imported only the worker, so each starts clean, and quickly.
# The server and every instance keep Ctrl-C blocked from their first instruction (Instance), as a terminal sends it
# to the whole process group: the stack stops its instances itself, without a traceback each.
_START = multiprocessing.get_context("forkserver")
_START.set_forkserver_preload(["local.worker"])


@dataclass(frozen=True)
class Outcome:
    """What an invocation gave: a result, or a handler error in Lambda's shape."""

    result: Any = None
    error: dict[str, Any] | None = None


class FunctionTimeoutError(Exception):
    pass


class Instance:
    def __init__(self, spec: InstanceSpec) -> None:
        self.spec = spec
        self._connection, child = _START.Pipe()
        self._process: BaseProcess = _START.Process(
            target=serve, args=(spec, child), name=f"{spec.logical_id}#{spec.number}", daemon=True
        )
        # Blocked here, Ctrl-C stays blocked in the fork server this starts (its first instance) and in every
        # instance forked from it: the mask outlives fork and exec, where a handler would come too late. The fork
        # server first starts multiprocessing's resource tracker, which unblocks SIGINT once it has started its own
        # process: started before the mask, it leaves the mask alone.
        resource_tracker.ensure_running()
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            self._process.start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        child.close()

    def warm(self) -> None:
        self._connection.send("warm")
        self._connection.recv()

    def invoke(self, event: Any, request_id: str) -> Outcome:
        self._connection.send((event, request_id))
        if not self._connection.poll(self.spec.timeout_seconds + 5):  # + the cold start's imports
            raise FunctionTimeoutError(f"Task timed out after {self.spec.timeout_seconds} seconds")
        kind, payload = self._connection.recv()
        return Outcome(result=payload) if kind == "ok" else Outcome(error=payload)

    def ask_to_stop(self) -> None:
        with contextlib.suppress(OSError):  # already gone
            self._connection.send(None)

    def stop_by(self, deadline: float) -> None:
        """Wait for the instance to stop until `deadline` (monotonic), then kill it."""
        self._process.join(timeout=max(0.0, deadline - time.monotonic()))
        if self._process.is_alive():
            self.kill()

    def kill(self) -> None:
        self._process.kill()
        self._process.join()


class FunctionPool:
    """Up to `instances` warm instances of one function; concurrent invocations run in parallel instances."""

    def __init__(self, logical_id: str, spec: InstanceSpec, instances: int) -> None:
        self.logical_id = logical_id
        self.spec = spec
        self._idle: queue.LifoQueue[Instance] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(instances)
        self._started = 0
        self._lock = threading.Lock()
        self._all: list[Instance] = []

    def start_instance(self) -> Instance:
        with self._lock:
            self._started += 1
            spec = dataclasses.replace(self.spec, number=self._started)
            instance = Instance(spec)
            self._all.append(instance)
            return instance

    def warm(self, instance: Instance) -> None:
        """Import the handler of a new instance ahead of the first request, so that the first answer is quick."""
        with self._slots:
            instance.warm()
            self._idle.put(instance)

    def invoke(self, event: Any) -> Outcome:
        with self._slots:
            try:
                instance = self._idle.get_nowait()
            except queue.Empty:
                instance = self.start_instance()
            try:
                outcome = instance.invoke(event, str(uuid.uuid4()))
            except (FunctionTimeoutError, EOFError, OSError) as error:
                instance.kill()
                return Outcome(error={"errorMessage": str(error), "errorType": type(error).__name__})
            self._idle.put(instance)
            return outcome

    @property
    def instances(self) -> list[Instance]:
        with self._lock:
            return list(self._all)


def warm_all(pools: Iterable[FunctionPool]) -> None:
    """One instance of every function, its handler imported, ahead of the first request."""
    started = [(pool, pool.start_instance()) for pool in pools]
    with ThreadPoolExecutor(max_workers=len(started) or 1) as warming:
        list(warming.map(lambda item: item[0].warm(item[1]), started))


def stop_all(pools: Iterable[FunctionPool], grace_seconds: float = 2.0) -> None:
    """Ask every instance to stop at once, give them `grace_seconds` together, then kill what is left."""
    instances = [instance for pool in pools for instance in pool.instances]
    for instance in instances:
        instance.ask_to_stop()
    deadline = time.monotonic() + grace_seconds
    for instance in instances:
        instance.stop_by(deadline)


def build_pools(
    stack: Stack,
    aws_endpoint: str,
    overrides: dict[str, dict[str, str]],
    instances: int,
    lambda_endpoint: str | None = None,
) -> dict[str, FunctionPool]:
    """A pool for every function of the template, its instances to run with exactly the function's environment
    (and, with `lambda_endpoint`, Lambda's API there: a function that invokes one, as the cleanup does itself)."""
    pools = {}
    for logical_id, function in functions().items():
        spec = InstanceSpec(
            logical_id=logical_id,
            function_arn=f"arn:aws:lambda:{stack.region}:{ACCOUNT_ID}:function:{logical_id}",
            handler=function.handler,
            code_dir=str(function.code_dir),
            layer_dirs=tuple(str(layer) for layer in function.layer_dirs),
            environment=function.lambda_environment(stack, aws_endpoint, overrides)
            | ({"AWS_ENDPOINT_URL_LAMBDA": lambda_endpoint} if lambda_endpoint else {}),
            memory_mb=function.memory_mb,
            timeout_seconds=function.timeout_seconds,
            number=0,
        )
        pools[logical_id] = FunctionPool(logical_id, spec, instances)
    return pools
