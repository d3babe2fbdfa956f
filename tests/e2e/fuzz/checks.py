"""A Schemathesis check of this API's own: a request the OpenAPI document allows is never refused as invalid."""

from __future__ import annotations

from typing import Any

import schemathesis

REFUSED_AS_INVALID = frozenset({400, 422})
# SPEC: the same Idempotency-Key (or external_reference) with another body; valid each time, refused together.
REUSED_KEY = "IDEMPOTENCY_KEY_REUSED"


@schemathesis.check
def schema_valid_request_is_not_refused_as_invalid(ctx: Any, response: Any, case: Any) -> bool | None:
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code not in REFUSED_AS_INVALID:
        return None
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("code") == REUSED_KEY:
        return None
    raise AssertionError(f"A request the document allows was refused with {response.status_code}: {body}")
