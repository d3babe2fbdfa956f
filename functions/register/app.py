"""POST /v1/accounts: register a business account, or learn that one for this email already exists."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Header
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from business_accounts.adapters import snapshot
from business_accounts.adapters.idempotency import idempotently
from business_accounts.adapters.wiring import services
from business_accounts.logic import accounts
from business_accounts.models.api import RegisteredAccount, RegisterRequest
from business_accounts.models.errors import (
    AlreadyRegistered,
    ConcurrentUpdate,
    IdempotencyKeyReused,
    PendingInvitationExists,
    RateLimited,
    RequestInProgress,
    ServiceUnavailable,
    UnsupportedMediaType,
)
from business_accounts.models.languages import negotiate
from business_accounts.observability import logger, metrics, tracer
from business_accounts.web.http import AcceptLanguage, answers, create_app, link

app = create_app()
REGISTER_ERRORS = (
    AlreadyRegistered,
    PendingInvitationExists,
    RateLimited,
    ConcurrentUpdate,
    IdempotencyKeyReused,
    RequestInProgress,
    ServiceUnavailable,
)

IdempotencyKey = Annotated[
    str | None, Header(alias="Idempotency-Key", min_length=1, max_length=255, pattern=r"^[\x21-\x7e]+$")
]


@app.post(
    "/v1/accounts",
    status_code=201,
    operation_id="register",
    responses=answers(
        201,
        RegisteredAccount,
        UnsupportedMediaType,
        *REGISTER_ERRORS,
        links={"getAccount": link("getAccount", account_id="$response.body#/account_id")},
    ),
    tags=["Registration"],
)
def register(
    request: RegisterRequest, idempotency_key: IdempotencyKey = None, accept_language: AcceptLanguage = None
) -> RegisteredAccount:
    settings = services().settings
    return idempotently(
        lambda: accounts.register(services(), request, accepted=negotiate(accept_language)),
        name="register",
        key=idempotency_key,
        request=request,
        answer_type=RegisteredAccount,
        table_name=settings.idempotency_table,
        expires_after_seconds=settings.idempotency_ttl_seconds,
        lambda_context=app.lambda_context,
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)


# SnapStart: what a first request would build is built before the snapshot (adapters/snapshot.py).
snapshot.prepare(app)
