"""Every answer the tests see is held to the committed OpenAPI document: its status, headers and body schema."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator

from tools.api import Answer
from tools.functions import ROOT

DOCUMENT = ROOT / "functions" / "openapi" / "openapi.json"


@cache
def _document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    return document


@cache
def _validator(schema: str) -> Draft202012Validator:
    """A validator for one documented schema (as JSON text), resolving its references inside the document."""
    return Draft202012Validator({**json.loads(schema), "components": _document()["components"]})


def check_answer(method: str, resource: str, answer: Answer) -> None:
    """AssertionError when the answer is not one the document describes for this operation."""
    status, headers, body = answer.status, answer.headers, answer.body
    operation = _document()["paths"].get(resource, {}).get(method.lower())
    if operation is None:
        return  # not an API operation (the pages, the local inbox)
    response = operation["responses"].get(str(status))
    if response is None:
        # Only an unforeseen failure may answer what no route documents, and then as a bare INTERNAL_ERROR.
        assert (status, body) == (500, {"code": "INTERNAL_ERROR", "message": body.get("message")}), (status, body)
        return
    for name, header in response.get("headers", {}).items():
        if header.get("required"):
            assert name in headers, f"{method} {resource} {status} lacks the documented {name} header"
    content = response.get("content", {}).get("application/json")
    if content is None:
        assert not body, f"{method} {resource} {status} documents no body, but answered {body!r}"
        return
    errors = sorted(_validator(json.dumps(content["schema"], sort_keys=True)).iter_errors(body), key=str)
    assert not errors, f"{method} {resource} {status} answer does not match its documented schema: {errors[0].message}"
