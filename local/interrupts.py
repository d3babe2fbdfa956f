"""Ctrl-C and `kill` for `make run` and `make invoke`: one KeyboardInterrupt, wherever it lands, never a second.

Imported before anything else of theirs, and needing only the standard library's `signal`, `sys` and `threading`,
so that an import cannot be interrupted into a traceback either."""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType
from typing import Any

_STOPPING = (signal.SIGINT, signal.SIGTERM)
_AGAIN_AFTER_SECONDS = 0.01


def _interrupt(signum: int, frame: FrameType | None) -> None:
    for stopping in _STOPPING:  # stopping takes a few seconds at most: a second Ctrl-C lets it finish
        signal.signal(stopping, signal.SIG_IGN)
    raise KeyboardInterrupt


class interruptible:  # noqa: N801 - used as a function: `with interruptible():`
    """Within the block, Ctrl-C and `kill` (SIGINT, SIGTERM) raise KeyboardInterrupt once, and are then ignored.

    One that lands where Python can only drop an exception (a finalizer, a garbage collector's callback: it prints
    "Exception ignored" and goes on) is raised again a moment later, back in ordinary code."""

    def __enter__(self) -> None:
        self._previous = {signum: signal.signal(signum, _interrupt) for signum in _STOPPING}
        self._unraisable = sys.unraisablehook
        sys.unraisablehook = self._dropped

    def __exit__(self, *_: object) -> None:
        sys.unraisablehook = self._unraisable
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)

    def _dropped(self, unraisable: Any) -> None:
        if not isinstance(unraisable.exc_value, KeyboardInterrupt) or threading.current_thread() is not (
            threading.main_thread()
        ):
            self._unraisable(unraisable)
            return
        for signum in _STOPPING:
            signal.signal(signum, _interrupt)
        threading.Timer(_AGAIN_AFTER_SECONDS, signal.raise_signal, (signal.SIGINT,)).start()
