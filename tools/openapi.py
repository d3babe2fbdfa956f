"""Prints the OpenAPI document of the whole API, merged from every API function's routes (`make openapi`)."""

from __future__ import annotations

import json
import sys
from typing import Any

from tools.functions import functions

TITLE = "Business accounts"
VERSION = "1.0.0"
DESCRIPTION = (
    "Registration of business accounts, and the invitations that let a person join an account that already "
    "exists for their company. Errors are `{code, message, ...}`; clients branch on `code`. "
    "Routes under /v1/internal are signed with AWS SigV4 (IAM) in the deployed stack."
)


def document() -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for function in functions().values():
        app = getattr(function.load(), "app", None)
        if app is None:
            continue
        schema = json.loads(app.get_openapi_json_schema(title=TITLE, version=VERSION, description=DESCRIPTION))
        if not merged:
            merged = schema
            continue
        for path, operations in schema.get("paths", {}).items():
            merged.setdefault("paths", {}).setdefault(path, {}).update(operations)
        for name, component in schema.get("components", {}).get("schemas", {}).items():
            merged.setdefault("components", {}).setdefault("schemas", {})[name] = component
    merged["paths"] = dict(sorted(merged.get("paths", {}).items()))
    merged.setdefault("components", {})["schemas"] = dict(sorted(merged["components"].get("schemas", {}).items()))
    return merged


def main() -> None:
    json.dump(document(), sys.stdout, indent=2, sort_keys=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
