"""What each event type's `data` holds: the contract consumers validate against (docs/events/*.json is written from
it by `make openapi`, and the tests hold every event the service writes to it)."""

from dataclasses import dataclass
from typing import Any

from business_accounts.models.events import EventType
from business_accounts.models.types import Budget, CreatedVia, DeliveryStatus, InvitationPurpose

# Why an invitation email was asked for (`invitation.sent`), and why an unverified claim was given up
# (`account.discarded`: the request that took the email, or its confirmation's expiry).
SEND_REASONS = ("registration", "provisioning", "retry", "join", "resend", "renew", "colleague")
DISCARD_REASONS = ("registration", "provisioning", "colleague", "confirmation_expired")


@dataclass(frozen=True)
class Fact:
    """One field of an event's `data`, as JSON Schema says it."""

    description: str
    schema: dict[str, Any]
    required: bool = True


def _text(description: str, *, required: bool = True, **schema: Any) -> Fact:
    return Fact(description, {"type": "string", **schema}, required)


def _one_of(description: str, values: tuple[str, ...] | list[str]) -> Fact:
    return Fact(description, {"type": "string", "enum": list(values)})


INVITATION_ID = _text("The invitation the event is about", pattern="^inv_[0-9A-HJKMNP-TV-Z]{26}$")
EMAIL = _text("The address the event is about, normalised (lower case)", format="email")
INSTANT: dict[str, Any] = {"format": "date-time", "pattern": "^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$"}
ABOUT_AN_INVITATION = {"invitation_id": INVITATION_ID, "email": EMAIL}

DATA: dict[EventType, dict[str, Fact]] = {
    EventType.ACCOUNT_CREATED: {
        "company_name": _text("The company's name, as given"),
        "created_via": _one_of("Who created it", [via.value for via in CreatedVia]),
        "locale": _text("The account's language"),
        "verified": Fact("False for a self-service registration until its registrant confirms", {"type": "boolean"}),
        "external_reference": _text("The back office's own reference of its request", required=False),
        "country": _text("ISO 3166-1 alpha-2", required=False, pattern="^[A-Z]{2}$"),
    },
    EventType.ACCOUNT_VERIFIED: {"email": EMAIL},
    EventType.ACCOUNT_DISCARDED: {
        "email": EMAIL,
        "reason": _one_of(
            "What took the email from the unverified claim, or its confirmation's expiry", DISCARD_REASONS
        ),
    },
    EventType.INVITATION_SENT: {
        **ABOUT_AN_INVITATION,
        "purpose": _one_of("`confirmation`: of the person's own registration", [p.value for p in InvitationPurpose]),
        "company_name": _text("The account's company, as the email names it"),
        "created_via": _one_of("Who created the account", [via.value for via in CreatedVia]),
        "expires_at": _text("Until when its link works", **INSTANT),
        "locale": _text("The email's language"),
        "reason": _one_of("Why the email was asked for", SEND_REASONS),
        "budget": _one_of("Whose limits it counts in (docs/design.md)", [budget.value for budget in Budget]),
        "invited_by": _text("The administrator who invited a colleague", required=False, format="email"),
    },
    EventType.INVITATION_SUPERSEDED: {
        **ABOUT_AN_INVITATION,
        "by": _text("The newer invitation that replaced it", required=False, pattern="^inv_[0-9A-HJKMNP-TV-Z]{26}$"),
    },
    EventType.INVITATION_EXPIRED: ABOUT_AN_INVITATION,
    EventType.INVITATION_ACCEPTED: ABOUT_AN_INVITATION,
    EventType.INVITATION_REVOKED: ABOUT_AN_INVITATION,
    EventType.INVITATION_DELIVERY: {
        **ABOUT_AN_INVITATION,
        "status": _one_of("What became of its email (`sent`: it left)", [status.value for status in DeliveryStatus]),
        "at": _text("When it left, or when SES saw what it reports", **INSTANT),
    },
    EventType.EMAIL_SUPPRESSED: {
        "email": EMAIL,
        "invitation_id": _text("The invitation whose email was marked as spam", pattern="^inv_[0-9A-HJKMNP-TV-Z]{26}$"),
    },
    EventType.EMAIL_UNSUPPRESSED: {"email": EMAIL},
}


def data_schema(event_type: EventType) -> dict[str, Any]:
    """The JSON Schema of `data` for one event type: its facts, no others."""
    facts = DATA[event_type]
    return {
        "type": "object",
        "properties": {name: {"description": fact.description, **fact.schema} for name, fact in facts.items()},
        "required": [name for name, fact in facts.items() if fact.required],
        "additionalProperties": False,
    }
