"""POST /v1/invitations/resend: "I did not get the email"; the same answer whether or not there is an invitation."""

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
from business_accounts.web.http import AcceptLanguage, answers, create_app, entry_point

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


lambda_handler = entry_point(app)


# SnapStart: what a first request would build is built before the snapshot (adapters/snapshot.py).
snapshot.prepare(app)
