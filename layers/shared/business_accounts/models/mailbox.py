"""The one mailbox grammar of every email field: a single `local@domain` address, in one normal form.

An address that is stored as one identity must be delivered to that same mailbox, so anything a mail header
could read differently is refused: display names, quoting, comments, groups, several addresses, RFC 2047
encoded words, domain literals, control, format and surrogate characters. The checking itself is
`email-validator`'s (the validator pydantic's `EmailStr` uses); this module adds what SES and the header
machinery need on top of it: a 7-bit ASCII local part (SES does not support SMTPUTF8) and no `=?`.
"""

from __future__ import annotations

import unicodedata

MAX_LENGTH = 254  # RFC 5321's path limit, less its angle brackets
LOCAL_MAX_LENGTH = 64  # RFC 5321, 4.5.3.1.1
EXAMPLE = "name@example.com"
# Inside a local part, `=?` could open an RFC 2047 encoded word that a header parser decodes to another name.
_ENCODED_WORD = "=?"


# What the grammar refuses beyond a `format: email` string, written for the OpenAPI document: an encoded-word
# start, and the special-use names no mail can reach (`.test`, `.localhost`, ...).
# email-validator's special-use domains, which it refuses (tests/unit/test_mailbox.py keeps the two lists equal);
# named here so the pattern needs no import of email-validator when a function starts.
SPECIAL_USE_DOMAINS = ("arpa", "invalid", "local", "localhost", "onion", "test")
_SPECIAL_USE = "|".join("".join(f"[{c}{c.upper()}]" for c in name) for name in SPECIAL_USE_DOMAINS)
# No `=?`; no special-use domain; no top-level domain of digits only (email-validator refuses `a@b.00`); a local
# part of at most 64 characters (the address's 254 are the schema's maxLength).
SCHEMA_PATTERN = (
    rf"^(?!.*=\?)(?!.*\.(?:{_SPECIAL_USE})\.?$)(?!.*\.[0-9]+\.?$)"
    rf"[^@\s]{{1,{LOCAL_MAX_LENGTH}}}@[^@\s]+\.[^@\s]+$"
)


def normalise_email(value: str) -> str:
    """The address in its one normal form (trimmed, NFC, lower-case, Unicode domain), or ValueError saying why not.

    Emails compare in this form (SPEC: one account per email): `Jane@Bücher.de`, `jane@xn--bcher-kva.de` and
    ` jane@bu\u0308cher.de ` are the same mailbox, `jane@bücher.de`.
    """
    # Imported on the first email checked: a function that never checks one (the pages, the cleanup) never pays it.
    from email_validator import EmailNotValidError, validate_email  # noqa: PLC0415

    candidate = unicodedata.normalize("NFC", value.strip())
    if _ENCODED_WORD in candidate:
        raise ValueError(f"must be a plain email address such as {EXAMPLE}, without `=?`")
    try:
        checked = validate_email(
            candidate,
            check_deliverability=False,  # no DNS from a request path; SES reports what bounces
            allow_smtputf8=False,
            allow_quoted_local=False,
            allow_display_name=False,
            allow_domain_literal=False,
            allow_empty_local=False,
            strict=True,  # RFC 5321's lengths: a local part of at most 64 characters
        )
    except EmailNotValidError as error:
        raise ValueError(f"must be an email address such as {EXAMPLE}: {error}") from error
    return checked.normalized.lower()


def ascii_address(email: str) -> str:
    """A normalised address as SES takes it: the domain in IDNA 2008 Punycode (`straße.de`, not `strasse.de`)."""
    local, _, domain = email.rpartition("@")
    if domain.isascii():
        return email
    import idna  # noqa: PLC0415 - as email_validator, only where an address needs it

    return f"{local}@{idna.encode(domain).decode('ascii')}"
