"""GET /v1/openapi.json: the OpenAPI document of the whole API, generated from the routes by `make openapi`."""

from functools import cache
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from business_accounts.adapters import snapshot
from business_accounts.models.api import OpenApiDocument
from business_accounts.observability import logger
from business_accounts.web.http import answers, create_app

DOCUMENT = Path(__file__).with_name("openapi.json")
app = create_app()


@cache
def document() -> str:
    return DOCUMENT.read_text(encoding="utf-8")


@app.get(
    "/v1/openapi.json",
    cache_control="max-age=300",
    operation_id="getOpenApiDocument",
    responses=answers(200, OpenApiDocument),
    tags=["Documentation"],
)
def openapi() -> Response[str]:
    return Response(status_code=200, content_type="application/json", body=document())


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)


# SnapStart: what a first request would build is built before the snapshot (adapters/snapshot.py).
snapshot.prepare(app, calls_aws=False, warm=document)
