"""POST /v1/invitations/{preview,accept,renew}: what a person does with the token from an invitation link."""

from business_accounts.adapters import snapshot
from business_accounts.adapters.wiring import services
from business_accounts.logic import invitations
from business_accounts.models.api import AcceptedInvitation, InvitationPreview, RenewedInvitation, TokenRequest
from business_accounts.models.errors import (
    SENDING,
    UNUSABLE_LINK,
    ConcurrentUpdate,
    UnsupportedMediaType,
)
from business_accounts.models.languages import negotiate
from business_accounts.web.http import AcceptLanguage, answers, create_app, entry_point

app = create_app()


@app.post(
    "/v1/invitations/preview",
    operation_id="preview",
    responses=answers(200, InvitationPreview, UnsupportedMediaType, *UNUSABLE_LINK),
    tags=["Invitation links"],
)
def preview(request: TokenRequest) -> InvitationPreview:
    return invitations.preview(services(), token=request.token)


@app.post(
    "/v1/invitations/accept",
    operation_id="accept",
    responses=answers(200, AcceptedInvitation, UnsupportedMediaType, *UNUSABLE_LINK, ConcurrentUpdate),
    tags=["Invitation links"],
)
def accept(request: TokenRequest) -> AcceptedInvitation:
    return invitations.accept(services(), token=request.token)


@app.post(
    "/v1/invitations/renew",
    operation_id="renew",
    status_code=202,
    responses=answers(202, RenewedInvitation, UnsupportedMediaType, *UNUSABLE_LINK, *SENDING),
    tags=["Invitation links"],
)
def renew(request: TokenRequest, accept_language: AcceptLanguage = None) -> RenewedInvitation:
    return invitations.renew(services(), token=request.token, accepted=negotiate(accept_language))


lambda_handler = entry_point(app)


# SnapStart: what a first request would build is built before the snapshot (adapters/snapshot.py).
snapshot.prepare(app)
