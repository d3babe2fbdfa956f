"""POST /v1/accounts through its handler: a new account, or the 409 that says the email already has one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.support.api import Api
from tests.support.aws import sent_emails
from tests.support.fakes import FakeClock
from tests.support.invariants import event_types
from tests.support.story import FIRST_EXPIRY, JANE, latest_token, provision, register_confirmed


def register(api: Api, email: str = JANE, company_name: str = "ACME", **extra: str) -> Any:
    return api.post("/v1/accounts", {"email": email, "company_name": company_name, **extra})


def accept_last_invitation(api: Api) -> None:
    accepted = api.post("/v1/invitations/accept", {"token": sent_emails()[-1].token})
    assert accepted.status == 200, accepted.body


# --- A new account ---


def test_register_new_email_creates_a_self_service_account_waiting_on_its_confirmation(api: Api) -> None:
    answer = register(api, JANE, "ACME Ltd", first_name="Jane", last_name="Doe", country="DE")

    assert answer.status == 201, answer.body
    assert set(answer.body) == {
        "account_id",
        "company_name",
        "administrator_email",
        "created_via",
        "status",
        "expires_at",
    }
    assert answer.body["status"] == "verification_sent"
    assert answer.body["expires_at"] == FIRST_EXPIRY
    assert answer.body["account_id"].startswith("acc_")
    assert answer.body["company_name"] == "ACME Ltd"
    assert answer.body["administrator_email"] == JANE
    assert answer.body["created_via"] == "self_service"


def test_register_new_email_is_unverified_its_registrant_invited_until_confirmed(api: Api) -> None:
    account_id = register(api).body["account_id"]

    before = api.get(f"/v1/internal/accounts/{account_id}").body
    api.post("/v1/invitations/accept", {"token": latest_token(JANE)})
    after = api.get(f"/v1/internal/accounts/{account_id}").body

    assert (before["verified"], [(admin["email"], admin["state"]) for admin in before["administrators"]]) == (
        False,
        [(JANE, "invited")],
    )
    assert (after["verified"], after["administrators"]) == (True, [{"email": JANE, "state": "active"}])
    assert event_types(account_id) == [
        "account.created",
        "invitation.sent",
        "invitation.delivery",
        "invitation.accepted",
        "account.verified",
    ]


def test_register_new_email_mails_a_confirmation_to_it(api: Api) -> None:
    register(api, company_name="ACME Ltd")

    assert [(mail.to, mail.subject) for mail in sent_emails()] == [
        ([JANE], "Confirm your email address to finish registering ACME Ltd")
    ]


def test_register_of_someone_else_s_address_makes_nobody_its_administrator(api: Api, clock: FakeClock) -> None:
    """The pre-hijacking of "Pre-hijacked accounts" (USENIX Security 2022): a squatter registers the victim's
    address; nothing becomes theirs, and the real owner's registration and a provisioning both go ahead."""
    squatted = register(api, "ceo@victim.example.com", "Totally Victim Inc").body
    clock.advance(minutes=2)

    mine = register(api, "ceo@victim.example.com", "Victim Inc")
    provisioned = provision(api, email="cfo@victim.example.com")
    squatted_too = register(api, "cfo@victim.example.com", "Totally Victim Inc")

    assert mine.status == 201, mine.body  # the owner's own registration replaces the squatter's claim
    assert api.get(f"/v1/internal/accounts/{squatted['account_id']}").status == 404
    assert squatted_too.code == "PENDING_INVITATION"  # provisioning stands, a squatter's registration does not
    assert squatted_too.body["account"]["account_id"] == provisioned["account_id"]


# --- Renew a confirmation ---


def renew(api: Api, token: str) -> Any:
    return api.post("/v1/invitations/renew", {"token": token})


def test_renew_of_a_pending_confirmation_sends_a_new_one_and_only_it_confirms(api: Api, clock: FakeClock) -> None:
    account_id = register(api, company_name="ACME Ltd").body["account_id"]
    first = latest_token(JANE)
    clock.advance(minutes=2)

    renewed = renew(api, first)
    newest = latest_token(JANE)

    assert renewed.status == 202, renewed.body
    assert [(mail.to, mail.subject) for mail in sent_emails()][-1] == (
        [JANE],
        "Confirm your email address to finish registering ACME Ltd",
    )
    assert api.post("/v1/invitations/accept", {"token": first}).code == "INVITATION_SUPERSEDED"
    assert api.post("/v1/invitations/accept", {"token": newest}).status == 200
    assert api.get(f"/v1/internal/accounts/{account_id}").body["verified"] is True


def test_renew_of_an_expired_confirmation_the_cleanup_removed_says_the_registration_is_gone(
    api: Api, clock: FakeClock, cleanup: Callable[[], dict[str, int]]
) -> None:
    register(api)
    expired = latest_token(JANE)
    clock.advance(days=8)
    assert cleanup() == {"expired": 1, "remaining": False}

    renewed = renew(api, expired)

    assert (renewed.status, renewed.body) == (
        410,
        {
            "code": "INVITATION_EXPIRED",
            "message": "This registration was not confirmed in time and was removed. "
            "Register again to get a new email.",
        },
    )
    assert len(sent_emails()) == 1
    assert register(api).status == 201  # the email is free: registering again is the way on


def test_renew_of_a_confirmation_replaced_by_a_new_registration_answers_superseded(api: Api, clock: FakeClock) -> None:
    register(api, company_name="Totally ACME")
    replaced = latest_token(JANE)
    clock.advance(minutes=2)
    register(api, company_name="ACME")
    newest = latest_token(JANE)

    renewed = renew(api, replaced)

    assert (renewed.status, renewed.body) == (
        410,
        {
            "code": "INVITATION_SUPERSEDED",
            "message": "This registration was replaced. Register again to see where this email address stands.",
        },
    )
    assert len(sent_emails()) == 2
    assert api.post("/v1/invitations/preview", {"token": newest}).body["company_name"] == "ACME"


# --- What became of a registration (its page follows it) ---


def registration_state(api: Api, account_id: str) -> Any:
    return api.get(f"/v1/accounts/{account_id}/registration")


NO_REGISTRATION = {"code": "NOT_FOUND", "message": "No self-service registration has this account id."}


def test_registration_state_waits_on_its_confirmation_then_says_verified(api: Api, clock: FakeClock) -> None:
    account_id = register(api).body["account_id"]

    waiting = registration_state(api, account_id)
    api.post("/v1/invitations/accept", {"token": latest_token(JANE)})
    verified = registration_state(api, account_id)

    assert (waiting.status, waiting.body) == (
        200,
        {
            "account_id": account_id,
            "status": "verification_sent",
            "confirmation": {"status": "pending", "expires_at": FIRST_EXPIRY, "delivery": None, "next_email_in": 60},
        },
    )
    assert (verified.status, verified.body) == (
        200,
        {"account_id": account_id, "status": "verified", "confirmation": None},
    )


def test_registration_state_of_an_expired_confirmation_says_expired_until_the_cleanup_removes_it(
    api: Api, clock: FakeClock, cleanup: Callable[[], dict[str, int]]
) -> None:
    account_id = register(api).body["account_id"]
    clock.advance(days=8)

    expired = registration_state(api, account_id)
    cleanup()
    removed = registration_state(api, account_id)

    assert expired.body["confirmation"] == {
        "status": "expired",
        "expires_at": FIRST_EXPIRY,
        "delivery": None,
        "next_email_in": 0,
    }
    assert (removed.status, removed.body) == (404, NO_REGISTRATION)


def test_registration_state_is_only_a_registration_s_own(api: Api, clock: FakeClock) -> None:
    """An account someone else stands behind (its id is in any 409), a replaced claim, an unknown id: one 404."""
    provisioned = provision(api, email="cfo@example.com")["account_id"]
    replaced = register(api).body["account_id"]
    clock.advance(minutes=2)
    register(api)

    for account_id in (provisioned, replaced, "acc_01JDZ3K4Q6W8X9Y2Z3A4B5C6D7"):
        answer = registration_state(api, account_id)
        assert (answer.status, answer.body) == (404, NO_REGISTRATION), account_id


@pytest.mark.parametrize(
    "account_id", ["nope", "acc_", "acc_01JDZ3K4Q6W8X9Y2Z3A4B5C6D", "ACC_01JDZ3K4Q6W8X9Y2Z3A4B5C6D7"]
)
def test_registration_state_of_a_malformed_account_id_answers_validation_error(api: Api, account_id: str) -> None:
    answer = registration_state(api, account_id)

    assert (answer.status, answer.code) == (422, "VALIDATION_ERROR")


def test_register_email_with_case_and_spaces_answers_it_normalised(api: Api) -> None:
    answer = register(api, "  Jane.Doe@Example.COM \t")

    assert answer.status == 201, answer.body
    assert answer.body["administrator_email"] == "jane.doe@example.com"


def test_register_decomposed_unicode_email_answers_it_in_nfc(api: Api) -> None:
    answer = register(api, "Zoe@Bu\u0308cher.COM")

    assert answer.status == 201, answer.body
    assert answer.body["administrator_email"] == "zoe@b\u00fccher.com"


def test_register_company_name_with_spaces_is_trimmed(api: Api) -> None:
    answer = register(api, company_name="   ACME Ltd  ")

    assert answer.status == 201, answer.body
    assert answer.body["company_name"] == "ACME Ltd"


def test_register_company_name_of_200_characters_after_trim_is_accepted(api: Api) -> None:
    name = "A" * 200

    answer = register(api, company_name=f"  {name}  ")

    assert answer.status == 201, answer.body
    assert answer.body["company_name"] == name


def test_register_company_name_of_one_character_is_accepted(api: Api) -> None:
    answer = register(api, company_name="X")

    assert answer.status == 201, answer.body
    assert answer.body["company_name"] == "X"


@pytest.mark.parametrize("company_name", ["", "   ", "A" * 201, " " + "A" * 201 + " "])
def test_register_company_name_empty_or_too_long_answers_validation_error(api: Api, company_name: str) -> None:
    answer = register(api, company_name=company_name)

    assert answer.status == 422, answer.body
    assert answer.code == "VALIDATION_ERROR"
    assert [error["field"] for error in answer.body["errors"]] == ["company_name"]


@pytest.mark.parametrize("country", ["DE", "US", "GB"])
def test_register_assigned_country_code_is_accepted(api: Api, country: str) -> None:
    answer = register(api, country=country)

    assert answer.status == 201, answer.body


@pytest.mark.parametrize("country", ["XX", "ZZ", "DEU", "D", "12", "", "de", " GB "])
def test_register_unknown_country_code_answers_validation_error(api: Api, country: str) -> None:
    answer = register(api, country=country)

    assert answer.status == 422, answer.body
    assert answer.code == "VALIDATION_ERROR"
    assert [error["field"] for error in answer.body["errors"]] == ["country"]


def test_register_unknown_country_creates_no_account(api: Api) -> None:
    register(api, country="XX")

    answer = register(api)

    assert answer.status == 201, answer.body


# --- An email with a pending invitation ---


def test_register_invited_email_answers_pending_invitation_with_the_account(api: Api) -> None:
    provisioned = provision(api, company_name="ACME Ltd", created_via="reseller")

    answer = register(api)

    assert answer.status == 409, answer.body
    assert answer.code == "PENDING_INVITATION"
    assert answer.body["account"] == {
        "account_id": provisioned["account_id"],
        "company_name": "ACME Ltd",
        "created_via": "reseller",
    }
    assert answer.body["invitation"] == {"status": "pending", "expires_at": FIRST_EXPIRY, "next_email_in": 0}
    assert isinstance(answer.body["message"], str)


def test_register_invited_email_creates_no_account_and_sends_nothing(api: Api) -> None:
    provisioned = provision(api)

    register(api)

    account = api.get(f"/v1/internal/accounts/{provisioned['account_id']}")
    assert [(admin["email"], admin["state"]) for admin in account.body["administrators"]] == [(JANE, "invited")]
    assert len(sent_emails()) == 1  # the provisioning email only


def test_register_invited_email_after_expiry_answers_pending_invitation_expired(api: Api, clock: FakeClock) -> None:
    provisioned = provision(api)
    clock.advance(days=8)

    answer = register(api)

    assert answer.status == 409, answer.body
    assert answer.code == "PENDING_INVITATION"
    assert answer.body["account"]["account_id"] == provisioned["account_id"]
    assert answer.body["invitation"] == {"status": "expired", "expires_at": FIRST_EXPIRY, "next_email_in": 0}


def test_register_invited_email_after_a_new_invitation_answers_its_expiry(api: Api, clock: FakeClock) -> None:
    provisioned = provision(api)
    clock.advance(days=8)
    joined = api.post(f"/v1/accounts/{provisioned['account_id']}/join", {"email": JANE})
    assert joined.status == 202, joined.body

    answer = register(api)

    assert answer.code == "PENDING_INVITATION", answer.body
    assert answer.body["invitation"] == {
        "status": "pending",
        "expires_at": "2026-12-11T09:00:00Z",  # the newer invitation's
        "next_email_in": 60,  # Join's cooldown: the public budget sent one just now
    }


def test_register_invited_email_exactly_at_expiry_answers_expired(api: Api, clock: FakeClock) -> None:
    provision(api)
    clock.advance(days=7)

    answer = register(api)

    assert answer.code == "PENDING_INVITATION"
    assert answer.body["invitation"]["status"] == "expired"


@pytest.mark.parametrize("variant", ["JANE@EXAMPLE.COM", "  jane@example.com  ", "Jane@Example.Com\n"])
def test_register_invited_email_in_another_case_or_spacing_answers_pending_invitation(api: Api, variant: str) -> None:
    provisioned = provision(api)

    answer = register(api, variant)

    assert answer.code == "PENDING_INVITATION", answer.body
    assert answer.body["account"]["account_id"] == provisioned["account_id"]


def test_register_invited_email_in_another_unicode_form_answers_pending_invitation(api: Api) -> None:
    provisioned = provision(api, email="zoe@b\u00fccher.com")

    answer = register(api, "ZOE@BU\u0308CHER.com")

    assert answer.code == "PENDING_INVITATION", answer.body
    assert answer.body["account"]["account_id"] == provisioned["account_id"]


def test_register_email_invited_by_an_administrator_answers_pending_invitation(api: Api) -> None:
    account_id = register_confirmed(api, JANE, "ACME Ltd")["account_id"]
    invited = api.post(f"/v1/internal/accounts/{account_id}/invitations", {"email": "bob@example.com"})
    assert invited.status == 201, invited.body

    answer = register(api, "bob@example.com", "Bob's Own Company")

    assert answer.code == "PENDING_INVITATION", answer.body
    assert answer.body["account"] == {
        "account_id": account_id,
        "company_name": "ACME Ltd",
        "created_via": "self_service",
    }


# --- An email that is already an active administrator ---


def test_register_registered_email_answers_already_registered_with_the_account(api: Api) -> None:
    first = register_confirmed(api, JANE, "ACME Ltd")

    answer = register(api, JANE, "Another Company")

    assert answer.status == 409, answer.body
    assert answer.code == "ALREADY_REGISTERED"
    assert answer.body["account"] == {"account_id": first["account_id"], "company_name": "ACME Ltd"}
    assert "invitation" not in answer.body


def test_register_accepted_invitee_answers_already_registered(api: Api) -> None:
    provisioned = provision(api, company_name="ACME Ltd")
    accept_last_invitation(api)

    answer = register(api)

    assert answer.status == 409, answer.body
    assert answer.code == "ALREADY_REGISTERED"
    assert answer.body["account"] == {"account_id": provisioned["account_id"], "company_name": "ACME Ltd"}


@pytest.mark.parametrize("variant", ["JANE@example.com", " jane@EXAMPLE.com "])
def test_register_registered_email_in_another_case_answers_already_registered(api: Api, variant: str) -> None:
    first = register_confirmed(api)

    answer = register(api, variant)

    assert answer.code == "ALREADY_REGISTERED", answer.body
    assert answer.body["account"]["account_id"] == first["account_id"]


def test_register_registered_email_in_another_unicode_form_answers_already_registered(api: Api) -> None:
    first = register_confirmed(api, "zoe@b\u00fccher.com")

    answer = register(api, "zoe@xn--bcher-kva.com")

    assert answer.code == "ALREADY_REGISTERED", answer.body
    assert answer.body["account"]["account_id"] == first["account_id"]


def test_register_registered_email_creates_no_second_administrator(api: Api) -> None:
    first = register_confirmed(api)

    register(api, "JANE@example.com", "Another Company")

    account = api.get(f"/v1/internal/accounts/{first['account_id']}")
    assert account.body["administrators"] == [{"email": JANE, "state": "active"}]


# --- A revoked invitation frees the email ---


def test_register_after_invitation_revoked_creates_an_account(api: Api) -> None:
    provisioned = provision(api)
    revoked = api.delete(
        f"/v1/internal/accounts/{provisioned['account_id']}/invitations/{provisioned['invitation']['invitation_id']}"
    )
    assert revoked.status == 204, revoked.body

    answer = register(api, JANE, "Jane's Company")

    assert answer.status == 201, answer.body
    assert answer.body["account_id"] != provisioned["account_id"]
    assert answer.body["administrator_email"] == JANE
    old_account = api.get(f"/v1/internal/accounts/{provisioned['account_id']}")
    assert old_account.body["administrators"] == []


def test_register_after_expired_invitation_still_answers_pending_invitation(api: Api, clock: FakeClock) -> None:
    provision(api)
    clock.advance(days=30)

    answer = register(api)

    assert answer.code == "PENDING_INVITATION", answer.body


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "a" * 230 + "@example.com", "company_name": "ACME"}, "email"),  # RFC 5321: 64 at most
        ({"email": "a" * 65 + "@example.com", "company_name": "ACME"}, "email"),
        ({"email": "jane@example.com", "company_name": "\u3164\u3164\u2800"}, "company_name"),  # nothing visible
    ],
)
def test_register_refuses_what_no_mailbox_or_company_can_be_with_422(
    api: Api, body: dict[str, str], field: str
) -> None:
    answer = api.post("/v1/accounts", body)

    assert (answer.status, answer.code) == (422, "VALIDATION_ERROR"), answer.body
    assert [error["field"] for error in answer.body["errors"]] == [field]
