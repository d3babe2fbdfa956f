"""Stored items of the accounts and invitations tables; never returned from the API as they are."""

from datetime import datetime
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, computed_field

from business_accounts.models.languages import DEFAULT as DEFAULT_LOCALE
from business_accounts.models.lifetime import epoch, has_expired
from business_accounts.models.types import (
    AdministratorState,
    Budget,
    CreatedVia,
    DeliveryStatus,
    InvitationPurpose,
    InvitationStatus,
    UtcDateTime,
)


class Item(BaseModel):
    """A stored item; unknown attributes (keys, TTL) are ignored when read back. Built on first use, so a
    function builds only the items it reads or writes when it starts."""

    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)


class Delivery(Item):
    """What became of one invitation email, as last recorded; `rank` orders reports (feedback.rank)."""

    status: DeliveryStatus
    at: UtcDateTime
    rank: int = 0  # 0: only sent (or refused before it left), below every report of SES

    @property
    def left(self) -> bool:
        """Whether the email left: SES took it (everything but a refusal before sending)."""
        return self.status is not DeliveryStatus.REJECTED

    @classmethod
    def sent(cls, at: datetime) -> Self:
        return cls(status=DeliveryStatus.SENT, at=at, rank=0)


class Account(Item):
    account_id: str
    company_name: str
    created_via: CreatedVia
    created_at: UtcDateTime
    country: str | None = None
    external_reference: str | None = None
    locale: str = DEFAULT_LOCALE  # the language it was registered or provisioned in (English before there was one)
    # A self-service registration counts once its registrant confirmed the email; accounts stored before there was
    # a confirmation were never asked, and read as verified (docs/design.md, "Self-service registration").
    verified: bool = True


class Administrator(Item):
    account_id: str
    email: str
    state: AdministratorState
    first_name: str | None = None
    last_name: str | None = None


class EmailOwnership(Item):
    """The uniqueness marker: which account an email belongs to, and its current invitation if invited."""

    email: str
    account_id: str
    company_name: str
    created_via: CreatedVia
    state: AdministratorState
    invitation_id: str | None = None
    invitation_token_hash: str | None = None
    invitation_expires_at: UtcDateTime | None = None
    invitation_locale: str | None = None  # the language of that invitation, which a re-send keeps if chosen
    invitation_locale_chosen: bool | None = None  # None: stored before it was known (then `en` reads as defaulted)
    invitation_delivery: Delivery | None = None  # what became of the current invitation's email
    # An unverified claim: the registrant of a self-service account that waits on its confirmation. It yields to
    # every other claim (a new registration, a provisioning, a colleague invitation) and to its own expiry.
    unverified: bool = False

    @classmethod
    def invited_to(cls, invitation: "Invitation") -> Self:
        """The email's ownership while `invitation` is the one it waits on."""
        return cls(
            email=invitation.email,
            account_id=invitation.account_id,
            company_name=invitation.company_name,
            created_via=invitation.created_via,
            state=AdministratorState.INVITED,
            invitation_id=invitation.invitation_id,
            invitation_token_hash=invitation.token_hash,
            invitation_expires_at=invitation.expires_at,
            invitation_locale=invitation.locale,
            invitation_locale_chosen=invitation.locale_chosen,
            invitation_delivery=invitation.delivery,
            unverified=invitation.purpose is InvitationPurpose.CONFIRMATION,
        )

    def invitation_status(self, now: datetime) -> InvitationStatus:
        """The status of the invitation the email waits on, as of `now` (pending or expired)."""
        expired = self.invitation_expires_at is None or has_expired(self.invitation_expires_at, now)
        return InvitationStatus.EXPIRED if expired else InvitationStatus.PENDING


class MailLog(Item):
    """Invitation emails to one address in the last 24 hours from one budget, for its cooldown and daily limit."""

    email: str
    budget: Budget
    sent_at: tuple[int, ...] = ()
    version: int = 0

    def without(self, sent_at: int) -> "MailLog":
        """The log with one email at `sent_at` taken back (one that never left); itself if it holds none then."""
        if sent_at not in self.sent_at:
            return self
        times = list(self.sent_at)
        times.remove(sent_at)
        return MailLog(email=self.email, budget=self.budget, sent_at=tuple(times), version=self.version + 1)


class ExternalReference(Item):
    """A provisioning request already served, with its first answer (which carries no token)."""

    reference: str
    request_fingerprint: str
    response: dict[str, Any]


class Suppression(Item):
    """No more invitation emails to this address: its person marked one as spam (until support lifts it)."""

    email: str
    at: UtcDateTime
    invitation_id: str | None = None  # the invitation whose email was complained about
    account_id: str | None = None  # its account, whose timeline tells of the suppression (None: stored before)


# --- Invitations table: token_hash ---


class Invitation(Item):
    token_hash: str
    invitation_id: str
    account_id: str
    company_name: str
    created_via: CreatedVia
    email: str
    status: InvitationStatus
    created_at: UtcDateTime
    expires_at: UtcDateTime
    invited_by: str | None = None
    purpose: InvitationPurpose = InvitationPurpose.INVITATION
    locale: str = DEFAULT_LOCALE  # the language of its email, kept by renew and resend (English before there was one)
    locale_chosen: bool | None = None  # None: stored before it was known (then `en` reads as a default)
    # What became of its email: None while it waits in the outbox (and for invitations sent before feedback).
    delivery: Delivery | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def expires_epoch(self) -> int:
        """`expires_at` in epoch seconds: what DynamoDB's conditions and the cleanup's index compare."""
        return epoch(self.expires_at)

    def status_at(self, now: datetime) -> InvitationStatus:
        """The status as of `now`: a pending invitation past its expiry is expired, whatever is stored."""
        if self.status is InvitationStatus.PENDING and has_expired(self.expires_at, now):
            return InvitationStatus.EXPIRED
        return self.status
