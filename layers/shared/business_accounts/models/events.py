"""Domain events: what happened to an account, who caused it, and the envelope every timeline reader and consumer gets.

An event is written in the same transaction as the change it tells of (logic/store.py), numbered 1, 2, 3 ... per
account with no gap. `data` holds the event's own facts, never a token nor a token's hash; docs/events/ holds the
JSON Schema of each type.
"""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field

from business_accounts.models.types import CreatedVia, UtcDateTime, sortable_id

SOURCE = "business-accounts"  # the EventBridge `source` of every event the stack publishes
RETENTION_DAYS = 400  # how long an account's timeline is kept (SPEC: at least 400 days)


class EventType(StrEnum):
    ACCOUNT_CREATED = "account.created"
    ACCOUNT_VERIFIED = "account.verified"
    ACCOUNT_DISCARDED = "account.discarded"
    INVITATION_SENT = "invitation.sent"
    INVITATION_SUPERSEDED = "invitation.superseded"
    INVITATION_EXPIRED = "invitation.expired"
    INVITATION_ACCEPTED = "invitation.accepted"
    INVITATION_REVOKED = "invitation.revoked"
    INVITATION_DELIVERY = "invitation.delivery"
    EMAIL_SUPPRESSED = "email.suppressed"
    EMAIL_UNSUPPRESSED = "email.unsuppressed"


class Actor(StrEnum):
    """Who caused an event: the person themselves, a back office, the service's own schedule, SES, or support."""

    SELF = "self"
    SALES = "sales"
    RESELLER = "reseller"
    UPGRADE_INSURANCE = "upgrade_insurance"
    OTHER_PRODUCT = "other_product"
    ADMINISTRATOR = "administrator"
    CLEANUP = "cleanup"
    SES = "ses"
    SUPPORT = "support"

    @classmethod
    def provisioning(cls, created_via: CreatedVia) -> Self:
        """The back office that provisioned an account (self-service accounts come from `SELF`)."""
        return cls(created_via.value)


@dataclass(frozen=True)
class NewEvent:
    """An event as the logic decides it; the store numbers it when it writes it with its change."""

    type: EventType
    account_id: str
    actor: Actor
    occurred_at: datetime
    data: dict[str, Any] = field(default_factory=dict)
    event_id: str = field(default_factory=lambda: sortable_id("evt"))

    def numbered(self, sequence: int) -> "Event":
        return Event(
            event_id=self.event_id,
            type=self.type,
            occurred_at=self.occurred_at,
            account_id=self.account_id,
            sequence=sequence,
            actor=self.actor,
            data=self.data,
        )


class Event(BaseModel):
    """The envelope: what the timeline answers, what the bus carries as `detail`, what docs/events/ describes."""

    model_config = ConfigDict(frozen=True, defer_build=True, extra="ignore")

    event_id: str = Field(description="Unique; a consumer that sees it twice has seen the same event")
    type: EventType
    occurred_at: UtcDateTime
    account_id: str
    sequence: int = Field(ge=1, description="1, 2, 3 ... per account, without gaps: order, and notice a gap")
    actor: Actor
    data: dict[str, Any]
