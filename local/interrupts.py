"""Ctrl-C and `kill` for `make run` and `make invoke`: one KeyboardInterrupt, wherever it lands, never a second.

Imported before anything else of theirs, and needing only the standard library's `signal`, `sys`, `threading` and
`time`, so that an import cannot be interrupted into a traceback either."""

from __future__ import annotations

import signal
import sys
import threading
import time
from types import FrameType
from typing import Any

_STOPPING = (signal.SIGINT, signal.SIGTERM)
_AGAIN_AFTER_SECONDS = 0.01
_PATIENCE_SECONDS = 1.0  # longest an interrupt waits for the objects being built; then it lands wherever it is


class interruptible:  # noqa: N801 - used as a function: `with interruptible():`
    """Within the block, Ctrl-C and `kill` (SIGINT, SIGTERM) raise KeyboardInterrupt once, and are then ignored.

    It is raised in ordinary code only, a moment later when it lands elsewhere:
    - in a constructor (`__init__` on the stack): the object would be left half-built, and its finalizer would later
      print "Exception ignored ... has no attribute" (an http.client response whose socket file was being made);
    - in a finalizer or a garbage collector's callback, where Python can only drop it and print "Exception ignored".
    """

    def __enter__(self) -> None:
        self._inside = True
        self._waiting_since: float | None = None
        self._previous = {signum: signal.signal(signum, self._interrupt) for signum in _STOPPING}
        self._unraisable = sys.unraisablehook
        sys.unraisablehook = self._dropped

    def __exit__(self, *_: object) -> None:
        self._inside = False
        sys.unraisablehook = self._unraisable
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)

    def _interrupt(self, signum: int, frame: FrameType | None) -> None:
        if _building(frame) and not self._waited_long_enough():
            self._again()
            return
        for stopping in _STOPPING:  # stopping takes a few seconds at most: a second Ctrl-C lets it finish
            signal.signal(stopping, signal.SIG_IGN)
        raise KeyboardInterrupt

    def _waited_long_enough(self) -> bool:
        now = time.monotonic()
        if self._waiting_since is None:
            self._waiting_since = now
        return now - self._waiting_since >= _PATIENCE_SECONDS

    def _dropped(self, unraisable: Any) -> None:
        if not isinstance(unraisable.exc_value, KeyboardInterrupt) or threading.current_thread() is not (
            threading.main_thread()
        ):
            self._unraisable(unraisable)
            return
        for signum in _STOPPING:
            signal.signal(signum, self._interrupt)
        self._again()

    def _again(self) -> None:
        threading.Timer(_AGAIN_AFTER_SECONDS, self._raise_if_inside).start()

    def _raise_if_inside(self) -> None:
        if self._inside:  # a block left meanwhile has nothing left to interrupt
            signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)  # wakes a sleep or a wait there


def _building(frame: FrameType | None) -> bool:
    while frame is not None:
        if frame.f_code.co_name == "__init__":
            return True
        frame = frame.f_back
    return False
