"""The mailbox grammar and the name rule, by example and by property: what is stored is what is delivered."""

from __future__ import annotations

import email
import email.policy
import re
import unicodedata
from datetime import UTC, datetime

import email_validator
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from business_accounts.logic.invitation_email import InvitationEmail, compose
from business_accounts.models.api import RegisterRequest
from business_accounts.models.mailbox import SCHEMA_PATTERN, SPECIAL_USE_DOMAINS, ascii_address, normalise_email
from business_accounts.models.types import CreatedVia, as_one_line

SENDER = "no-reply@example.com"
IDS = ("inv_01JDZ3K4Q6W8X9Y2Z3A4B5C6D7", "acc_01JDZ3K4Q6W8X9Y2Z3A4B5C6D7")  # the invitation and its account


def delivered_to(address: str, company_name: str = "ACME Ltd") -> list[str]:
    """The mailboxes an invitation to `address` reaches, read back from its To header as a mail client would."""
    composed = compose(
        InvitationEmail(
            address, company_name, CreatedVia.SALES, "https://x.example/#token=t", datetime.now(UTC), IDS[0], IDS[1]
        ),
        sender=SENDER,
    )
    message = email.message_from_bytes(composed.mime, policy=email.policy.default)
    return [mailbox.addr_spec for mailbox in message["To"].addresses]


@pytest.mark.parametrize(
    ("given_address", "normal_form"),
    [
        ("  Jane.Doe@Example.COM ", "jane.doe@example.com"),
        ("jane@xn--bcher-kva.de", "jane@b\u00fccher.de"),
        ("jane@bu\u0308cher.de", "jane@b\u00fccher.de"),
        ("jane+invites@example.co.uk", "jane+invites@example.co.uk"),
    ],
)
def test_normalise_email_gives_the_one_normal_form(given_address: str, normal_form: str) -> None:
    assert normalise_email(given_address) == normal_form


@pytest.mark.parametrize(
    "address",
    [
        "a,b@example.com",
        "grp:x@example.com",
        "=?utf-8?q?ceo?=-x@example.com",
        "Jane <jane@example.com>",
        '"jane"@example.com',
        "jane@[192.0.2.1]",
        "jane\x00@example.com",
        "jane\ud800@example.com",
        "jos\u00e9@example.com",
        "jane@localhost",
        "a" * 65 + "@example.com",  # RFC 5321: a local part has at most 64 characters
        "a" * 230 + "@example.com",
    ],
)
def test_normalise_email_not_one_plain_mailbox_is_refused(address: str) -> None:
    with pytest.raises(ValueError, match="email address"):
        normalise_email(address)


@given(st.emails())
@example("0@0.00")  # a top-level domain of digits: found by `make fuzz`
def test_normalise_email_accepts_every_address_the_openapi_pattern_allows(candidate: str) -> None:
    if re.fullmatch(SCHEMA_PATTERN, candidate):
        normalise_email(candidate)  # no ValueError: what the document allows, the server takes


def test_normalise_email_takes_a_local_part_of_64_characters_and_the_pattern_agrees() -> None:
    longest = "a" * 64 + "@example.com"

    assert normalise_email(longest) == longest
    assert re.fullmatch(SCHEMA_PATTERN, longest)
    assert not re.fullmatch(SCHEMA_PATTERN, "a" + longest)


def address_of_length(length: int) -> str:
    """`length` characters: the longest local part (64) at a domain of labels no longer than DNS allows (63)."""
    last_label = length - len("a" * 64 + "@") - 2 * len("b" * 63 + ".") - len(".com")
    return "a" * 64 + "@" + ".".join(["b" * 63, "c" * 63, "d" * last_label, "com"])


def test_normalise_email_takes_an_address_of_254_characters_and_refuses_one_of_255_for_its_length_alone() -> None:
    longest, too_long = address_of_length(254), address_of_length(255)
    local, _, domain = too_long.partition("@")
    assert (len(longest), len(too_long), len(local), max(map(len, domain.split(".")))) == (254, 255, 64, 63)

    assert normalise_email(longest) == longest
    with pytest.raises(ValueError, match="too long"):
        normalise_email(too_long)
    # The OpenAPI document agrees: its pattern takes both (a 64-character local part), its maxLength only the first
    schema = RegisterRequest.model_json_schema()["properties"]["email"]
    assert re.fullmatch(schema["pattern"], too_long)
    assert schema["maxLength"] == len(longest)


@pytest.mark.parametrize(
    "name", ["\u3164\u3164\u2800", "\u2800", "\u3164ACME", "ACME\ufe0f", "\u115f\u1160", " \uffa0 "]
)
def test_a_name_that_begins_or_ends_with_nothing_visible_is_refused_by_the_rule_and_the_pattern(name: str) -> None:
    with pytest.raises(ValueError, match="visible"):
        RegisterRequest(email="jane@example.com", company_name=name)
    assert not NAME_PATTERN.fullmatch(name)


def test_a_name_may_hold_an_invisible_character_between_visible_ones() -> None:
    assert RegisterRequest(email="jane@example.com", company_name="A\u3164B").company_name == "A\u3164B"


def test_special_use_domains_are_email_validators_own() -> None:
    assert set(SPECIAL_USE_DOMAINS) == set(email_validator.SPECIAL_USE_DOMAIN_NAMES)


def test_ascii_address_writes_an_internationalised_domain_in_idna_2008() -> None:
    assert ascii_address("jane@stra\u00dfe.de") == "jane@xn--strae-oqa.de"  # IDNA 2003 would say strasse.de
    assert ascii_address("jane@example.com") == "jane@example.com"


@given(st.emails() | st.text(max_size=80))
@example("=?utf-8?q?ceo?=-x@example.com")
@example("a,b@example.com")
def test_normalise_email_accepted_address_is_stable_and_delivered_to_itself_alone(candidate: str) -> None:
    try:
        normal = normalise_email(candidate)
    except ValueError:
        return
    assert normalise_email(normal) == normal
    assert normal == unicodedata.normalize("NFC", normal).lower()
    assert delivered_to(normal) == [ascii_address(normal)]


NAME_PATTERN = re.compile(RegisterRequest.model_json_schema()["properties"]["company_name"]["pattern"])


@given(st.text(max_size=40))
def test_single_line_accepts_exactly_what_the_schema_pattern_accepts(text: str) -> None:
    try:
        RegisterRequest(email="jane@example.com", company_name=text)
        accepted = True
    except ValueError:
        accepted = False
    if any(0xD800 <= ord(character) <= 0xDFFF for character in text):
        assert not accepted  # no JSON text carries a lone surrogate; pydantic refuses an escaped one
        return
    assert accepted == bool(NAME_PATTERN.fullmatch(text)), repr(text)


@given(st.text())
@example("Evil\u2028Ltd")
@example("0" * 19 + "\x00")  # a run of spaces where the Subject folds came back with a space in front
def test_any_company_name_even_one_stored_before_the_rule_builds_a_one_line_subject(name: str) -> None:
    composed = compose(
        InvitationEmail(
            "jane@example.com", name, CreatedVia.SALES, "https://x.example/#t", datetime.now(UTC), IDS[0], IDS[1]
        ),
        sender=SENDER,
    )

    subject = email.message_from_bytes(composed.mime, policy=email.policy.default)["Subject"]
    # One line with the name's words (mail clients unfold a folded Subject; encoded words may move a space)
    assert subject.splitlines() == [subject]  # no CR, LF, NEL, U+2028, U+2029 or other line boundary
    assert subject.split() == f"You are invited to administer the {as_one_line(name)} business account".split()
