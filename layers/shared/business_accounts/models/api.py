"""Request and response bodies of the HTTP API: the schema of the OpenAPI document."""

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, RootModel, WithJsonSchema

from business_accounts.models.countries import COUNTRY_CODES
from business_accounts.models.events import Event
from business_accounts.models.types import (
    AccountId,
    AdministratorState,
    CompanyName,
    CreatedVia,
    DeliveryStatus,
    Email,
    ExternalReference,
    InvitationId,
    InvitationPurpose,
    InvitationStatus,
    Locale,
    PersonName,
    Token,
    UtcDateTime,
)


def _known_country(code: str) -> str:
    if code not in COUNTRY_CODES:
        raise ValueError("must be an ISO 3166-1 alpha-2 country code in capitals, such as DE or US")
    return code


Country = Annotated[
    str, AfterValidator(_known_country), WithJsonSchema({"type": "string", "enum": sorted(COUNTRY_CODES)})
]


class Schema(BaseModel):
    """A body of the API, validated or serialised on first use: a function builds only the models its routes use,
    not the whole API's when it starts (a cold start saves the rest)."""

    model_config = ConfigDict(defer_build=True)


class Body(Schema):
    """A JSON body; unknown fields are ignored so older and newer clients keep working."""

    model_config = ConfigDict(extra="ignore")


# --- Requests ---


class RegisterRequest(Body):
    email: Email
    company_name: CompanyName
    first_name: PersonName | None = None
    last_name: PersonName | None = None
    country: Country | None = None
    locale: Annotated[
        Locale | None, Field(description="The account's language; without it, the Accept-Language header's, else en")
    ] = None


class EmailRequest(Body):
    email: Email
    locale: Annotated[
        Locale | None,
        Field(
            description="The language of the invitation email; without it, the language the invitation was sent in, "
            "else the Accept-Language header's, else en"
        ),
    ] = None


class TokenRequest(Body):
    token: Token


class ProvisionRequest(Body):
    company_name: CompanyName
    administrator_email: Email
    created_via: Annotated[
        Literal[CreatedVia.SALES, CreatedVia.RESELLER, CreatedVia.UPGRADE_INSURANCE, CreatedVia.OTHER_PRODUCT],
        Field(description="Who created the account; self-service accounts come through POST /v1/accounts"),
    ]
    external_reference: Annotated[
        ExternalReference | None,
        Field(description="The caller's order or licence id: a repeat with the same reference creates nothing new"),
    ] = None
    locale: Locale | None = None


class InviteRequest(Body):
    email: Email
    invited_by: Email | None = None
    locale: Locale | None = None


# --- Responses ---


class AccountRef(Schema):
    account_id: AccountId
    company_name: str


class AccountOrigin(AccountRef):
    created_via: CreatedVia


class RegisteredAccount(AccountRef):
    """A registration waiting on its confirmation: the email's owner confirms it through the link just sent."""

    administrator_email: str
    created_via: Literal[CreatedVia.SELF_SERVICE] = CreatedVia.SELF_SERVICE
    status: Literal["verification_sent"] = "verification_sent"
    expires_at: Annotated[UtcDateTime, Field(description="Until when the confirmation link works")]


class Delivery(Schema):
    """What became of the invitation email: `sent` until SES reports; the latest report by event time wins, the
    gravest where two are as late (bounced, rejected and complained are never hidden by an older delivered)."""

    status: DeliveryStatus
    at: Annotated[UtcDateTime, Field(description="When it was sent, or when SES saw what it reports")]


class InvitationState(Schema):
    status: Literal[InvitationStatus.PENDING, InvitationStatus.EXPIRED]
    expires_at: UtcDateTime
    delivery: Annotated[
        Delivery | None,
        Field(description="Absent while its email waits to be sent, and for invitations sent before delivery feedback"),
    ] = None


class PublicInvitationState(Schema):
    """The invitation an email waits on, as the registration page needs it and no more (SPEC: public answers)."""

    status: Literal[InvitationStatus.PENDING, InvitationStatus.EXPIRED]
    expires_at: UtcDateTime
    delivery: Annotated[
        Delivery | None,
        Field(description="Only when its email bounced or was rejected: the page then says so instead of SPAM advice"),
    ] = None
    next_email_in: Annotated[
        int, Field(ge=0, description="Seconds until Join can send another invitation email to this address (0: now)")
    ] = 0


class RegistrationState(Schema):
    """What became of a self-service registration, as its page follows it after the 201: confirmed, or waiting on
    its confirmation (and whether that email bounced), and nothing more (SPEC: public answers)."""

    account_id: AccountId
    status: Literal["verification_sent", "verified"]
    confirmation: Annotated[
        PublicInvitationState | None,
        Field(description="While it waits: the confirmation's state and expiry, and its email's bounce or rejection"),
    ] = None


class InvitationSent(Schema):
    status: Literal["invitation_sent"] = "invitation_sent"
    email: str
    expires_at: UtcDateTime


class RenewedInvitation(Schema):
    status: Literal["invitation_sent"] = "invitation_sent"
    expires_at: UtcDateTime


class ResendReceived(Schema):
    status: Literal["request_received"] = "request_received"
    message: str = "If this address has an invitation, a new invitation email is on its way."


class InvitationPreview(AccountOrigin):
    invitation_id: InvitationId
    status: Literal[InvitationStatus.PENDING] = InvitationStatus.PENDING
    purpose: Annotated[
        InvitationPurpose,
        Field(description="`confirmation`: the link confirms the person's own registration; else it joins an account"),
    ]
    email: str
    expires_at: UtcDateTime
    locale: Annotated[str, Field(description="The language of the invitation email: the accept page speaks it")]


class AcceptedInvitation(AccountRef):
    status: Literal[InvitationStatus.ACCEPTED] = InvitationStatus.ACCEPTED
    email: str
    role: Literal["administrator"] = "administrator"


class PendingInvitation(Schema):
    invitation_id: InvitationId
    email: str
    status: Literal[InvitationStatus.PENDING] = InvitationStatus.PENDING
    expires_at: UtcDateTime


class ProvisionedAccount(AccountOrigin):
    invitation: PendingInvitation


class Administrator(Schema):
    email: str
    state: AdministratorState
    invitation: Annotated[
        InvitationState | None,
        Field(
            description="Only for an invited administrator: the invitation it waits on, and what became of its email",
            exclude_if=lambda invitation: invitation is None,
        ),
    ] = None


class AccountDetails(AccountOrigin):
    created_at: UtcDateTime
    verified: Annotated[bool, Field(description="False while a self-service registration waits on its confirmation")]
    administrators: list[Administrator]
    locale: Annotated[str, Field(description="The language the account was registered or provisioned in")]


class InvitationSummary(Schema):
    invitation_id: InvitationId
    email: str
    status: InvitationStatus
    created_at: UtcDateTime
    expires_at: UtcDateTime
    purpose: InvitationPurpose
    delivery: Annotated[
        Delivery | None,
        Field(description="Absent while its email waits to be sent, and for invitations sent before delivery feedback"),
    ] = None


class OpenApiDocument(RootModel[dict[str, Any]]):
    """The OpenAPI 3 document of this API."""

    model_config = ConfigDict(defer_build=True)


class InvitationPage(Schema):
    items: list[InvitationSummary]
    next_token: Annotated[
        InvitationId | None, Field(description="Pass as `next_token` for the next page; null on the last page")
    ] = None


class EventPage(Schema):
    items: list[Event]
    next_after: Annotated[
        int | None, Field(description="Pass as `after` for the next page; null once the timeline has no more")
    ] = None


# --- Errors: the bodies of the domain errors (errors.py names which error carries which) ---


class ErrorBody(Schema):
    """Every error: a machine-readable `code` that clients branch on, and a message for people."""

    code: str = Field(description="Machine-readable; clients branch on it, never on the message")
    message: str


class FieldError(Schema):
    field: str
    message: str


class ValidationErrorBody(ErrorBody):
    errors: list[FieldError]


class AlreadyRegisteredBody(ErrorBody):
    account: AccountRef


class PendingInvitationBody(ErrorBody):
    account: AccountOrigin
    invitation: PublicInvitationState
