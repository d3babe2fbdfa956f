"""Ctrl-C for `make run` and `make invoke` (local/interrupts.py): one KeyboardInterrupt, even when it lands in a
finalizer or a garbage collector's callback, where Python would print it as "Exception ignored" and drop it, or in a
constructor, whose half-built object would print the same from its finalizer later."""

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


class BuiltWhileInterrupted:
    def __init__(self, seconds: float = 0.0) -> None:
        signal.raise_signal(signal.SIGINT)  # the handler runs here, inside __init__
        time.sleep(seconds)
        self.built = True


def test_ctrl_c_in_a_constructor_is_raised_once_the_object_is_built() -> None:
    built: BuiltWhileInterrupted | None = None
    interrupted = False
    with interruptible():
        try:
            built = BuiltWhileInterrupted()
            for _ in range(200):
                time.sleep(0.01)
        except KeyboardInterrupt:
            interrupted = True

    assert interrupted
    assert built is not None
    assert built.built


def test_ctrl_c_in_a_constructor_that_does_not_end_lands_there_after_a_second() -> None:
    built: BuiltWhileInterrupted | None = None
    interrupted = False
    with interruptible():
        try:
            built = BuiltWhileInterrupted(seconds=30)  # a server's constructor that waits, say
        except KeyboardInterrupt:
            interrupted = True

    assert interrupted
    assert built is None  # it landed inside: the constructor never ended


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
