"""POST /v1/accounts/{account_id}/join and POST /v1/invitations/resend: a fresh invitation email on request."""

from __future__ import annotations

from typing import Any

from tests.support.api import Api
from tests.support.aws import sent_emails
from tests.support.events import LambdaContext
from tests.support.fakes import FakeClock
from tests.support.story import JANE, provision, register_confirmed
from tools.functions import functions

UNKNOWN_ACCOUNT = "acc_01JDZ3K4Q6W8X9Y2Z3A4B5C6D7"


def join(api: Api, account_id: str, email: str = JANE) -> Any:
    return api.post(f"/v1/accounts/{account_id}/join", {"email": email})


def resend(api: Api, email: str = JANE) -> Any:
    return api.post("/v1/invitations/resend", {"email": email})


def preview(api: Api, token: str) -> Any:
    return api.post("/v1/invitations/preview", {"token": token})


# --- Join ---


def test_join_invited_email_answers_invitation_sent_with_a_new_expiry(api: Api, clock: FakeClock) -> None:
    account_id = provision(api)["account_id"]
    clock.advance(seconds=61)

    answer = join(api, account_id)

    assert answer.status == 202, answer.body
    assert answer.body == {"status": "invitation_sent", "email": JANE, "expires_at": "2026-12-03T09:01:01Z"}


def test_join_invited_email_sends_one_new_email_with_a_working_link(api: Api, clock: FakeClock) -> None:
    account_id = provision(api)["account_id"]
    clock.advance(seconds=61)

    join(api, account_id)

    emails = sent_emails()
    assert len(emails) == 2
    assert emails[-1].to == [JANE]
    assert emails[-1].token != emails[0].token
    new_link = preview(api, emails[-1].token)
    assert new_link.status == 200, new_link.body
    assert new_link.body["account_id"] == account_id


def test_join_invited_email_supersedes_the_previous_link(api: Api, clock: FakeClock) -> None:
    account_id = provision(api)["account_id"]
    old_token = sent_emails()[-1].token
    clock.advance(seconds=61)

    join(api, account_id)

    old_preview = preview(api, old_token)
    assert old_preview.status == 410, old_preview.body
    assert old_preview.code == "INVITATION_SUPERSEDED"
    old_accept = api.post("/v1/invitations/accept", {"token": old_token})
    assert old_accept.status == 410, old_accept.body
    assert old_accept.code == "INVITATION_SUPERSEDED"


def test_join_invited_email_lists_the_new_invitation_pending_and_the_old_superseded(api: Api, clock: FakeClock) -> None:
    provisioned = provision(api)
    account_id = provisioned["account_id"]
    clock.advance(seconds=61)

    join(api, account_id)

    listed = api.get(f"/v1/internal/accounts/{account_id}/invitations")
    assert listed.status == 200, listed.body
    statuses = [(item["invitation_id"], item["status"]) for item in listed.body["items"]]
    assert len(statuses) == 2
    assert statuses[0][1] == "pending"
    assert statuses[1] == (provisioned["invitation"]["invitation_id"], "superseded")


def test_join_email_in_another_case_answers_normalised_email(api: Api, clock: FakeClock) -> None:
    account_id = provision(api)["account_id"]
    clock.advance(seconds=61)

    answer = join(api, account_id, "  JANE@Example.com ")

    assert answer.status == 202, answer.body
    assert answer.body["email"] == JANE
    assert sent_emails()[-1].to == [JANE]


def test_join_expired_invitation_sends_a_new_invitation(api: Api, clock: FakeClock) -> None:
    account_id = provision(api)["account_id"]
    clock.advance(days=8)

    answer = join(api, account_id)

    assert answer.status == 202, answer.body
    assert answer.body["expires_at"] == "2026-12-11T09:00:00Z"
    assert len(sent_emails()) == 2
    assert preview(api, sent_emails()[-1].token).status == 200


def test_join_invitation_marked_expired_by_the_cleanup_sends_a_new_invitation(api: Api, clock: FakeClock) -> None:
    account_id = provision(api)["account_id"]
    old_token = sent_emails()[-1].token
    clock.advance(days=8)
    cleanup = functions()["CleanupFunction"].entry_point()
    assert cleanup({"source": "aws.scheduler", "detail": {}}, LambdaContext(function_name="CleanupFunction")) == {
        "expired": 1,
        "remaining": False,
    }

    answer = join(api, account_id)

    assert answer.status == 202, answer.body
    assert preview(api, old_token).code == "INVITATION_SUPERSEDED"
    assert preview(api, sent_emails()[-1].token).status == 200


def test_join_unknown_account_and_email_without_standing_answer_the_same_not_found(api: Api) -> None:
    account_id = provision(api)["account_id"]
    provision(api, "bob@example.com", "Bob's Company")

    unknown_account = join(api, UNKNOWN_ACCOUNT, JANE)
    stranger = join(api, account_id, "stranger@example.com")
    invited_elsewhere = join(api, account_id, "bob@example.com")

    assert unknown_account.status == 404, unknown_account.body
    assert unknown_account.code == "NOT_FOUND"
    assert stranger.status == 404
    assert invited_elsewhere.status == 404
    assert unknown_account.body == stranger.body == invited_elsewhere.body


def test_join_not_found_sends_no_email(api: Api) -> None:
    account_id = provision(api)["account_id"]

    join(api, UNKNOWN_ACCOUNT, JANE)
    join(api, account_id, "stranger@example.com")

    assert len(sent_emails()) == 1


def test_join_after_accept_answers_already_member(api: Api, clock: FakeClock) -> None:
    account_id = provision(api)["account_id"]
    assert api.post("/v1/invitations/accept", {"token": sent_emails()[-1].token}).status == 200
    clock.advance(seconds=61)

    answer = join(api, account_id)

    assert answer.status == 409, answer.body
    assert answer.code == "ALREADY_MEMBER"
    assert len(sent_emails()) == 1


def test_join_registered_administrator_answers_already_member(api: Api) -> None:
    account_id = register_confirmed(api, JANE, "ACME")["account_id"]

    answer = join(api, account_id)

    assert answer.status == 409, answer.body
    assert answer.code == "ALREADY_MEMBER"
    assert len(sent_emails()) == 1  # the registration's confirmation only


def test_join_revoked_invitation_answers_not_found(api: Api, clock: FakeClock) -> None:
    provisioned = provision(api)
    account_id = provisioned["account_id"]
    api.delete(f"/v1/internal/accounts/{account_id}/invitations/{provisioned['invitation']['invitation_id']}")
    clock.advance(seconds=61)

    answer = join(api, account_id)

    assert answer.status == 404, answer.body
    assert answer.code == "NOT_FOUND"
    assert len(sent_emails()) == 1


def test_join_double_click_sends_one_email(api: Api, clock: FakeClock) -> None:
    account_id = provision(api)["account_id"]
    clock.advance(seconds=61)

    first = join(api, account_id)
    second = join(api, account_id)

    assert first.status == 202, first.body
    assert second.status == 429, second.body
    assert len(sent_emails()) == 2
    assert preview(api, sent_emails()[-1].token).status == 200


# --- Resend ---


def test_resend_answers_the_same_for_invited_unknown_and_active_emails(api: Api, clock: FakeClock) -> None:
    provision(api)
    api.post("/v1/accounts", {"email": "admin@example.com", "company_name": "Admin Ltd"})
    clock.advance(seconds=61)

    invited = resend(api, JANE)
    unknown = resend(api, "nobody@example.com")
    active = resend(api, "admin@example.com")

    assert invited.status == unknown.status == active.status == 202
    assert invited.body == unknown.body == active.body
    assert invited.headers.get("Retry-After") is None


def test_resend_sends_an_email_only_to_the_invited_address(api: Api, clock: FakeClock) -> None:
    provision(api)
    register_confirmed(api, "admin@example.com", "Admin Ltd")
    clock.advance(seconds=61)

    resend(api, JANE)
    resend(api, "nobody@example.com")
    resend(api, "admin@example.com")

    emails = sent_emails()
    assert [email.to for email in emails] == [[JANE], ["admin@example.com"], [JANE]]  # the 2nd: a confirmation


def test_resend_invited_email_supersedes_the_previous_link(api: Api, clock: FakeClock) -> None:
    account_id = provision(api)["account_id"]
    old_token = sent_emails()[-1].token
    clock.advance(seconds=61)

    resend(api, "Jane@Example.com")

    new_token = sent_emails()[-1].token
    assert preview(api, old_token).code == "INVITATION_SUPERSEDED"
    current = preview(api, new_token)
    assert current.status == 200, current.body
    assert current.body["account_id"] == account_id
    assert current.body["email"] == JANE


def test_resend_expired_invitation_sends_a_new_working_link(api: Api, clock: FakeClock) -> None:
    provision(api)
    clock.advance(days=8)

    answer = resend(api)

    assert answer.status == 202, answer.body
    assert len(sent_emails()) == 2
    assert preview(api, sent_emails()[-1].token).status == 200


def test_resend_revoked_invitation_sends_nothing(api: Api, clock: FakeClock) -> None:
    provisioned = provision(api)
    api.delete(
        f"/v1/internal/accounts/{provisioned['account_id']}/invitations/{provisioned['invitation']['invitation_id']}"
    )
    clock.advance(seconds=61)

    answer = resend(api)

    assert answer.status == 202, answer.body
    assert len(sent_emails()) == 1


def test_resend_accepted_invitation_sends_nothing_and_keeps_the_administrator_active(
    api: Api, clock: FakeClock
) -> None:
    account_id = provision(api)["account_id"]
    assert api.post("/v1/invitations/accept", {"token": sent_emails()[-1].token}).status == 200
    clock.advance(seconds=61)

    answer = resend(api)

    assert answer.status == 202, answer.body
    assert len(sent_emails()) == 1
    account = api.get(f"/v1/internal/accounts/{account_id}")
    assert account.body["administrators"] == [{"email": JANE, "state": "active"}]
