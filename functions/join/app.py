"""POST /v1/accounts/{account_id}/join: "Join COMPANY" sends a fresh invitation email; earlier links stop working."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path

from business_accounts.adapters import snapshot
from business_accounts.adapters.wiring import services
from business_accounts.logic import invitations
from business_accounts.models.api import EmailRequest, InvitationSent
from business_accounts.models.errors import (
    SENDING,
    AlreadyMember,
    NotInvited,
    UnsupportedMediaType,
)
from business_accounts.models.languages import negotiate
from business_accounts.models.types import AccountId
from business_accounts.web.http import AcceptLanguage, answers, create_app, entry_point

app = create_app()


@app.post(
    "/v1/accounts/<account_id>/join",
    operation_id="join",
    status_code=202,
    responses=answers(
        202,
        InvitationSent,
        UnsupportedMediaType,
        NotInvited,
        AlreadyMember,
        *SENDING,
    ),
    tags=["Invitations"],
)
def join(
    account_id: Annotated[AccountId, Path()], request: EmailRequest, accept_language: AcceptLanguage = None
) -> InvitationSent:
    return invitations.join(
        services(),
        account_id=account_id,
        email=request.email,
        locale=request.locale,
        accepted=negotiate(accept_language),
    )


lambda_handler = entry_point(app)


# SnapStart: what a first request would build is built before the snapshot (adapters/snapshot.py).
snapshot.prepare(app)
