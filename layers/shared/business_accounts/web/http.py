"""The HTTP edge shared by every API function: the resolver, and the one place errors become answers."""

from __future__ import annotations

import binascii
import json
import operator
from collections.abc import Callable, Iterable, Mapping
from functools import cache, reduce
from http import HTTPStatus
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.event_handler.openapi.params import Header
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field, RootModel, create_model

from business_accounts.adapters.environment import load_settings
from business_accounts.models.api import ErrorBody, FieldError
from business_accounts.models.errors import (
    DomainError,
    InternalError,
    RouteNotFound,
    UnsupportedMediaType,
    ValidationFailed,
)
from business_accounts.models.languages import SUPPORTED
from business_accounts.observability import logger

JSON = "application/json"
_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})
_TYPE = "content-type"
_UNSUPPORTED = "unsupported/"  # what the body rule marks a refused Content-Type with
_RETRY_AFTER = {
    "description": "Seconds to wait before trying again",
    "schema": {"type": "integer", "minimum": 1},
}


# The language a request prefers when its body names none: read, never refused (languages.negotiate).
AcceptLanguage = Annotated[
    str | None,
    Header(
        alias="Accept-Language",
        description=f"Used when the body has no `locale`: its first supported language ({', '.join(SUPPORTED)}, "
        "or one of the same language), else en. Never refused.",
    ),
]


# --- The body rule: a request body is a UTF-8 JSON object, sent as application/json ---


def json_object(body: str) -> Any:
    """Parse a body as a JSON object; anything else (a list, deep nesting, a 5000-digit number) is a decode error."""
    try:
        value = json.loads(body)
    except RecursionError as error:
        raise json.JSONDecodeError("nested too deeply", body, 0) from error
    except ValueError as error:  # JSONDecodeError, and numbers past Python's digit limit
        raise json.JSONDecodeError(str(error).split(":")[0], body, 0) from error
    if not isinstance(value, dict):  # refused before validation could unwrap a list into its first element
        raise json.JSONDecodeError("Expecting a JSON object", body, 0)
    return value


def _media_type(content_type: str | None) -> str | None:
    """`Application/JSON; charset=UTF-8` -> `application/json`; None for anything else, or no Content-Type at all."""
    if not content_type:
        return None
    media_type, *parameters = (part.strip().lower() for part in content_type.split(";"))
    charset = next(
        (value.strip('"') for name, _, value in (p.partition("=") for p in parameters) if name == "charset"), None
    )
    return JSON if media_type == JSON and charset in (None, "utf-8") else None


def read_request(event: Mapping[str, Any]) -> Mapping[str, Any]:
    """The event as the resolver reads it under the body rule. A request with a body declares its Content-Type as
    `application/json` (case and a UTF-8 charset aside: it is then written so, as Powertools compares it), or has
    it marked unsupported, so validation refuses it with `RequestUnsupportedContentType` (415) before it parses
    anything: forms and multipart are never read, and no page on another site can post to the API without a CORS
    preflight."""
    if event.get("httpMethod") not in _WITH_BODY:
        return event
    headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
    declared = headers.get(_TYPE)
    read_as = JSON if _media_type(declared) == JSON else f"{_UNSUPPORTED}{declared or 'none'}"
    multi = {name: values for name, values in (event.get("multiValueHeaders") or {}).items() if name.lower() != _TYPE}
    return {**event, "headers": {**headers, _TYPE: read_as}, "multiValueHeaders": {**multi, _TYPE: [read_as]}}


class ApiResolver(APIGatewayRestResolver):
    """Powertools' REST resolver under the body rule. Powertools validates a request before any middleware runs,
    so the rule is applied where the public API allows it: on the event, as `resolve` receives it."""

    def resolve(self, event: Mapping[str, Any], context: LambdaContext) -> dict[str, Any]:
        return super().resolve(read_request(event), context)


# --- Errors as answers, and as documentation ---


_ERROR_MODELS: dict[type[DomainError], type[ErrorBody]] = {}


def _error_model(error: type[DomainError]) -> type[ErrorBody]:
    """The documented body of one error: its body type with `code` fixed to the error's code."""
    if error not in _ERROR_MODELS:
        _ERROR_MODELS[error] = create_model(
            f"{error.__name__}Error",
            __base__=error.body_type,
            __doc__=error.message,
            code=(Literal[error.code], Field(description="Machine-readable; clients branch on it")),
        )
    return _ERROR_MODELS[error]


@cache
def _error_schema(errors: tuple[type[DomainError], ...]) -> type[BaseModel]:
    """One error's body, or the bodies of several told apart by `code` (a discriminated union).

    Only the OpenAPI document reads these: like the bodies (api.Schema), they are built on first use, so a
    function does not build the documentation of its errors when it starts."""
    models = [_error_model(error) for error in errors]
    if len(models) == 1:
        return models[0]
    union = Annotated[reduce(operator.or_, models), Field(discriminator="code")]  # type: ignore[valid-type]
    deferred = {"model_config": ConfigDict(defer_build=True)}
    return type("Or".join(error.__name__ for error in errors), (RootModel[union],), deferred)  # type: ignore[valid-type]


def _documented(errors: Iterable[type[DomainError]]) -> dict[str, Any]:
    by_code: dict[str, type[DomainError]] = {}
    for error in errors:
        by_code.setdefault(error.code, error)
    distinct = tuple(by_code[code] for code in sorted(by_code))
    retried = [error for error in distinct if error.retries]
    answer: dict[str, Any] = {
        "description": ", ".join(error.code for error in distinct),
        "content": {JSON: {"model": _error_schema(distinct)}},
    }
    if retried:
        answer["headers"] = {"Retry-After": {**_RETRY_AFTER, "required": len(retried) == len(distinct)}}
    return answer


def link(operation_id: str, *, body: dict[str, str] | None = None, **parameters: str) -> dict[str, Any]:
    """An OpenAPI link: which operation a success leads to, with values taken from this request or answer."""
    described: dict[str, Any] = {"operationId": operation_id}
    if parameters:
        described["parameters"] = parameters
    if body:
        described["requestBody"] = body
    return described


def answers(
    status: int, model: type[BaseModel] | None, *errors: type[DomainError], links: dict[str, Any] | None = None
) -> dict[int, Any]:
    """The OpenAPI responses of a route: its success (and where it leads), and each error it can answer."""
    success: dict[str, Any] = {
        "description": HTTPStatus(status).phrase,
        "content": {JSON: {"model": model}} if model is not None else {},  # {}: no body, whatever the annotation
    }
    if links:
        success["links"] = links
    by_status: dict[int, list[type[DomainError]]] = {}
    every: tuple[type[DomainError], ...] = (ValidationFailed, *errors)
    for error in every:
        by_status.setdefault(error.status, []).append(error)
    return {status: success} | {code: _documented(by_status[code]) for code in sorted(by_status)}


def error_response(error: DomainError) -> Response[dict[str, Any]]:
    headers = {"Retry-After": str(error.retry_after)} if error.retry_after is not None else None
    return Response(
        status_code=error.status, content_type=content_types.APPLICATION_JSON, body=error.body(), headers=headers
    )


def _field(location: tuple[Any, ...]) -> str:
    """('body', 'email') -> 'email'; ('query', 'status') -> 'status'; a body that is not JSON -> 'body'."""
    names = [str(part) for part in location[1:] if not isinstance(part, int)]
    return ".".join(names) or (str(location[0]) if location else "body")


def _message(detail: dict[str, Any]) -> str:
    match detail.get("type"):
        case "json_invalid":
            return f"is not a JSON object: {detail.get('ctx', {}).get('error', 'cannot be parsed')}"
    return str(detail.get("msg", "is not valid")).removeprefix("Value error, ")


def _unsupported_media_type(_: RequestUnsupportedContentType) -> Response[dict[str, Any]]:
    return error_response(UnsupportedMediaType())


def _not_utf8(_: ValueError) -> Response[dict[str, Any]]:
    """A body declared as JSON whose bytes are not UTF-8 text (Latin-1, UTF-16, arbitrary bytes), or not base64."""
    return error_response(ValidationFailed([FieldError(field="body", message="is not UTF-8 text")]))


def _validation_error(error: RequestValidationError) -> Response[dict[str, Any]]:
    errors = [
        FieldError(field=_field(tuple(detail.get("loc", ()))), message=_message(detail)) for detail in error.errors()
    ]
    return error_response(ValidationFailed(errors))


def _route_not_found(_: NotFoundError) -> Response[dict[str, Any]]:
    return error_response(RouteNotFound())


def _unexpected(error: Exception) -> Response[dict[str, Any]]:
    logger.exception("unexpected error", extra={"error_type": type(error).__name__})
    return error_response(InternalError())


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
    app = ApiResolver(enable_validation=True, cors=PortalCors(), json_body_deserializer=json_object)
    app.exception_handler(RequestValidationError)(_validation_error)
    app.exception_handler(RequestUnsupportedContentType)(_unsupported_media_type)
    # Powertools decodes a base64 body itself, before our deserializer sees it.
    app.exception_handler([UnicodeDecodeError, binascii.Error])(_not_utf8)
    app.exception_handler(DomainError)(error_response)
    app.exception_handler(Exception)(_unexpected)
    app.not_found(_route_not_found)
    return app


def entry_point(app: APIGatewayRestResolver) -> Callable[[dict[str, Any], LambdaContext], dict[str, Any]]:
    """An API function's `lambda_handler`: its app resolving the event, with the request's logging context (its
    correlation id), an X-Ray trace of its AWS calls (answers left out: they may hold emails) and its metrics."""
    from business_accounts.observability import metrics, tracer  # noqa: PLC0415 - X-Ray only where AWS is called

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
    @tracer.capture_lambda_handler(capture_response=False)
    @metrics.log_metrics
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        return app.resolve(event, context)

    handler: Callable[[dict[str, Any], LambdaContext], dict[str, Any]] = lambda_handler  # the decorators type Any
    return handler
