"""Ctrl-C and `kill` for `make run` and `make invoke`: one KeyboardInterrupt, wherever it lands, never a second.

Imported before anything else of theirs, and needing only the standard library's `signal` and `threading`, so
that an import cannot be interrupted into a traceback either."""

from __future__ import annotations

import signal
import threading
from types import FrameType

_STOPPING = (signal.SIGINT, signal.SIGTERM)
_AGAIN_AFTER_SECONDS = 0.01


def _in_a_finalizer(frame: FrameType | None) -> bool:
    while frame is not None:
        if frame.f_code.co_name == "__del__":
            return True
        frame = frame.f_back
    return False


def _interrupt(signum: int, frame: FrameType | None) -> None:
    if _in_a_finalizer(frame):  # Python prints an exception raised in __del__ as "ignored", and drops it: once the
        threading.Timer(_AGAIN_AFTER_SECONDS, signal.raise_signal, (signum,)).start()  # finalizer is done, again
        return
    for stopping in _STOPPING:  # stopping takes a few seconds at most: a second Ctrl-C lets it finish
        signal.signal(stopping, signal.SIG_IGN)
    raise KeyboardInterrupt


class interruptible:  # noqa: N801 - used as a function: `with interruptible():`
    """Within the block, Ctrl-C and `kill` (SIGINT, SIGTERM) raise KeyboardInterrupt once, and are then ignored."""

    def __enter__(self) -> None:
        self._previous = {signum: signal.signal(signum, _interrupt) for signum in _STOPPING}

    def __exit__(self, *_: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
