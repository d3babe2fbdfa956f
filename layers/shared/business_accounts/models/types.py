"""Field types shared by the API and stored models: emails, names, identifiers, UTC instants."""

import secrets
import sys
import time
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from functools import cache
from typing import Annotated, Any
from urllib.parse import unquote

from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer, StringConstraints, WithJsonSchema

from business_accounts.models.languages import SUPPORTED, is_supported
from business_accounts.models.mailbox import MAX_LENGTH as EMAIL_MAX_LENGTH
from business_accounts.models.mailbox import SCHEMA_PATTERN as EMAIL_PATTERN
from business_accounts.models.mailbox import normalise_email

EXAMPLE_EMAIL = "jane.doe@example.com"

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# The name rule: what cannot live in one line of text or a mail header. Control characters (Cc), line and
# paragraph separators (Zl, Zp), lone surrogates (Cs) and invisible format characters (Cf: bidirectional
# overrides, zero-width spaces, soft hyphens) are refused; the two joiners that scripts need to spell names stay.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp", "Cf"})
_JOINERS = frozenset({"\u200c", "\u200d"})
# Characters that show nothing although they are neither spaces nor refused: Unicode's Default_Ignorable_Code_Point
# outside the refused categories (the Hangul fillers, Khmer's inherent vowels, Mongolian's variation selectors, the
# combining grapheme joiner, the variation selectors) and the Braille blank. A name may hold them, but it begins
# and ends with a visible character, so no name is all invisible (`\u3164\u3164\u2800`).
_INVISIBLE = frozenset(
    "\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180e\u180f\u2800\u3164\uffa0"
    + "".join(chr(point) for point in (*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)))
)


def _refused(character: str) -> bool:
    return unicodedata.category(character) in _REFUSED_CATEGORIES and character not in _JOINERS


def _trimmed(value: object) -> object:
    """Names are trimmed as Python trims (str.strip), the same whitespace the schema pattern's `\\s` means."""
    return value.strip() if isinstance(value, str) else value


def single_line(value: str) -> str:
    """The name rule for company and person names: NFC, refused when a character could not live in a header, and
    beginning and ending with a visible character (it comes trimmed of spaces)."""
    text = unicodedata.normalize("NFC", value)
    refused = sorted({f"U+{ord(character):04X}" for character in text if _refused(character)})
    if refused:
        raise ValueError(f"must be one line of visible text; remove {', '.join(refused)}")
    if text[:1] in _INVISIBLE or text[-1:] in _INVISIBLE:
        raise ValueError("must begin and end with a visible character")
    return text


def as_one_line(text: str) -> str:
    """`text` with each character the name rule refuses replaced by a space, for names stored before the rule."""
    return "".join(" " if _refused(character) else character for character in text)


@cache
def _refused_ranges() -> str:
    """The refused characters as a regular-expression class body, derived from the same rule (for the schema).

    Surrogates are left out: no UTF-8 text can carry them, and pydantic refuses an escaped one in JSON itself.
    """
    ranges: list[str] = []
    start = None
    for point in range(sys.maxunicode + 2):
        inside = point <= sys.maxunicode and _refused(chr(point)) and not 0xD800 <= point <= 0xDFFF
        if inside and start is None:
            start = point
        elif not inside and start is not None:
            ranges.append(chr(start) if start == point - 1 else f"{chr(start)}-{chr(point - 1)}")
            start = None
    return "".join(ranges)


def _name_rule_pattern(limit: int) -> Callable[[dict[str, Any]], None]:
    """The name rule as a JSON Schema pattern, added when the schema is generated (the scan is not for requests).

    The length is in the pattern too, counted once trimmed as the server counts it; `maxLength` would count the
    whitespace around the name as well (a padded 200-character name is valid), so the schema does without it.
    """

    def describe(schema: dict[str, Any]) -> None:
        refused = _refused_ranges()
        visible = f"[^\\s{refused}{''.join(sorted(_INVISIBLE))}]"
        inside = f"[^{refused}]{{0,{limit - 2}}}"
        schema["pattern"] = f"^\\s*{visible}(?:{inside}{visible})?\\s*$"  # what is left once trimmed
        schema.pop("maxLength", None)
        schema.pop("minLength", None)

    return describe


def _as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("must carry a time zone")
    return value.astimezone(UTC).replace(microsecond=0)


def iso(instant: datetime) -> str:
    """ISO-8601 in UTC with a `Z`, to the second: the one way instants are written."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


Email = Annotated[
    str,
    Field(max_length=EMAIL_MAX_LENGTH),
    AfterValidator(normalise_email),
    WithJsonSchema(
        {
            "type": "string",
            "format": "email",
            "maxLength": EMAIL_MAX_LENGTH,
            "pattern": EMAIL_PATTERN,
            "examples": [EXAMPLE_EMAIL],
        }
    ),
]


def _percent_decoded(value: object) -> object:
    """A path segment as the client wrote it, `%40` for `@` or not: decoded once (API Gateway passes it as sent)."""
    return unquote(value) if isinstance(value, str) else value


# An email in a URL path (`/v1/internal/suppressions/{email}`): the same grammar, percent-decoded first.
PathEmail = Annotated[Email, BeforeValidator(_percent_decoded)]
_Line200 = Annotated[
    str,
    BeforeValidator(_trimmed),
    StringConstraints(min_length=1, max_length=200),
    AfterValidator(single_line),
    Field(json_schema_extra=_name_rule_pattern(200)),
]
CompanyName = Annotated[_Line200, Field(examples=["ACME Ltd"])]
ExternalReference = Annotated[_Line200, Field(examples=["SO-2026-0042"])]
PersonName = Annotated[
    str,
    BeforeValidator(_trimmed),
    StringConstraints(min_length=1, max_length=100),
    AfterValidator(single_line),
    Field(json_schema_extra=_name_rule_pattern(100)),
]


def _supported_locale(locale: str) -> str:
    if not is_supported(locale):
        raise ValueError(f"must be one of the supported locales: {', '.join(SUPPORTED)}")
    return locale


# A language the emails and pages speak, as its BCP 47 tag exactly as listed (`pt-BR`, not `pt_br`).
Locale = Annotated[
    str,
    AfterValidator(_supported_locale),
    WithJsonSchema(
        {
            "type": "string",
            "enum": list(SUPPORTED),
            "description": "The language of the invitation email; without it, the Accept-Language header's, else en",
        }
    ),
]
UtcDateTime = Annotated[datetime, AfterValidator(_as_utc), PlainSerializer(iso, return_type=str)]
_ULID = "[0-9A-HJKMNP-TV-Z]{26}"  # Crockford's base 32: no I, L, O or U
AccountId = Annotated[str, Field(pattern=f"^acc_{_ULID}$", examples=["acc_01JDZ3K4Q6W8X9Y2Z3A4B5C6D7"])]
InvitationId = Annotated[str, Field(pattern=f"^inv_{_ULID}$", examples=["inv_01JDZ3K4Q6W8X9Y2Z3A4B5C6D7"])]
Token = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=16, max_length=128, pattern=r"^[A-Za-z0-9_-]+$"),
    Field(description="The token from the invitation link"),
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


class InvitationPurpose(StrEnum):
    """What accepting the link does: join an account created by someone else, or confirm one's own registration."""

    INVITATION = "invitation"
    CONFIRMATION = "confirmation"


class Budget(StrEnum):
    """Whose invitation emails to an address are counted together (SPEC, Limits)."""

    PUBLIC = "public"  # join, resend, renew and a registration's confirmation: what anyone can ask for
    BACK_OFFICE = "back_office"  # provisioning and colleague invitations
    NOTHING_TO_SEND = "nothing_to_send"  # resends for an address with nothing to send: counted apart, sent never


class DeliveryStatus(StrEnum):
    """What became of an invitation email: sent (SES took it), then what SES reported."""

    SENT = "sent"
    DELIVERED = "delivered"
    DELAYED = "delayed"
    BOUNCED = "bounced"
    COMPLAINED = "complained"
    REJECTED = "rejected"


def sortable_id(prefix: str) -> str:
    """`prefix_` + a ULID: 48 bits of milliseconds then 80 random bits, so ids sort by creation time."""
    value = (time.time_ns() // 1_000_000) << 80 | secrets.randbits(80)
    return prefix + "_" + "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))
