"""The IAM-signed back-office API through its handler: provision, read an account, invite, list and revoke."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass

import pytest

from tests.support.api import Answer, Api
from tests.support.aws import sent_emails, stored_account_ids, stored_invitation_status
from tests.support.events import LambdaContext
from tests.support.fakes import FakeClock
from tests.support.story import (
    FIRST_EXPIRY,
    JANE,
    administrators,
    invitations_listed,
    latest_token,
    provision,
    provision_answer,
    register_confirmed,
)
from tools.functions import functions

BOB = "bob@example.com"
CAROL = "carol@example.com"
ACCOUNT_ID = re.compile(r"^acc_[0-9A-HJKMNP-TV-Z]{26}$")
INVITATION_ID = re.compile(r"^inv_[0-9A-HJKMNP-TV-Z]{26}$")
UNKNOWN_ACCOUNT = "acc_01JDZ3K4Q6W8X9Y2Z3A4B5C6D7"
UNKNOWN_INVITATION = "inv_01JDZ5M7N9P1Q3R5S7T9V1W3X5"


def invite(api: Api, account_id: str, email: str, **extra: str) -> Answer:
    return api.post(f"/v1/internal/accounts/{account_id}/invitations", {"email": email, **extra})


def invited(api: Api, account_id: str, email: str) -> str:
    answer = invite(api, account_id, email)
    assert answer.status == 201, answer.body
    invitation_id: str = answer.body["invitation_id"]
    return invitation_id


def recipients() -> list[set[str]]:
    """Who each email went to; moto lists an address twice (Destination and the raw To header), SES once."""
    return [set(mail.to) for mail in sent_emails()]


def administrator_states(api: Api, account_id: str) -> dict[str, str]:
    return {admin["email"]: admin["state"] for admin in administrators(api, account_id)}


def listing(api: Api, account_id: str, query: str = "") -> Answer:
    return api.get(f"/v1/internal/accounts/{account_id}/invitations" + (f"?{query}" if query else ""))


def provisioned_invitation(api: Api, account_id: str) -> str:
    items = listing(api, account_id).body["items"]
    assert len(items) == 1
    invitation_id: str = items[0]["invitation_id"]
    return invitation_id


# --- POST /v1/internal/accounts ---


def test_provision_new_email_creates_account_and_sends_one_invitation(api: Api) -> None:
    answer = provision_answer(api, "  Jane@Example.COM ", "  ACME Ltd ")

    assert answer.status == 201, answer.body
    body = answer.body
    assert set(body) == {"account_id", "company_name", "created_via", "invitation"}
    assert ACCOUNT_ID.match(body["account_id"])
    assert body["company_name"] == "ACME Ltd"
    assert body["created_via"] == "sales"
    assert set(body["invitation"]) == {"invitation_id", "email", "status", "expires_at"}
    assert INVITATION_ID.match(body["invitation"]["invitation_id"])
    assert body["invitation"]["email"] == JANE
    assert body["invitation"]["status"] == "pending"
    assert body["invitation"]["expires_at"] == FIRST_EXPIRY
    assert recipients() == [{JANE}]
    assert len(stored_account_ids()) == 1


@pytest.mark.parametrize("created_via", ["self_service", "martians", ""])
def test_provision_created_via_not_back_office_answers_422(api: Api, created_via: str) -> None:
    answer = api.post(
        "/v1/internal/accounts",
        {"company_name": "ACME Ltd", "administrator_email": JANE, "created_via": created_via},
    )

    assert answer.status == 422, answer.body
    assert answer.code == "VALIDATION_ERROR"
    assert [error["field"] for error in answer.body["errors"]] == ["created_via"]
    assert sent_emails() == []
    assert stored_account_ids() == set()


def test_provision_email_of_active_administrator_answers_409_already_registered(api: Api) -> None:
    registered = register_confirmed(api, JANE, "Jane's Shop")

    answer = provision_answer(api, "JANE@example.com", "ACME Ltd")

    assert answer.status == 409, answer.body
    assert answer.code == "ALREADY_REGISTERED"
    assert answer.body["account"] == {"account_id": registered["account_id"], "company_name": "Jane's Shop"}
    assert len(sent_emails()) == 1  # the registration's confirmation, nothing more
    assert len(stored_account_ids()) == 1


def test_provision_email_with_pending_invitation_answers_409_pending_invitation(api: Api) -> None:
    first = provision_answer(api, JANE, "ACME Ltd")

    answer = provision_answer(api, JANE, "Globex")

    assert answer.status == 409, answer.body
    assert answer.code == "PENDING_INVITATION"
    assert answer.body["account"] == {
        "account_id": first.body["account_id"],
        "company_name": "ACME Ltd",
        "created_via": "sales",
    }
    assert answer.body["invitation"] == {"status": "pending", "expires_at": FIRST_EXPIRY, "next_email_in": 0}
    assert len(sent_emails()) == 1
    assert len(stored_account_ids()) == 1


def test_provision_repeated_external_reference_returns_first_answer_and_creates_nothing(
    api: Api, clock: FakeClock
) -> None:
    first = provision_answer(api, JANE, "ACME Ltd", external_reference="ORDER-42")
    assert first.status == 201, first.body
    clock.advance(seconds=61)  # past the cooldown, so only the reference can stop a second email

    again = provision_answer(api, JANE, "ACME Ltd", external_reference="ORDER-42")

    assert again.status == 201, again.body
    assert again.body == first.body
    assert len(sent_emails()) == 1
    assert len(stored_account_ids()) == 1


def test_provision_external_reference_with_other_body_answers_422_idempotency_key_reused(
    api: Api, clock: FakeClock
) -> None:
    assert provision_answer(api, JANE, "ACME Ltd", external_reference="ORDER-42").status == 201
    clock.advance(seconds=61)

    answer = provision_answer(api, BOB, "Globex", external_reference="ORDER-42")

    assert answer.status == 422, answer.body
    assert answer.code == "IDEMPOTENCY_KEY_REUSED"
    assert recipients() == [{JANE}]
    assert len(stored_account_ids()) == 1


# --- GET /v1/internal/accounts/{account_id} ---


def test_get_account_answers_account_and_its_administrators(api: Api) -> None:
    account_id = provision(api, JANE, "ACME Ltd")["account_id"]

    answer = api.get(f"/v1/internal/accounts/{account_id}")

    assert answer.status == 200, answer.body
    assert answer.body == {
        "account_id": account_id,
        "company_name": "ACME Ltd",
        "created_via": "sales",
        "created_at": "2026-11-26T09:00:00Z",
        "verified": True,
        "administrators": [
            {
                "email": JANE,
                "state": "invited",
                "invitation": {
                    "status": "pending",
                    "expires_at": "2026-12-03T09:00:00Z",
                    "delivery": {"status": "sent", "at": "2026-11-26T09:00:00Z"},
                },
            }
        ],
        "locale": "en",
    }


def test_get_account_after_accept_shows_administrator_active(api: Api) -> None:
    account_id = provision(api, JANE)["account_id"]
    assert api.post("/v1/invitations/accept", {"token": latest_token(JANE)}).status == 200

    assert administrator_states(api, account_id) == {JANE: "active"}


def test_get_account_unknown_answers_404_not_found(api: Api) -> None:
    answer = api.get(f"/v1/internal/accounts/{UNKNOWN_ACCOUNT}")

    assert answer.status == 404, answer.body
    assert answer.code == "NOT_FOUND"


def test_get_account_malformed_id_answers_422(api: Api) -> None:
    answer = api.get("/v1/internal/accounts/not-an-account")

    assert answer.status == 422, answer.body
    assert answer.code == "VALIDATION_ERROR"


# --- POST /v1/internal/accounts/{account_id}/invitations ---


def test_invite_colleague_answers_201_sends_email_and_lists_colleague_invited(api: Api) -> None:
    account_id = provision(api, JANE)["account_id"]

    answer = invite(api, account_id, " Bob@Example.com", invited_by=JANE)

    assert answer.status == 201, answer.body
    assert set(answer.body) == {"invitation_id", "email", "status", "expires_at"}
    assert INVITATION_ID.match(answer.body["invitation_id"])
    assert answer.body["email"] == BOB
    assert answer.body["status"] == "pending"
    assert answer.body["expires_at"] == FIRST_EXPIRY
    assert recipients()[-1] == {BOB}
    assert administrator_states(api, account_id) == {JANE: "invited", BOB: "invited"}
    preview = api.post("/v1/invitations/preview", {"token": latest_token(BOB)})
    assert preview.body["invitation_id"] == answer.body["invitation_id"]


def test_invite_same_email_again_supersedes_the_earlier_link(api: Api, clock: FakeClock) -> None:
    account_id = provision(api, JANE)["account_id"]
    first_id = invited(api, account_id, BOB)
    first_token = latest_token(BOB)
    clock.advance(seconds=61)

    second_id = invited(api, account_id, BOB)

    assert second_id != first_id
    old = api.post("/v1/invitations/preview", {"token": first_token})
    assert old.status == 410, old.body
    assert old.code == "INVITATION_SUPERSEDED"
    new = api.post("/v1/invitations/preview", {"token": latest_token(BOB)})
    assert new.status == 200, new.body
    assert new.body["invitation_id"] == second_id
    assert administrator_states(api, account_id) == {JANE: "invited", BOB: "invited"}


def test_invite_same_email_within_cooldown_answers_429(api: Api) -> None:
    account_id = provision(api, JANE)["account_id"]
    invited(api, account_id, BOB)

    answer = invite(api, account_id, BOB)

    assert answer.status == 429, answer.body
    assert answer.code == "RATE_LIMITED"
    assert int(answer.headers["Retry-After"]) > 0


def test_invite_active_administrator_answers_409_already_member(api: Api, clock: FakeClock) -> None:
    account_id = provision(api, JANE)["account_id"]
    assert api.post("/v1/invitations/accept", {"token": latest_token(JANE)}).status == 200
    clock.advance(seconds=61)

    answer = invite(api, account_id, JANE)

    assert answer.status == 409, answer.body
    assert answer.code == "ALREADY_MEMBER"
    assert len(sent_emails()) == 1


def test_invite_active_administrator_of_other_account_answers_409_already_registered(api: Api) -> None:
    other = register_confirmed(api, BOB, "Bob's Garage")
    account_id = provision(api, JANE)["account_id"]

    answer = invite(api, account_id, BOB)

    assert answer.status == 409, answer.body
    assert answer.code == "ALREADY_REGISTERED"
    assert answer.body["account"]["account_id"] == other["account_id"]
    assert administrator_states(api, account_id) == {JANE: "invited"}


def test_invite_invitee_of_other_account_answers_409_pending_invitation(api: Api, clock: FakeClock) -> None:
    other_id = provision(api, BOB, "Globex")["account_id"]
    account_id = provision(api, JANE, "ACME Ltd")["account_id"]
    clock.advance(seconds=61)

    answer = invite(api, account_id, BOB)

    assert answer.status == 409, answer.body
    assert answer.code == "PENDING_INVITATION"
    assert answer.body["account"]["account_id"] == other_id
    assert answer.body["account"]["company_name"] == "Globex"
    assert administrator_states(api, other_id) == {BOB: "invited"}
    assert api.post("/v1/invitations/preview", {"token": latest_token(BOB)}).status == 200


def test_invite_unknown_account_answers_404(api: Api) -> None:
    answer = invite(api, UNKNOWN_ACCOUNT, BOB)

    assert answer.status == 404, answer.body
    assert answer.code == "NOT_FOUND"
    assert sent_emails() == []


def test_invite_into_an_unverified_account_answers_409_account_unverified_and_sends_nothing(api: Api) -> None:
    # Given JANE registered ACME herself and has not confirmed her email yet
    registered = api.post("/v1/accounts", {"email": JANE, "company_name": "ACME"})
    assert registered.status == 201, registered.body
    account_id = registered.body["account_id"]
    confirmation = latest_token(JANE)

    # When a colleague invitation is asked for on that account
    answer = invite(api, account_id, BOB, invited_by=JANE)

    # Then it is refused, nothing is mailed or written, and her confirmation still works
    assert (answer.status, answer.code) == (409, "ACCOUNT_UNVERIFIED"), answer.body
    assert set(answer.body) == {"code", "message"}
    assert recipients() == [{JANE}]
    assert administrator_states(api, account_id) == {JANE: "invited"}
    assert invitations_listed(api, account_id) == [(JANE, "pending")]
    assert api.post("/v1/invitations/accept", {"token": confirmation}).status == 200
    # ... and once she has confirmed, the same invitation goes at once: the refusal spent nothing of BOB's budget
    again = invite(api, account_id, BOB, invited_by=JANE)
    assert again.status == 201, again.body
    assert recipients() == [{JANE}, {BOB}]


# --- An expired invitation still holds its email against other accounts ---


@dataclass(frozen=True)
class ExpiredHold:
    acme: str  # JANE's invitation to it has expired
    globex: str  # another account, with BOB invited and pending
    token: str


@pytest.fixture(params=["before-cleanup", "after-cleanup"])
def expired_hold(request: pytest.FixtureRequest, api: Api, clock: FakeClock) -> ExpiredHold:
    """JANE's invitation to ACME Ltd expired a moment ago; the cleanup has or has not run since."""
    acme = provision(api, JANE, "ACME Ltd")["account_id"]
    token = latest_token()
    clock.advance(days=7)  # exactly at expires_at: expired
    globex = provision(api, BOB, "Globex Corp", created_via="reseller")["account_id"]
    if request.param == "after-cleanup":
        cleanup = functions()["CleanupFunction"].entry_point()
        assert cleanup({}, LambdaContext(function_name="CleanupFunction")) == {"expired": 1, "remaining": False}
        assert stored_invitation_status(token) == "expired"
    else:
        assert stored_invitation_status(token) == "pending"
    assert api.post("/v1/invitations/preview", {"token": token}).code == "INVITATION_EXPIRED"
    return ExpiredHold(acme=acme, globex=globex, token=token)


def assert_held_by_expired_invitation(answer: Answer, hold: ExpiredHold) -> None:
    assert (answer.status, answer.code) == (409, "PENDING_INVITATION"), answer.body
    assert answer.body["account"] == {"account_id": hold.acme, "company_name": "ACME Ltd", "created_via": "sales"}
    assert answer.body["invitation"] == {"status": "expired", "expires_at": FIRST_EXPIRY, "next_email_in": 0}


def test_provision_email_with_expired_invitation_answers_409_pending_invitation_expired(
    api: Api, expired_hold: ExpiredHold
) -> None:
    mailed_before = len(sent_emails())

    # When another company is provisioned with JANE as its administrator
    answer = api.post(
        "/v1/internal/accounts",
        {"company_name": "Initech", "administrator_email": JANE, "created_via": "other_product"},
    )

    # Then the email still belongs to ACME Ltd: 409, nothing mailed, no account created
    assert_held_by_expired_invitation(answer, expired_hold)
    assert len(sent_emails()) == mailed_before
    assert stored_account_ids() == {expired_hold.acme, expired_hold.globex}
    assert administrators(api, expired_hold.acme) == [{"email": JANE, "state": "invited"}]


def test_invite_email_with_expired_invitation_of_another_account_answers_409_pending_invitation_expired(
    api: Api, expired_hold: ExpiredHold
) -> None:
    mailed_before = len(sent_emails())

    # When Globex Corp invites JANE
    answer = api.post(f"/v1/internal/accounts/{expired_hold.globex}/invitations", {"email": JANE})

    # Then the email still belongs to ACME Ltd: 409, nothing mailed, nothing added to Globex Corp
    assert_held_by_expired_invitation(answer, expired_hold)
    assert len(sent_emails()) == mailed_before
    assert stored_account_ids() == {expired_hold.acme, expired_hold.globex}
    assert administrators(api, expired_hold.globex) == [{"email": BOB, "state": "invited"}]
    assert invitations_listed(api, expired_hold.globex) == [(BOB, "pending")]
    assert administrators(api, expired_hold.acme) == [{"email": JANE, "state": "invited"}]


# --- GET /v1/internal/accounts/{account_id}/invitations ---


def test_list_invitations_answers_newest_first(api: Api, clock: FakeClock) -> None:
    account_id = provision(api, JANE)["account_id"]
    expected = [provisioned_invitation(api, account_id)]
    for email in (BOB, CAROL, "dave@example.com"):
        clock.advance(seconds=1)
        expected.append(invited(api, account_id, email))

    answer = listing(api, account_id)

    assert answer.status == 200, answer.body
    assert [item["invitation_id"] for item in answer.body["items"]] == expected[::-1]
    assert answer.body["next_token"] is None
    newest = answer.body["items"][0]
    assert newest == {
        "invitation_id": expected[-1],
        "email": "dave@example.com",
        "status": "pending",
        "created_at": "2026-11-26T09:00:03Z",
        "expires_at": "2026-12-03T09:00:03Z",
        "purpose": "invitation",
        "delivery": {"status": "sent", "at": "2026-11-26T09:00:03Z"},
    }


def test_list_invitations_pending_past_expiry_lists_as_expired(api: Api, clock: FakeClock) -> None:
    account_id = provision(api, JANE)["account_id"]
    clock.advance(days=7)  # exactly at expires_at: expired

    assert [item["status"] for item in listing(api, account_id).body["items"]] == ["expired"]
    assert len(listing(api, account_id, "status=expired").body["items"]) == 1
    assert listing(api, account_id, "status=pending").body["items"] == []


def test_list_invitations_status_filter_answers_only_that_status(api: Api, clock: FakeClock) -> None:
    account_id = provision(api, JANE)["account_id"]
    jane = provisioned_invitation(api, account_id)
    assert api.post("/v1/invitations/accept", {"token": latest_token(JANE)}).status == 200
    bob = invited(api, account_id, BOB)
    assert api.delete(f"/v1/internal/accounts/{account_id}/invitations/{bob}").status == 204
    carol_first = invited(api, account_id, CAROL)
    dave = invited(api, account_id, "dave@example.com")
    clock.advance(seconds=61)
    carol_second = invited(api, account_id, CAROL)

    by_status = {
        status: [item["invitation_id"] for item in listing(api, account_id, f"status={status}").body["items"]]
        for status in ("pending", "accepted", "expired", "superseded", "revoked")
    }

    assert by_status == {
        "pending": [carol_second, dave],
        "accepted": [jane],
        "expired": [],
        "superseded": [carol_first],
        "revoked": [bob],
    }
    assert {item["status"] for item in listing(api, account_id).body["items"]} == {
        "pending",
        "accepted",
        "superseded",
        "revoked",
    }


def test_list_invitations_pages_cover_everything_once_in_order(api: Api, clock: FakeClock) -> None:
    account_id = provision(api, JANE)["account_id"]
    for number in range(7):
        clock.advance(seconds=1)
        invited(api, account_id, f"colleague{number}@example.com")
    everything = [item["invitation_id"] for item in listing(api, account_id, "limit=100").body["items"]]
    assert len(everything) == 8

    pages: list[list[str]] = []
    next_token: str | None = None
    while True:
        answer = listing(api, account_id, "limit=3" + (f"&next_token={next_token}" if next_token else ""))
        assert answer.status == 200, answer.body
        pages.append([item["invitation_id"] for item in answer.body["items"]])
        next_token = answer.body["next_token"]
        if next_token is None:
            break
        assert len(pages) < 10, "paging does not end"

    assert [len(page) for page in pages] == [3, 3, 2]
    assert [invitation_id for page in pages for invitation_id in page] == everything


def test_list_invitations_filtered_pages_skip_nothing(api: Api, clock: FakeClock) -> None:
    account_id = provision(api, JANE)["account_id"]
    pending = [provisioned_invitation(api, account_id)]
    for number in range(6):
        clock.advance(seconds=1)
        invitation_id = invited(api, account_id, f"colleague{number}@example.com")
        if number % 2:
            assert api.delete(f"/v1/internal/accounts/{account_id}/invitations/{invitation_id}").status == 204
        else:
            pending.append(invitation_id)

    found: list[str] = []
    next_token: str | None = None
    for _ in range(10):
        answer = listing(
            api, account_id, "status=pending&limit=2" + (f"&next_token={next_token}" if next_token else "")
        )
        assert answer.status == 200, answer.body
        assert len(answer.body["items"]) <= 2
        found += [item["invitation_id"] for item in answer.body["items"]]
        next_token = answer.body["next_token"]
        if next_token is None:
            break

    assert found == pending[::-1]


@pytest.mark.parametrize(
    "next_token",
    ["garbage", "!!!", base64.urlsafe_b64encode(b"acc_not-an-invitation").decode().rstrip("=")],
)
def test_list_invitations_garbage_next_token_answers_422(api: Api, next_token: str) -> None:
    account_id = provision(api, JANE)["account_id"]

    answer = listing(api, account_id, f"next_token={next_token}")

    assert answer.status == 422, answer.body
    assert answer.code == "VALIDATION_ERROR"
    assert [error["field"] for error in answer.body["errors"]] == ["next_token"]


def test_list_invitations_unknown_status_answers_422(api: Api) -> None:
    account_id = provision(api, JANE)["account_id"]

    answer = listing(api, account_id, "status=forgotten")

    assert answer.status == 422, answer.body
    assert answer.code == "VALIDATION_ERROR"


def test_list_invitations_unknown_account_answers_404(api: Api) -> None:
    answer = listing(api, UNKNOWN_ACCOUNT)

    assert answer.status == 404, answer.body
    assert answer.code == "NOT_FOUND"


# --- DELETE /v1/internal/accounts/{account_id}/invitations/{invitation_id} ---


def test_revoke_answers_204_and_the_link_answers_410_revoked(api: Api) -> None:
    account_id = provision(api, JANE)["account_id"]
    invitation_id = invited(api, account_id, BOB)
    token = latest_token(BOB)

    answer = api.delete(f"/v1/internal/accounts/{account_id}/invitations/{invitation_id}")

    assert answer.status == 204, answer.body
    assert answer.body is None
    for action in ("preview", "accept", "renew"):
        used = api.post(f"/v1/invitations/{action}", {"token": token})
        assert (used.status, used.code) == (410, "INVITATION_REVOKED"), (action, used.body)
    assert administrator_states(api, account_id) == {JANE: "invited"}


def test_revoke_frees_the_email_to_register(api: Api) -> None:
    account_id = provision(api, JANE)["account_id"]
    invitation_id = invited(api, account_id, BOB)
    assert api.delete(f"/v1/internal/accounts/{account_id}/invitations/{invitation_id}").status == 204

    registered = api.post("/v1/accounts", {"email": BOB, "company_name": "Bob's Garage"})

    assert registered.status == 201, registered.body


def test_revoke_frees_the_email_to_be_invited_by_another_account(api: Api, clock: FakeClock) -> None:
    account_id = provision(api, JANE, "ACME Ltd")["account_id"]
    invitation_id = invited(api, account_id, BOB)
    other_id = provision(api, CAROL, "Globex")["account_id"]
    assert api.delete(f"/v1/internal/accounts/{account_id}/invitations/{invitation_id}").status == 204
    clock.advance(seconds=61)

    answer = invite(api, other_id, BOB)

    assert answer.status == 201, answer.body
    preview = api.post("/v1/invitations/preview", {"token": latest_token(BOB)})
    assert preview.body["account_id"] == other_id


def test_revoke_expired_invitation_frees_the_email(api: Api, clock: FakeClock) -> None:
    account_id = provision(api, JANE)["account_id"]
    invitation_id = invited(api, account_id, BOB)
    clock.advance(days=8)

    assert api.delete(f"/v1/internal/accounts/{account_id}/invitations/{invitation_id}").status == 204

    assert api.post("/v1/accounts", {"email": BOB, "company_name": "Bob's Garage"}).status == 201


def test_revoke_twice_answers_204_both_times(api: Api) -> None:
    account_id = provision(api, JANE)["account_id"]
    invitation_id = invited(api, account_id, BOB)
    path = f"/v1/internal/accounts/{account_id}/invitations/{invitation_id}"

    first, second = api.delete(path), api.delete(path)

    assert (first.status, second.status) == (204, 204), (first.body, second.body)
    assert second.body is None


def test_revoke_accepted_invitation_answers_409_already_accepted(api: Api) -> None:
    account_id = provision(api, JANE)["account_id"]
    invitation_id = provisioned_invitation(api, account_id)
    assert api.post("/v1/invitations/accept", {"token": latest_token(JANE)}).status == 200

    answer = api.delete(f"/v1/internal/accounts/{account_id}/invitations/{invitation_id}")

    assert answer.status == 409, answer.body
    assert answer.code == "INVITATION_ALREADY_ACCEPTED"
    assert administrator_states(api, account_id) == {JANE: "active"}


def test_revoke_unknown_invitation_answers_404_invitation_not_found(api: Api) -> None:
    account_id = provision(api, JANE)["account_id"]

    answer = api.delete(f"/v1/internal/accounts/{account_id}/invitations/{UNKNOWN_INVITATION}")

    assert answer.status == 404, answer.body
    assert answer.code == "INVITATION_NOT_FOUND"


def test_revoke_invitation_of_another_account_answers_404(api: Api) -> None:
    account_id = provision(api, JANE, "ACME Ltd")["account_id"]
    other_id = provision(api, BOB, "Globex")["account_id"]
    invitation_id = provisioned_invitation(api, other_id)

    answer = api.delete(f"/v1/internal/accounts/{account_id}/invitations/{invitation_id}")

    assert answer.status == 404, answer.body
    assert answer.code == "INVITATION_NOT_FOUND"
    assert api.post("/v1/invitations/preview", {"token": latest_token(BOB)}).status == 200
