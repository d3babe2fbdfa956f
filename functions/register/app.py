"""POST /v1/accounts: register a business account, or learn that one for this email already exists; and
GET /v1/accounts/{account_id}/registration: what became of a registration since (its page follows it)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Header, Path

from business_accounts.adapters import snapshot
from business_accounts.adapters.idempotency import idempotently
from business_accounts.adapters.wiring import services
from business_accounts.logic import accounts
from business_accounts.models.api import RegisteredAccount, RegisterRequest, RegistrationState
from business_accounts.models.errors import (
    AlreadyRegistered,
    ConcurrentUpdate,
    IdempotencyKeyReused,
    PendingInvitationExists,
    RateLimited,
    RegistrationNotFound,
    RequestInProgress,
    ServiceUnavailable,
    UnsupportedMediaType,
)
from business_accounts.models.languages import negotiate
from business_accounts.models.types import AccountId
from business_accounts.web.http import AcceptLanguage, answers, create_app, entry_point, link

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
        links={
            "getAccount": link("getAccount", account_id="$response.body#/account_id"),
            "getRegistration": link("getRegistration", account_id="$response.body#/account_id"),
        },
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


@app.get(
    "/v1/accounts/<account_id>/registration",
    operation_id="getRegistration",
    responses=answers(200, RegistrationState, RegistrationNotFound, ServiceUnavailable),
    tags=["Registration"],
)
def registration(account_id: Annotated[AccountId, Path()]) -> RegistrationState:
    return accounts.registration(services(), account_id=account_id)


lambda_handler = entry_point(app)


# SnapStart: what a first request would build is built before the snapshot (adapters/snapshot.py).
snapshot.prepare(app)
