"""The HTTP edge shared by every API function: the resolver, and the one place errors become answers."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from pydantic import BaseModel

from business_accounts.api import ErrorBody
from business_accounts.config import load_settings
from business_accounts.errors import DomainError
from business_accounts.observability import logger

_ERRORS = {
    404: "NOT_FOUND, INVITATION_NOT_FOUND or ROUTE_NOT_FOUND",
    409: "PENDING_INVITATION, ALREADY_REGISTERED, ALREADY_MEMBER, INVITATION_ALREADY_ACCEPTED or CONCURRENT_UPDATE",
    410: "INVITATION_EXPIRED, INVITATION_SUPERSEDED or INVITATION_REVOKED",
    422: "VALIDATION_ERROR (with `errors: [{field, message}]`) or IDEMPOTENCY_KEY_REUSED",
    429: "RATE_LIMITED; the Retry-After header says after how many seconds to try again",
    503: "EMAIL_DELIVERY_FAILED or SERVICE_UNAVAILABLE; nothing was changed; retry after Retry-After seconds",
}


def answers(status: int, model: type[BaseModel] | None, *errors: int) -> dict[int, Any]:
    """The OpenAPI responses of a route: its success, 422 for bad input, and the error statuses it can give."""
    success: dict[str, Any] = {"description": HTTPStatus(status).phrase}
    if model is not None:
        success["content"] = {"application/json": {"model": model}}
    failures = {
        code: {"description": _ERRORS[code], "content": {"application/json": {"model": ErrorBody}}}
        for code in sorted({422, *errors})
    }
    return {status: success, **failures}


def error_response(status: int, body: dict[str, Any], retry_after: int | None = None) -> Response[dict[str, Any]]:
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body, headers=headers)


def _field(location: tuple[Any, ...]) -> str:
    """('body', 'email') -> 'email'; ('query', 'status') -> 'status'; a body that is not JSON -> 'body'."""
    if not location:
        return "body"
    names = [str(part) for part in location[1:] if not isinstance(part, int)]
    return ".".join(names) or str(location[0])


def _message(detail: dict[str, Any]) -> str:
    if detail.get("type") == "json_invalid":
        return f"is not valid JSON: {detail.get('ctx', {}).get('error', 'cannot be parsed')}"
    return str(detail.get("msg", "is not valid")).removeprefix("Value error, ")


def _validation_error(error: RequestValidationError | RequestUnsupportedContentType) -> Response[dict[str, Any]]:
    errors = [{"field": _field(tuple(detail.get("loc", ()))), "message": _message(detail)} for detail in error.errors()]
    return error_response(422, {"code": "VALIDATION_ERROR", "message": "The request is not valid.", "errors": errors})


def json_object(body: str) -> Any:
    """Request bodies are JSON objects; anything else is refused here, before validation could unwrap a list."""
    value = json.loads(body)
    if not isinstance(value, dict):
        raise json.JSONDecodeError("Expecting a JSON object", body, 0)
    return value


def _domain_error(error: DomainError) -> Response[dict[str, Any]]:
    return error_response(error.status, error.body(), error.retry_after)


def _route_not_found(_: NotFoundError) -> Response[dict[str, Any]]:
    return error_response(404, {"code": "ROUTE_NOT_FOUND", "message": "No such route."})


def _unexpected(error: Exception) -> Response[dict[str, Any]]:
    logger.exception("unexpected error", extra={"error_type": type(error).__name__})
    return error_response(500, {"code": "INTERNAL_ERROR", "message": "Something went wrong on our side."})


class PortalCors(CORSConfig):
    """CORS headers for the web portal's origin (PORTAL_ORIGIN), read from the settings on first use, not at import."""

    def __init__(self) -> None:
        super().__init__(allow_origin="", allow_headers=["Idempotency-Key"], max_age=600)
        self._portal: CORSConfig | None = None

    def _config(self) -> CORSConfig:
        if self._portal is None:
            origin = load_settings().portal_origin
            self._portal = CORSConfig(allow_origin=origin or "", allow_headers=["Idempotency-Key"], max_age=600)
        return self._portal

    def to_dict(self, origin: str | None) -> dict[str, str]:
        return self._config().to_dict(origin)

    def allowed_origin(self, extracted_origin: str) -> str | None:
        return self._config().allowed_origin(extracted_origin)


def create_app() -> APIGatewayRestResolver:
    """A resolver that validates with the pydantic models and answers every error as `{code, message, ...}`."""
    app = APIGatewayRestResolver(enable_validation=True, cors=PortalCors(), json_body_deserializer=json_object)
    app.exception_handler([RequestValidationError, RequestUnsupportedContentType])(_validation_error)
    app.exception_handler(DomainError)(_domain_error)
    app.exception_handler(Exception)(_unexpected)
    app.not_found(_route_not_found)
    return app
