"""Field types shared by the API and stored models: emails, company names, identifiers, UTC instants."""

from __future__ import annotations

import re
import secrets
import time
import unicodedata
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer, StringConstraints

_EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def normalise_email(value: str) -> str:
    """Emails compare after trimming, Unicode NFC normalisation and lower-casing (SPEC: one account per email)."""
    email = unicodedata.normalize("NFC", value.strip()).lower()
    if len(email) > 254 or not _EMAIL_SHAPE.match(email):
        raise ValueError("must be an email address such as name@example.com")
    return email


def _no_control_characters(value: str) -> str:
    if _CONTROL_CHARACTERS.search(value):
        raise ValueError("must not contain control characters")
    return value


def _as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("must carry a time zone")
    return value.astimezone(UTC).replace(microsecond=0)


def iso(instant: datetime) -> str:
    """ISO-8601 in UTC with a `Z`, to the second: the one way instants are written."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


Email = Annotated[str, AfterValidator(normalise_email), Field(examples=["jane.doe@example.com"])]
CompanyName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(_no_control_characters),
    Field(examples=["ACME Ltd"]),
]
PersonName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), AfterValidator(_no_control_characters)
]
UtcDateTime = Annotated[datetime, AfterValidator(_as_utc), PlainSerializer(iso, return_type=str)]
_ULID = "[0-9A-HJKMNP-TV-Z]{26}"  # Crockford's base 32: no I, L, O or U
AccountId = Annotated[str, Field(pattern=f"^acc_{_ULID}$", examples=["acc_01JDZ3K4Q6W8X9Y2Z3A4B5C6D7"])]
InvitationId = Annotated[str, Field(pattern=f"^inv_{_ULID}$", examples=["inv_01JDZ3K4Q6W8X9Y2Z3A4B5C6D7"])]
Token = Annotated[
    str,
    BeforeValidator(lambda value: value.strip() if isinstance(value, str) else value),
    Field(min_length=16, max_length=128, pattern=r"^[A-Za-z0-9_-]+$", description="The token from the invitation link"),
]


class CreatedVia(StrEnum):
    """Why a business account exists."""

    SELF_SERVICE = "self_service"
    SALES = "sales"
    RESELLER = "reseller"
    UPGRADE_INSURANCE = "upgrade_insurance"
    OTHER_PRODUCT = "other_product"


class AdministratorState(StrEnum):
    INVITED = "invited"
    ACTIVE = "active"


class InvitationStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    EXPIRED = "expired"
    SUPERSEDED = "superseded"
    REVOKED = "revoked"


def sortable_id(prefix: str) -> str:
    """`prefix_` + a ULID: 48 bits of milliseconds then 80 random bits, so ids sort by creation time."""
    value = (time.time_ns() // 1_000_000) << 80 | secrets.randbits(80)
    return prefix + "_" + "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))
