"""Field types: email normalisation, company names, identifiers and instants."""

from __future__ import annotations

import base64
import hashlib
import secrets
import unicodedata
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from business_accounts.logic import tokens
from business_accounts.models.api import RegisterRequest
from business_accounts.models.mailbox import normalise_email
from business_accounts.models.types import iso, sortable_id


def test_normalise_email_trims_lowercases_and_composes_unicode() -> None:
    decomposed = unicodedata.normalize("NFD", "  Jose@Bücher.COM ")

    assert normalise_email(decomposed) == "jose@bücher.com"
    assert normalise_email(decomposed) == normalise_email("jose@bücher.com")


@pytest.mark.parametrize("bad", ["", "jane", "jane@", "@example.com", "jane@example", "ja ne@example.com", "a@b@c.com"])
def test_normalise_email_not_an_address_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="email address"):
        normalise_email(bad)


def test_normalise_email_longer_than_254_characters_is_refused() -> None:
    with pytest.raises(ValueError, match="email address"):
        normalise_email("a" * 250 + "@example.com")


def test_register_request_company_name_is_trimmed_and_bounded() -> None:
    assert RegisterRequest(email="a@example.com", company_name="  ACME  ").company_name == "ACME"
    assert len(RegisterRequest(email="a@example.com", company_name="x" * 200).company_name) == 200
    with pytest.raises(ValidationError):
        RegisterRequest(email="a@example.com", company_name=" " * 5)
    with pytest.raises(ValidationError):
        RegisterRequest(email="a@example.com", company_name="x" * 201)
    with pytest.raises(ValidationError):
        RegisterRequest(email="a@example.com", company_name="ACME\x00Ltd")


def test_register_request_country_is_an_assigned_alpha_2_code() -> None:
    assert RegisterRequest(email="a@example.com", company_name="A", country="DE").country == "DE"
    with pytest.raises(ValidationError):
        RegisterRequest(email="a@example.com", company_name="A", country="XX")


def test_sortable_id_sorts_by_creation_and_has_the_documented_shape() -> None:
    ids = [sortable_id("inv") for _ in range(50)]

    assert all(len(value) == 30 and value.startswith("inv_") for value in ids)
    assert len(set(ids)) == 50
    assert ids[0][:14] <= ids[-1][:14]  # the time part never goes backwards


def test_iso_writes_utc_with_z_to_the_second() -> None:
    instant = datetime(2026, 11, 26, 10, 30, 15, 999, tzinfo=timezone(timedelta(hours=1)))

    assert iso(instant) == "2026-11-26T09:30:15Z"
    assert iso(datetime(2026, 1, 1, tzinfo=UTC)) == "2026-01-01T00:00:00Z"


def test_token_is_the_256_bit_hmac_of_its_invitation_id_and_differs_by_id_and_key() -> None:
    mint = tokens.keyed_minter(b"key one")

    token = mint("inv_01JDZ7Q0000000000000000003")

    assert len(base64.urlsafe_b64decode(token + "=")) == 32
    assert token == mint("inv_01JDZ7Q0000000000000000003")  # minted again for the same link
    assert token != mint("inv_01JDZ7Q0000000000000000004")
    assert token != tokens.keyed_minter(b"key two")("inv_01JDZ7Q0000000000000000003")
    assert tokens.token_hash(token) == hashlib.sha256(token.encode()).hexdigest()


def test_random_token_is_256_bits_from_the_secrets_module(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[int] = []
    real = secrets.token_urlsafe
    monkeypatch.setattr(secrets, "token_urlsafe", lambda size: asked.append(size) or real(size))

    token = tokens.random_token()

    assert asked == [32]
    assert len(base64.urlsafe_b64decode(token + "=")) == 32
