"""Domain exceptions: what can go wrong in the product's words, each with its SPEC code and HTTP status."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel


class DomainError(Exception):
    """A failure the caller can act on; `http.py` turns it into `{code, message, ...details}`."""

    code: ClassVar[str]
    status: ClassVar[int]
    message: ClassVar[str]

    def __init__(self, *, retry_after: int | None = None, **details: BaseModel | None) -> None:
        super().__init__(self.message)
        self.retry_after = retry_after
        self.details = details

    def body(self) -> dict[str, Any]:
        extra = {name: value.model_dump(mode="json") for name, value in self.details.items() if value is not None}
        return {"code": self.code, "message": self.message, **extra}


class AccountNotFound(DomainError):
    code, status = "NOT_FOUND", 404
    message = "No such account, or this email has no invitation to it."


class AlreadyRegistered(DomainError):
    code, status = "ALREADY_REGISTERED", 409
    message = "This email is already an administrator of a business account."


class PendingInvitationExists(DomainError):
    code, status = "PENDING_INVITATION", 409
    message = "A business account for your company already exists, and this email is invited to administer it."


class AlreadyMember(DomainError):
    code, status = "ALREADY_MEMBER", 409
    message = "This email is already an administrator of this account."


class InvitationNotFound(DomainError):
    code, status = "INVITATION_NOT_FOUND", 404
    message = "This invitation link is not valid."


class InvitationExpired(DomainError):
    code, status = "INVITATION_EXPIRED", 410
    message = "This invitation has expired. Ask for a new one."


class InvitationSuperseded(DomainError):
    code, status = "INVITATION_SUPERSEDED", 410
    message = "A newer invitation email was sent; use the link in the newest one or ask for a new one."


class InvitationRevoked(DomainError):
    code, status = "INVITATION_REVOKED", 410
    message = "This invitation was withdrawn by the account's administrators."


class InvitationAlreadyAccepted(DomainError):
    code, status = "INVITATION_ALREADY_ACCEPTED", 409
    message = "This invitation has already been accepted."


class RateLimited(DomainError):
    code, status = "RATE_LIMITED", 429
    message = "Too many invitation emails to this address. Try again later."


class EmailDeliveryFailed(DomainError):
    code, status = "EMAIL_DELIVERY_FAILED", 503
    message = "The invitation email could not be sent, and nothing was changed. Try again shortly."


class IdempotencyKeyReused(DomainError):
    code, status = "IDEMPOTENCY_KEY_REUSED", 422
    message = "This Idempotency-Key was already used with a different request body."


class RequestInProgress(DomainError):
    code, status = "REQUEST_IN_PROGRESS", 409
    message = "A request with this Idempotency-Key is still being processed. Retry shortly."


class ConcurrentUpdate(DomainError):
    code, status = "CONCURRENT_UPDATE", 409
    message = "Someone else changed this at the same moment. Try again."


class InvalidPageToken(DomainError):
    code, status = "VALIDATION_ERROR", 422
    message = "The request is not valid."

    def body(self) -> dict[str, Any]:
        return {**super().body(), "errors": [{"field": "next_token", "message": "is not a token from a previous page"}]}


class ServiceUnavailable(DomainError):
    code, status = "SERVICE_UNAVAILABLE", 503
    message = "The service is busy. Try again shortly."
