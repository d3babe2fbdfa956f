"""The IAM-signed back-office API: provision accounts, read them, invite colleagues, list and revoke invitations,
and lift the stop on invitation emails to an address that complained."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from business_accounts.adapters import snapshot
from business_accounts.adapters.wiring import services
from business_accounts.logic import accounts, feedback, invitations, timeline
from business_accounts.models.api import (
    AccountDetails,
    EventPage,
    InvitationPage,
    InviteRequest,
    PendingInvitation,
    ProvisionedAccount,
    ProvisionRequest,
)
from business_accounts.models.errors import (
    EMAIL_TAKEN,
    SENDING,
    AccountNotFound,
    AccountUnverified,
    AlreadyMember,
    ConcurrentUpdate,
    IdempotencyKeyReused,
    InvitationAlreadyAccepted,
    InvitationNotInAccount,
    InvitationSuperseded,
    ServiceUnavailable,
    UnsupportedMediaType,
)
from business_accounts.models.languages import negotiate
from business_accounts.models.types import AccountId, InvitationId, InvitationStatus, PathEmail
from business_accounts.web.http import AcceptLanguage, answers, create_app, entry_point, link

app = create_app()
TAGS = ["Internal (IAM-signed)"]
NEW_ACCOUNT = "$response.body#/account_id"


@app.post(
    "/v1/internal/accounts",
    status_code=201,
    operation_id="provision",
    responses=answers(
        201,
        ProvisionedAccount,
        UnsupportedMediaType,
        *EMAIL_TAKEN,
        IdempotencyKeyReused,
        *SENDING,
        links={
            "join": link("join", account_id=NEW_ACCOUNT, body={"email": "$response.body#/invitation/email"}),
            "getAccount": link("getAccount", account_id=NEW_ACCOUNT),
            "listInvitations": link("listInvitations", account_id=NEW_ACCOUNT),
            "invite": link("invite", account_id=NEW_ACCOUNT),
            "revoke": link("revoke", account_id=NEW_ACCOUNT, invitation_id="$response.body#/invitation/invitation_id"),
        },
    ),
    tags=TAGS,
)
def provision(request: ProvisionRequest, accept_language: AcceptLanguage = None) -> ProvisionedAccount:
    return accounts.provision(services(), request, accepted=negotiate(accept_language))


@app.get(
    "/v1/internal/accounts/<account_id>",
    operation_id="getAccount",
    responses=answers(200, AccountDetails, AccountNotFound, ServiceUnavailable),
    tags=TAGS,
)
def get_account(account_id: Annotated[AccountId, Path()]) -> AccountDetails:
    return accounts.get_account(services(), account_id=account_id)


@app.post(
    "/v1/internal/accounts/<account_id>/invitations",
    status_code=201,
    operation_id="invite",
    responses=answers(
        201,
        PendingInvitation,
        UnsupportedMediaType,
        AccountNotFound,
        AccountUnverified,
        AlreadyMember,
        *EMAIL_TAKEN,
        *SENDING,
        links={
            "revoke": link(
                "revoke", account_id="$request.path.account_id", invitation_id="$response.body#/invitation_id"
            )
        },
    ),
    tags=TAGS,
)
def invite(
    account_id: Annotated[AccountId, Path()], request: InviteRequest, accept_language: AcceptLanguage = None
) -> PendingInvitation:
    return invitations.invite(
        services(),
        account_id=account_id,
        email=request.email,
        invited_by=request.invited_by,
        locale=request.locale,
        accepted=negotiate(accept_language),
    )


@app.get(
    "/v1/internal/accounts/<account_id>/invitations",
    operation_id="listInvitations",
    responses=answers(200, InvitationPage, AccountNotFound, ServiceUnavailable),
    tags=TAGS,
)
def list_invitations(
    account_id: Annotated[AccountId, Path()],
    status: Annotated[InvitationStatus | None, Query()] = None,
    next_token: Annotated[InvitationId | None, Query(description="The `next_token` of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> InvitationPage:
    return invitations.list_invitations(
        services(), account_id=account_id, status=status, next_token=next_token, limit=limit
    )


@app.get(
    "/v1/internal/accounts/<account_id>/events",
    operation_id="listEvents",
    responses=answers(200, EventPage, AccountNotFound, ServiceUnavailable),
    tags=TAGS,
)
def list_events(
    account_id: Annotated[AccountId, Path()],
    after: Annotated[int, Query(ge=0, description="The `next_after` of the previous page; 0 from the start")] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> EventPage:
    return timeline.timeline(services(), account_id=account_id, after=after, limit=limit)


@app.delete(
    "/v1/internal/accounts/<account_id>/invitations/<invitation_id>",
    status_code=204,
    operation_id="revoke",
    responses=answers(
        204,
        None,
        InvitationNotInAccount,
        InvitationAlreadyAccepted,
        InvitationSuperseded,
        ConcurrentUpdate,
        ServiceUnavailable,
    ),
    tags=TAGS,
)
def revoke(account_id: Annotated[AccountId, Path()], invitation_id: Annotated[InvitationId, Path()]) -> Response[None]:
    invitations.revoke(services(), account_id=account_id, invitation_id=invitation_id)
    return Response(status_code=204)


@app.delete(
    "/v1/internal/suppressions/<email>",
    status_code=204,
    operation_id="liftSuppression",
    responses=answers(204, None, ServiceUnavailable),
    tags=TAGS,
)
def lift_suppression(
    email: Annotated[PathEmail, Path(description="The address; `@` may be sent as is or as `%40`")],
) -> Response[None]:
    feedback.lift_suppression(services(), email=email)
    return Response(status_code=204)


lambda_handler = entry_point(app)


# SnapStart: what a first request would build is built before the snapshot (adapters/snapshot.py).
snapshot.prepare(app)
