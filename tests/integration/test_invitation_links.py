"""What a person does with the token from an invitation link: preview, accept and renew, through the handler."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.api import Api
from tests.support.aws import sent_emails
from tests.support.fakes import FakeClock
from tests.support.story import FIRST_EXPIRY, JANE, latest_token, provision, register_confirmed

UNKNOWN_TOKEN = "A" * 43  # token-shaped, never issued


def preview(api: Api, token: str) -> Any:
    return api.post("/v1/invitations/preview", {"token": token})


def accept(api: Api, token: str) -> Any:
    return api.post("/v1/invitations/accept", {"token": token})


def renew(api: Api, token: str) -> Any:
    return api.post("/v1/invitations/renew", {"token": token})


def revoke(api: Api, provisioned: Any) -> None:
    answer = api.delete(
        f"/v1/internal/accounts/{provisioned['account_id']}/invitations/{provisioned['invitation']['invitation_id']}"
    )
    assert answer.status == 204, answer.body


def administrators(api: Api, account_id: str) -> list[dict[str, str]]:
    answer = api.get(f"/v1/internal/accounts/{account_id}")
    assert answer.status == 200, answer.body
    # Who administers the account, and in which state (an invited one's invitation is not what these tests check).
    return [{"email": admin["email"], "state": admin["state"]} for admin in answer.body["administrators"]]


def superseded_token(api: Api, clock: FakeClock, account_id: str) -> str:
    """The provisioning link after a join has sent a newer one."""
    old = latest_token()
    clock.advance(seconds=61)
    joined = api.post(f"/v1/accounts/{account_id}/join", {"email": JANE})
    assert joined.status == 202, joined.body
    return old


# --- Preview ---


def test_preview_pending_token_answers_exactly_the_invitation(api: Api) -> None:
    provisioned = provision(api, company_name="ACME Ltd", created_via="upgrade_insurance")

    answer = preview(api, latest_token())

    assert answer.status == 200, answer.body
    assert answer.body == {
        "invitation_id": provisioned["invitation"]["invitation_id"],
        "status": "pending",
        "email": JANE,
        "account_id": provisioned["account_id"],
        "company_name": "ACME Ltd",
        "created_via": "upgrade_insurance",
        "purpose": "invitation",
        "expires_at": FIRST_EXPIRY,
        "locale": "en",
    }


def test_preview_pending_token_changes_nothing(api: Api) -> None:
    provisioned = provision(api)
    token = latest_token()

    preview(api, token)

    assert preview(api, token).status == 200
    assert administrators(api, provisioned["account_id"]) == [{"email": JANE, "state": "invited"}]


def test_preview_unknown_token_answers_invitation_not_found(api: Api) -> None:
    provision(api)

    answer = preview(api, UNKNOWN_TOKEN)

    assert answer.status == 404, answer.body
    assert answer.code == "INVITATION_NOT_FOUND"


def test_preview_one_second_before_expiry_answers_pending(api: Api, clock: FakeClock) -> None:
    provision(api)
    clock.advance(days=7, seconds=-1)

    answer = preview(api, latest_token())

    assert answer.status == 200, answer.body


@pytest.mark.parametrize("delta", [{"days": 7}, {"days": 7, "seconds": 1}, {"days": 30}])
def test_preview_at_or_after_expiry_answers_invitation_expired(
    api: Api, clock: FakeClock, delta: dict[str, float]
) -> None:
    provision(api)
    clock.advance(**delta)

    answer = preview(api, latest_token())

    assert answer.status == 410, answer.body
    assert answer.code == "INVITATION_EXPIRED"


def test_preview_revoked_token_answers_invitation_revoked(api: Api) -> None:
    provisioned = provision(api)
    revoke(api, provisioned)

    answer = preview(api, latest_token())

    assert answer.status == 410, answer.body
    assert answer.code == "INVITATION_REVOKED"


def test_preview_accepted_token_answers_invitation_already_accepted(api: Api) -> None:
    provision(api)
    token = latest_token()
    accept(api, token)

    answer = preview(api, token)

    assert answer.status == 409, answer.body
    assert answer.code == "INVITATION_ALREADY_ACCEPTED"


def test_preview_superseded_token_answers_invitation_superseded(api: Api, clock: FakeClock) -> None:
    old = superseded_token(api, clock, provision(api)["account_id"])

    answer = preview(api, old)

    assert answer.status == 410, answer.body
    assert answer.code == "INVITATION_SUPERSEDED"


# --- Accept ---


def test_accept_pending_token_answers_accepted_administrator(api: Api) -> None:
    provisioned = provision(api, company_name="ACME Ltd")

    answer = accept(api, latest_token())

    assert answer.status == 200, answer.body
    assert answer.body == {
        "status": "accepted",
        "account_id": provisioned["account_id"],
        "company_name": "ACME Ltd",
        "email": JANE,
        "role": "administrator",
    }


def test_accept_pending_token_makes_the_email_an_active_administrator(api: Api) -> None:
    provisioned = provision(api)

    accept(api, latest_token())

    assert administrators(api, provisioned["account_id"]) == [{"email": JANE, "state": "active"}]


def test_accept_pending_token_lists_the_invitation_accepted(api: Api) -> None:
    provisioned = provision(api)

    accept(api, latest_token())

    listed = api.get(f"/v1/internal/accounts/{provisioned['account_id']}/invitations")
    assert [(item["invitation_id"], item["status"]) for item in listed.body["items"]] == [
        (provisioned["invitation"]["invitation_id"], "accepted")
    ]


def test_accept_colleague_invitation_adds_a_second_active_administrator(api: Api) -> None:
    account_id = register_confirmed(api, JANE, "ACME")["account_id"]
    invited = api.post(f"/v1/internal/accounts/{account_id}/invitations", {"email": "bob@example.com"})
    assert invited.status == 201, invited.body

    answer = accept(api, latest_token())

    assert answer.status == 200, answer.body
    assert answer.body["email"] == "bob@example.com"
    assert sorted(administrators(api, account_id), key=lambda admin: admin["email"]) == [
        {"email": "bob@example.com", "state": "active"},
        {"email": JANE, "state": "active"},
    ]


def test_accept_twice_answers_invitation_already_accepted(api: Api) -> None:
    provision(api)
    token = latest_token()
    accept(api, token)

    answer = accept(api, token)

    assert answer.status == 409, answer.body
    assert answer.code == "INVITATION_ALREADY_ACCEPTED"


def test_accept_just_before_expiry_succeeds(api: Api, clock: FakeClock) -> None:
    provision(api)
    clock.advance(days=7, seconds=-1)

    answer = accept(api, latest_token())

    assert answer.status == 200, answer.body


@pytest.mark.parametrize("delta", [{"days": 7}, {"days": 8}])
def test_accept_expired_token_answers_invitation_expired_and_changes_nothing(
    api: Api, clock: FakeClock, delta: dict[str, float]
) -> None:
    provisioned = provision(api)
    token = latest_token()
    clock.advance(**delta)

    answer = accept(api, token)

    assert answer.status == 410, answer.body
    assert answer.code == "INVITATION_EXPIRED"
    assert administrators(api, provisioned["account_id"]) == [{"email": JANE, "state": "invited"}]
    assert preview(api, token).code == "INVITATION_EXPIRED"


def test_accept_superseded_token_answers_invitation_superseded_and_changes_nothing(api: Api, clock: FakeClock) -> None:
    account_id = provision(api)["account_id"]
    old = superseded_token(api, clock, account_id)

    answer = accept(api, old)

    assert answer.status == 410, answer.body
    assert answer.code == "INVITATION_SUPERSEDED"
    assert administrators(api, account_id) == [{"email": JANE, "state": "invited"}]
    assert preview(api, latest_token()).status == 200


def test_accept_revoked_token_answers_invitation_revoked_and_changes_nothing(api: Api) -> None:
    provisioned = provision(api)
    token = latest_token()
    revoke(api, provisioned)

    answer = accept(api, token)

    assert answer.status == 410, answer.body
    assert answer.code == "INVITATION_REVOKED"
    assert administrators(api, provisioned["account_id"]) == []
    assert api.post("/v1/accounts", {"email": JANE, "company_name": "Jane's"}).status == 201


def test_accept_unknown_token_answers_invitation_not_found_and_changes_nothing(api: Api) -> None:
    provisioned = provision(api)

    answer = accept(api, UNKNOWN_TOKEN)

    assert answer.status == 404, answer.body
    assert answer.code == "INVITATION_NOT_FOUND"
    assert administrators(api, provisioned["account_id"]) == [{"email": JANE, "state": "invited"}]
    assert preview(api, latest_token()).status == 200


# --- Renew ---


def test_renew_expired_token_sends_a_new_invitation(api: Api, clock: FakeClock) -> None:
    provision(api)
    token = latest_token()
    clock.advance(days=8)

    answer = renew(api, token)

    assert answer.status == 202, answer.body
    assert answer.body == {"status": "invitation_sent", "expires_at": "2026-12-11T09:00:00Z"}
    assert len(sent_emails()) == 2
    assert sent_emails()[-1].to == [JANE]
    assert preview(api, latest_token()).status == 200


def test_renew_expired_token_then_the_old_link_answers_superseded(api: Api, clock: FakeClock) -> None:
    provision(api)
    token = latest_token()
    clock.advance(days=8)

    renew(api, token)

    assert preview(api, token).code == "INVITATION_SUPERSEDED"


def test_renew_superseded_token_sends_a_new_invitation_and_supersedes_the_current_one(
    api: Api, clock: FakeClock
) -> None:
    account_id = provision(api)["account_id"]
    old = superseded_token(api, clock, account_id)
    current = latest_token()
    clock.advance(seconds=61)

    answer = renew(api, old)

    assert answer.status == 202, answer.body
    assert answer.body["status"] == "invitation_sent"
    assert len(sent_emails()) == 3
    assert sent_emails()[-1].to == [JANE]
    assert preview(api, current).code == "INVITATION_SUPERSEDED"
    assert preview(api, old).code == "INVITATION_SUPERSEDED"
    renewed = preview(api, latest_token())
    assert renewed.status == 200, renewed.body
    assert renewed.body["account_id"] == account_id


def test_renew_pending_token_resends_and_supersedes_it(api: Api, clock: FakeClock) -> None:
    provision(api)
    token = latest_token()
    clock.advance(seconds=61)

    answer = renew(api, token)

    assert answer.status == 202, answer.body
    assert answer.body == {"status": "invitation_sent", "expires_at": "2026-12-03T09:01:01Z"}
    assert len(sent_emails()) == 2
    assert preview(api, token).code == "INVITATION_SUPERSEDED"
    assert preview(api, latest_token()).status == 200


def test_renew_sends_to_the_invitation_address_only(api: Api, clock: FakeClock) -> None:
    provision(api, "jane@example.com", "ACME Ltd")
    jane_token = latest_token()
    provision(api, "bob@example.com", "Bob's Company")
    clock.advance(days=8)

    renewed = api.post("/v1/invitations/renew", {"token": jane_token, "email": "bob@example.com"})

    assert renewed.status == 202, renewed.body
    assert sent_emails()[-1].to == [JANE]  # an `email` in the body is ignored, never a new recipient
    assert preview(api, latest_token()).body["email"] == JANE


def test_renew_accepted_token_answers_invitation_already_accepted(api: Api, clock: FakeClock) -> None:
    provision(api)
    token = latest_token()
    accept(api, token)
    clock.advance(seconds=61)

    answer = renew(api, token)

    assert answer.status == 409, answer.body
    assert answer.code == "INVITATION_ALREADY_ACCEPTED"
    assert len(sent_emails()) == 1


def test_renew_superseded_token_after_the_newer_was_accepted_answers_already_accepted(
    api: Api, clock: FakeClock
) -> None:
    account_id = provision(api)["account_id"]
    old = superseded_token(api, clock, account_id)
    accept(api, latest_token())
    clock.advance(seconds=61)

    answer = renew(api, old)

    assert answer.status == 409, answer.body
    assert answer.code == "INVITATION_ALREADY_ACCEPTED"
    assert len(sent_emails()) == 2
    assert administrators(api, account_id) == [{"email": JANE, "state": "active"}]


def test_renew_revoked_token_answers_invitation_revoked(api: Api, clock: FakeClock) -> None:
    provisioned = provision(api)
    token = latest_token()
    revoke(api, provisioned)
    clock.advance(seconds=61)

    answer = renew(api, token)

    assert answer.status == 410, answer.body
    assert answer.code == "INVITATION_REVOKED"
    assert len(sent_emails()) == 1


def test_renew_superseded_token_after_the_newer_was_revoked_answers_revoked(api: Api, clock: FakeClock) -> None:
    account_id = provision(api)["account_id"]
    old = superseded_token(api, clock, account_id)
    newest = api.get(f"/v1/internal/accounts/{account_id}/invitations").body["items"][0]["invitation_id"]
    assert api.delete(f"/v1/internal/accounts/{account_id}/invitations/{newest}").status == 204
    clock.advance(seconds=61)

    answer = renew(api, old)

    assert answer.status == 410, answer.body
    assert answer.code == "INVITATION_REVOKED"
    assert len(sent_emails()) == 2
    assert administrators(api, account_id) == []


def test_renew_unknown_token_answers_invitation_not_found(api: Api) -> None:
    provision(api)

    answer = renew(api, UNKNOWN_TOKEN)

    assert answer.status == 404, answer.body
    assert answer.code == "INVITATION_NOT_FOUND"
    assert len(sent_emails()) == 1
