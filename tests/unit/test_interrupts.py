"""Ctrl-C for `make run` and `make invoke` (local/interrupts.py): one KeyboardInterrupt, even when it lands in a
finalizer or a garbage collector's callback, where Python would print it as "Exception ignored" and drop it."""

from __future__ import annotations

import gc
import signal
import time

import pytest

from local.interrupts import interruptible


class InterruptedWhileFinalized:
    def __del__(self) -> None:
        signal.raise_signal(signal.SIGINT)  # the handler runs here, inside __del__


def test_ctrl_c_in_a_finalizer_is_raised_once_the_finalizer_is_done(capsys: pytest.CaptureFixture[str]) -> None:
    interrupted = False
    with interruptible():
        try:
            InterruptedWhileFinalized()  # finalized at once: nothing refers to it
            gc.collect()
            for _ in range(200):  # the interrupt comes back within milliseconds
                time.sleep(0.01)
        except KeyboardInterrupt:
            interrupted = True

    assert interrupted
    assert "Exception ignored" not in capsys.readouterr().err


def test_ctrl_c_in_a_garbage_collector_callback_is_raised_once_it_is_done(capsys: pytest.CaptureFixture[str]) -> None:
    def interrupted_while_collecting(phase: str, info: dict[str, int]) -> None:
        if phase == "stop":
            gc.callbacks.remove(interrupted_while_collecting)
            signal.raise_signal(signal.SIGINT)

    interrupted = False
    with interruptible():
        try:
            gc.callbacks.append(interrupted_while_collecting)
            gc.collect()
            for _ in range(200):
                time.sleep(0.01)
        except KeyboardInterrupt:
            interrupted = True

    assert interrupted
    assert "Exception ignored" not in capsys.readouterr().err


def test_ctrl_c_raises_once_and_the_second_is_ignored() -> None:
    raised = 0
    with interruptible():
        for _ in range(2):
            try:
                signal.raise_signal(signal.SIGINT)
                time.sleep(0.05)
            except KeyboardInterrupt:
                raised += 1

    assert raised == 1
