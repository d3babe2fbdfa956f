"""Prints the OpenAPI document of the whole API, merged from every API function's routes (`make openapi`)."""

from __future__ import annotations

import sys

from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge

from tools.functions import events

DESCRIPTION = (
    "Registration of business accounts, and the invitations that let a person join an account that already "
    "exists for their company. Every error is `{code, message, ...}`; clients branch on `code`, never on the "
    "message. Routes under /v1/internal are signed with AWS SigV4 (IAM) in the deployed stack."
)


def document() -> str:
    merge = OpenAPIMerge(title="Business accounts", version="1.0.0", description=DESCRIPTION, on_conflict="error")
    behind_the_api = {event.function.logical_id: event.function for event in events("Api")}
    for function in behind_the_api.values():
        merge.add_file(function.module_path, resolver_name="app")
    return merge.get_openapi_json_schema()


if __name__ == "__main__":
    sys.stdout.write(document() + "\n")
