"""What the functions write, captured: the service logger's JSON lines, EMF metrics on stdout, stderr, log records."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, cast

import pytest


class RecordingHandler(logging.Handler):
    """What caplog would keep (caplog is off under `-p no:logging`): every record, with its extra fields."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage() + " " + json.dumps(vars(record), default=str))


@dataclass
class Output:
    """Everything the functions wrote since the capture started (or since `forget`), read in any of its forms."""

    capsys: pytest.CaptureFixture[str]
    service_log: io.StringIO
    records: RecordingHandler
    caplog: pytest.LogCaptureFixture | None
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """Every line written anywhere, as text: to search for what must never be written."""
        self._read_std_streams()
        caplog_lines = self.caplog.text.splitlines() if self.caplog else []
        return self.service_lines() + self.stdout + self.stderr + self.records.lines + caplog_lines

    def service_lines(self) -> list[str]:
        """The service logger's lines (JSON, one a line)."""
        return self.service_log.getvalue().splitlines()

    def messages(self) -> list[str]:
        """The message of each line the service logged, oldest first."""
        return [str(json.loads(line)["message"]) for line in self.service_lines()]

    def metric_documents(self) -> list[dict[str, Any]]:
        """The EMF documents Powertools' metrics printed on stdout."""
        self._read_std_streams()
        return [json.loads(line) for line in self.stdout if line.startswith('{"_aws"')]

    def metrics(self) -> dict[str, float]:
        """Metric name -> the sum of its values, over every EMF document."""
        found: dict[str, float] = {}
        for document in self.metric_documents():
            for directive in document["_aws"]["CloudWatchMetrics"]:
                for metric in directive["Metrics"]:
                    values = document[metric["Name"]]
                    found[metric["Name"]] = found.get(metric["Name"], 0) + sum(
                        values if isinstance(values, list) else [values]
                    )
        return found

    def forget(self) -> None:
        """Drop what was written so far: later reads see only what comes after."""
        self._read_std_streams()
        self.stdout.clear()
        self.stderr.clear()
        self.service_log.seek(0)
        self.service_log.truncate()
        self.records.lines.clear()
        if self.caplog:
            self.caplog.clear()

    def _read_std_streams(self) -> None:
        captured = self.capsys.readouterr()
        self.stdout += captured.out.splitlines()
        self.stderr += captured.err.splitlines()


@contextmanager
def captured_output(request: pytest.FixtureRequest) -> Iterator[Output]:
    """The service logger's handler writes to a buffer, at DEBUG (the most verbose level the template allows)."""
    # Imported before capsys starts, so that a first import does not bind the logger to this test's stdout.
    from business_accounts.observability import logger

    capsys: pytest.CaptureFixture[str] = request.getfixturevalue("capsys")
    # caplog too where pytest's logging plugin is on (`-p no:logging` turns it off; RecordingHandler stays).
    with_caplog = request.config.pluginmanager.has_plugin("logging")
    caplog: pytest.LogCaptureFixture | None = request.getfixturevalue("caplog") if with_caplog else None
    if caplog:
        caplog.set_level(logging.DEBUG, logger=logger.name)
    handler = cast("logging.StreamHandler[Any]", logger.registered_handler)  # Powertools logs through a stream
    service_log = io.StringIO()
    records = RecordingHandler()
    root = logging.getLogger()
    root.addHandler(records)
    previous_stream, handler.stream = handler.stream, service_log
    previous_level = logger.log_level
    logger.setLevel(logging.DEBUG)
    try:
        yield Output(capsys, service_log, records, caplog)
    finally:
        logger.setLevel(previous_level)
        handler.stream = previous_stream
        root.removeHandler(records)
