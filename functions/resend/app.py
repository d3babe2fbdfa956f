"""POST /v1/invitations/resend: "I did not get the email"; the same answer whether or not there is an invitation."""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from business_accounts.adapters import snapshot
from business_accounts.adapters.wiring import services
from business_accounts.logic import invitations
from business_accounts.models.api import EmailRequest, ResendReceived
from business_accounts.models.errors import (
    ConcurrentUpdate,
    RateLimited,
    ServiceUnavailable,
    UnsupportedMediaType,
)
from business_accounts.models.languages import negotiate
from business_accounts.observability import logger, metrics, tracer
from business_accounts.web.http import AcceptLanguage, answers, create_app

app = create_app()


@app.post(
    "/v1/invitations/resend",
    operation_id="resend",
    status_code=202,
    responses=answers(
        202,
        ResendReceived,
        UnsupportedMediaType,
        ConcurrentUpdate,
        RateLimited,
        ServiceUnavailable,
    ),
    tags=["Invitations"],
)
def resend(request: EmailRequest, accept_language: AcceptLanguage = None) -> ResendReceived:
    return invitations.resend(
        services(), email=request.email, locale=request.locale, accepted=negotiate(accept_language)
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)


# SnapStart: what a first request would build is built before the snapshot (adapters/snapshot.py).
snapshot.prepare(app)
