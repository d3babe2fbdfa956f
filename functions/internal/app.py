"""The IAM-signed back-office API: provision accounts, read them, invite colleagues, list and revoke invitations."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from business_accounts import accounts, invitations
from business_accounts.api import (
    AccountDetails,
    InvitationPage,
    InviteRequest,
    PendingInvitation,
    ProvisionedAccount,
    ProvisionRequest,
)
from business_accounts.http import answers, create_app
from business_accounts.observability import logger, metrics, tracer
from business_accounts.services import services
from business_accounts.types import AccountId, InvitationId, InvitationStatus

app = create_app()
TAGS = ["Internal (IAM-signed)"]


@app.post(
    "/v1/internal/accounts", status_code=201, responses=answers(201, ProvisionedAccount, 409, 429, 503), tags=TAGS
)
def provision(request: ProvisionRequest) -> ProvisionedAccount:
    return accounts.provision(services(), request)


@app.get("/v1/internal/accounts/<account_id>", responses=answers(200, AccountDetails, 404), tags=TAGS)
def get_account(account_id: Annotated[AccountId, Path()]) -> AccountDetails:
    return accounts.get_account(services(), account_id=account_id)


@app.post(
    "/v1/internal/accounts/<account_id>/invitations",
    status_code=201,
    responses=answers(201, PendingInvitation, 404, 409, 429, 503),
    tags=TAGS,
)
def invite(account_id: Annotated[AccountId, Path()], request: InviteRequest) -> PendingInvitation:
    return invitations.invite(services(), account_id=account_id, email=request.email, invited_by=request.invited_by)


@app.get("/v1/internal/accounts/<account_id>/invitations", responses=answers(200, InvitationPage, 404), tags=TAGS)
def list_invitations(
    account_id: Annotated[AccountId, Path()],
    status: Annotated[InvitationStatus | None, Query()] = None,
    next_token: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> InvitationPage:
    return invitations.list_invitations(
        services(), account_id=account_id, status=status, next_token=next_token, limit=limit
    )


@app.delete(
    "/v1/internal/accounts/<account_id>/invitations/<invitation_id>",
    status_code=204,
    responses=answers(204, None, 404, 409, 410),
    tags=TAGS,
)
def revoke(account_id: Annotated[AccountId, Path()], invitation_id: Annotated[InvitationId, Path()]) -> Response[None]:
    invitations.revoke(services(), account_id=account_id, invitation_id=invitation_id)
    return Response(status_code=204)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
