"""Ctrl-C and `kill` for `make run` and `make invoke`: one KeyboardInterrupt, wherever it lands, never a second.

Imported before anything else of theirs, and needing only `signal`, so that an import cannot be interrupted into a
traceback either."""

from __future__ import annotations

import signal

_STOPPING = (signal.SIGINT, signal.SIGTERM)


def _interrupt(signum: int, frame: object) -> None:
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
