"""Domain exceptions: what can go wrong in the product's words, each with its code, HTTP status and body.

This is the one list of error codes: `http.py` answers and documents each from its class here.
"""

from typing import Any, ClassVar

from business_accounts.models.api import (
    AlreadyRegisteredBody,
    ErrorBody,
    FieldError,
    PendingInvitationBody,
    ValidationErrorBody,
)


class DomainError(Exception):
    """A failure the caller can act on; its answer is `status` with a `body` of type `body_type`."""

    code: ClassVar[str]
    status: ClassVar[int]
    message: ClassVar[str]
    body_type: ClassVar[type[ErrorBody]] = ErrorBody
    retries: ClassVar[bool] = False  # answered with a Retry-After header: waiting is what fixes it

    def __init__(self, *, retry_after: int | None = None, **details: Any) -> None:
        super().__init__(self.message)
        self.retry_after = retry_after
        self.details = details

    def body(self) -> dict[str, Any]:
        """The answer's body, built through its documented model, so it cannot drift from the OpenAPI document."""
        answer = self.body_type(code=self.code, message=self.message, **self.details)
        return answer.model_dump(mode="json", exclude_none=True)


class ValidationFailed(DomainError):
    code, status = "VALIDATION_ERROR", 422
    message = "The request is not valid."
    body_type = ValidationErrorBody

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(errors=errors)


class UnsupportedMediaType(DomainError):
    code, status = "UNSUPPORTED_MEDIA_TYPE", 415
    message = "Send the request body as JSON, with Content-Type: application/json."


class AccountNotFound(DomainError):
    code, status = "NOT_FOUND", 404
    message = "No such account."


class RegistrationNotFound(AccountNotFound):
    """A registration's state, asked of an account that is not one waiting or confirmed (unknown, removed,
    replaced, or created by someone else): one answer for all."""

    message = "No self-service registration has this account id."


class NotInvited(AccountNotFound):
    """Join's one answer for an unknown account and for an email without standing in it (no enumeration)."""

    message = "No such account, or this email has no invitation to it."


class AlreadyRegistered(DomainError):
    code, status = "ALREADY_REGISTERED", 409
    message = "This email is already an administrator of a business account."
    body_type = AlreadyRegisteredBody


class PendingInvitationExists(DomainError):
    code, status = "PENDING_INVITATION", 409
    message = "A business account for your company already exists, and this email is invited to administer it."
    body_type = PendingInvitationBody


class AlreadyMember(DomainError):
    code, status = "ALREADY_MEMBER", 409
    message = "This email is already an administrator of this account."


class AccountUnverified(DomainError):
    code, status = "ACCOUNT_UNVERIFIED", 409
    message = "This account's registration is not confirmed yet: it takes no invitations until its email is confirmed."


class InvitationNotFound(DomainError):
    code, status = "INVITATION_NOT_FOUND", 404
    message = "This invitation link is not valid."


class InvitationNotInAccount(InvitationNotFound):
    message = "This account has no such invitation."


class InvitationExpired(DomainError):
    code, status = "INVITATION_EXPIRED", 410
    message = "This invitation has expired. Ask for a new one."


class InvitationSuperseded(DomainError):
    code, status = "INVITATION_SUPERSEDED", 410
    message = "A newer invitation email was sent; use the link in the newest one or ask for a new one."


class RegistrationRemoved(InvitationExpired):
    """Renew of a confirmation whose unconfirmed registration the cleanup removed: there is nothing left to confirm."""

    message = "This registration was not confirmed in time and was removed. Register again to get a new email."


class RegistrationReplaced(InvitationSuperseded):
    """Renew of a confirmation whose registration gave way: the address registered again, or a business account
    (provisioning, a colleague invitation) now waits on it."""

    message = "This registration was replaced. Register again to see where this email address stands."


class InvitationRevoked(DomainError):
    code, status = "INVITATION_REVOKED", 410
    message = "This invitation was withdrawn by the account's administrators."


class InvitationAlreadyAccepted(DomainError):
    code, status = "INVITATION_ALREADY_ACCEPTED", 409
    message = "This invitation has already been accepted."


class RateLimited(DomainError):
    code, status, retries = "RATE_LIMITED", 429, True
    message = "Too many invitation emails to this address. Try again later."


class EmailSuppressed(DomainError):
    code, status = "EMAIL_SUPPRESSED", 409
    message = (
        "Invitation emails to this address are stopped because an earlier one was marked as spam. "
        "Ask your company's administrator or our support team to lift this."
    )


class IdempotencyKeyReused(DomainError):
    code, status = "IDEMPOTENCY_KEY_REUSED", 422
    message = "This Idempotency-Key was already used with a different request body."


class RequestInProgress(DomainError):
    code, status, retries = "REQUEST_IN_PROGRESS", 409, True
    message = "A request with this Idempotency-Key is still being processed. Retry shortly."


class ConcurrentUpdate(DomainError):
    code, status = "CONCURRENT_UPDATE", 409
    message = "Someone else changed this at the same moment. Try again."


class ServiceUnavailable(DomainError):
    code, status, retries = "SERVICE_UNAVAILABLE", 503, True
    message = "The service is busy. Try again shortly."


class RouteNotFound(DomainError):
    code, status = "ROUTE_NOT_FOUND", 404
    message = "No such route."


class InternalError(DomainError):
    code, status = "INTERNAL_ERROR", 500
    message = "Something went wrong on our side."


# --- What routes answer alike (SPEC), named once for every route that documents them ---

# Any route that sends an invitation email, besides its own errors (resend never tells of a suppression).
SENDING = (ConcurrentUpdate, EmailSuppressed, RateLimited, ServiceUnavailable)
# A link that cannot be used, on preview, accept and renew alike.
UNUSABLE_LINK = (
    InvitationNotFound,
    InvitationExpired,
    InvitationSuperseded,
    InvitationRevoked,
    InvitationAlreadyAccepted,
    ServiceUnavailable,
)
# An email that belongs to an account already.
EMAIL_TAKEN = (AlreadyRegistered, PendingInvitationExists)
