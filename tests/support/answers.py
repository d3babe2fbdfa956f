"""What every answer must be, whatever it says: a body declared as JSON, and errors that reveal nothing internal."""

from __future__ import annotations

import json
import re

from tests.support.api import Answer

# Names of what is inside the service (code, frames, libraries, tables, paths): no answer may carry one.
INTERNAL_NAMES = (
    "traceback",
    ".py",
    'file "',
    "exception",
    "pydantic",
    "botocore",
    "boto3",
    "dynamodb",
    "business_accounts",
    "store",
    "internalservererror",
    "runtimeerror",
    "clienterror",
    "accountstable",
    "invitationstable",
    "/opt/",
    "/var/task",
)
TRACEBACK_LINE = re.compile(r"\bline \d")  # a frame's `line 42`; a message may still say "one line"


def assert_declares_json(answer: Answer) -> None:
    """The answer says its body is JSON (Content-Type application/json), and the body parses as JSON."""
    content_type = answer.header("Content-Type")
    assert content_type is not None, answer.headers
    assert content_type.split(";")[0].strip().lower() == "application/json", content_type
    assert isinstance(answer.body, dict | list), answer.body


def assert_reveals_nothing_internal(answer: Answer) -> None:
    """Neither the body nor a header of the answer names anything inside the service."""
    text = (json.dumps(answer.body) + json.dumps(answer.headers)).lower()
    assert [name for name in INTERNAL_NAMES if name in text] == [], answer.body
    assert not TRACEBACK_LINE.search(text), answer.body


def assert_bare_server_error(answer: Answer) -> None:
    """A 5xx that says only `{code, message}`, in JSON, with a code in capitals and nothing internal."""
    assert 500 <= answer.status < 600, answer.body
    assert_declares_json(answer)
    assert set(answer.body) == {"code", "message"}, answer.body
    assert re.fullmatch(r"[A-Z][A-Z_]+", answer.body["code"]), answer.body
    assert_reveals_nothing_internal(answer)
