"""The IAM-signed back-office API through its handler: provision, read an account, invite, list and revoke."""

from __future__ import annotations

import base64
import re
from typing import Any

import boto3
import pytest

from tests.support.api import Answer, Api
from tests.support.aws import REGION, TABLE_NAMES, sent_emails
from tests.support.fakes import FakeClock
from tools.functions import functions, template

JANE = "jane@example.com"
BOB = "bob@example.com"
CAROL = "carol@example.com"
ACCOUNT_ID = re.compile(r"^acc_[0-9A-HJKMNP-TV-Z]{26}$")
INVITATION_ID = re.compile(r"^inv_[0-9A-HJKMNP-TV-Z]{26}$")
UNKNOWN_ACCOUNT = "acc_01JDZ3K4Q6W8X9Y2Z3A4B5C6D7"
UNKNOWN_INVITATION = "inv_01JDZ5M7N9P1Q3R5S7T9V1W3X5"
IN_SEVEN_DAYS = "2026-12-03T09:00:00Z"  # FakeClock starts at 2026-11-26T09:00:00Z; the TTL is seven days


def provision(api: Api, email: str = JANE, company_name: str = "ACME Ltd", **extra: str) -> Answer:
    return api.post(
        "/v1/internal/accounts",
        {"company_name": company_name, "administrator_email": email, "created_via": "sales", **extra},
    )


def provisioned(api: Api, email: str = JANE, company_name: str = "ACME Ltd") -> str:
    answer = provision(api, email, company_name)
    assert answer.status == 201, answer.body
    account_id: str = answer.body["account_id"]
    return account_id


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


def last_token_to(email: str) -> str:
    return [mail for mail in sent_emails() if set(mail.to) == {email}][-1].token


def administrators(api: Api, account_id: str) -> dict[str, str]:
    answer = api.get(f"/v1/internal/accounts/{account_id}")
    assert answer.status == 200, answer.body
    return {admin["email"]: admin["state"] for admin in answer.body["administrators"]}


def stored_accounts() -> list[dict[str, Any]]:
    items = boto3.client("dynamodb", region_name=REGION).scan(TableName=TABLE_NAMES["AccountsTable"])["Items"]
    return [item for item in items if item["sk"]["S"] == "ACCOUNT"]


def listing(api: Api, account_id: str, query: str = "") -> Answer:
    return api.get(f"/v1/internal/accounts/{account_id}/invitations" + (f"?{query}" if query else ""))


def provisioned_invitation(api: Api, account_id: str) -> str:
    items = listing(api, account_id).body["items"]
    assert len(items) == 1
    invitation_id: str = items[0]["invitation_id"]
    return invitation_id


# --- POST /v1/internal/accounts ---


def test_provision_new_email_creates_account_and_sends_one_invitation(api: Api) -> None:
    answer = provision(api, "  Jane@Example.COM ", "  ACME Ltd ")

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
    assert body["invitation"]["expires_at"] == IN_SEVEN_DAYS
    assert recipients() == [{JANE}]
    assert len(stored_accounts()) == 1


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
    assert stored_accounts() == []


def test_provision_email_of_active_administrator_answers_409_already_registered(api: Api) -> None:
    registered = api.post("/v1/accounts", {"email": JANE, "company_name": "Jane's Shop"})
    assert registered.status == 201, registered.body

    answer = provision(api, "JANE@example.com", "ACME Ltd")

    assert answer.status == 409, answer.body
    assert answer.code == "ALREADY_REGISTERED"
    assert answer.body["account"] == {"account_id": registered.body["account_id"], "company_name": "Jane's Shop"}
    assert sent_emails() == []
    assert len(stored_accounts()) == 1


def test_provision_email_with_pending_invitation_answers_409_pending_invitation(api: Api) -> None:
    first = provision(api, JANE, "ACME Ltd")

    answer = provision(api, JANE, "Globex")

    assert answer.status == 409, answer.body
    assert answer.code == "PENDING_INVITATION"
    assert answer.body["account"] == {
        "account_id": first.body["account_id"],
        "company_name": "ACME Ltd",
        "created_via": "sales",
    }
    assert answer.body["invitation"] == {
        "status": "pending",
        "expires_at": IN_SEVEN_DAYS,
        "delivery": {"status": "sent", "at": "2026-11-26T09:00:00Z"},
    }
    assert len(sent_emails()) == 1
    assert len(stored_accounts()) == 1


def test_provision_repeated_external_reference_returns_first_answer_and_creates_nothing(
    api: Api, clock: FakeClock
) -> None:
    first = provision(api, JANE, "ACME Ltd", external_reference="ORDER-42")
    assert first.status == 201, first.body
    clock.advance(seconds=61)  # past the cooldown, so only the reference can stop a second email

    again = provision(api, JANE, "ACME Ltd", external_reference="ORDER-42")

    assert again.status == 201, again.body
    assert again.body == first.body
    assert len(sent_emails()) == 1
    assert len(stored_accounts()) == 1


def test_provision_external_reference_with_other_body_answers_422_idempotency_key_reused(
    api: Api, clock: FakeClock
) -> None:
    assert provision(api, JANE, "ACME Ltd", external_reference="ORDER-42").status == 201
    clock.advance(seconds=61)

    answer = provision(api, BOB, "Globex", external_reference="ORDER-42")

    assert answer.status == 422, answer.body
    assert answer.code == "IDEMPOTENCY_KEY_REUSED"
    assert recipients() == [{JANE}]
    assert len(stored_accounts()) == 1


# --- GET /v1/internal/accounts/{account_id} ---


def test_get_account_answers_account_and_its_administrators(api: Api) -> None:
    account_id = provisioned(api, JANE, "ACME Ltd")

    answer = api.get(f"/v1/internal/accounts/{account_id}")

    assert answer.status == 200, answer.body
    assert answer.body == {
        "account_id": account_id,
        "company_name": "ACME Ltd",
        "created_via": "sales",
        "created_at": "2026-11-26T09:00:00Z",
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
    }


def test_get_account_after_accept_shows_administrator_active(api: Api) -> None:
    account_id = provisioned(api, JANE)
    assert api.post("/v1/invitations/accept", {"token": last_token_to(JANE)}).status == 200

    assert administrators(api, account_id) == {JANE: "active"}


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
    account_id = provisioned(api, JANE)

    answer = invite(api, account_id, " Bob@Example.com", invited_by=JANE)

    assert answer.status == 201, answer.body
    assert set(answer.body) == {"invitation_id", "email", "status", "expires_at"}
    assert INVITATION_ID.match(answer.body["invitation_id"])
    assert answer.body["email"] == BOB
    assert answer.body["status"] == "pending"
    assert answer.body["expires_at"] == IN_SEVEN_DAYS
    assert recipients()[-1] == {BOB}
    assert administrators(api, account_id) == {JANE: "invited", BOB: "invited"}
    preview = api.post("/v1/invitations/preview", {"token": last_token_to(BOB)})
    assert preview.body["invitation_id"] == answer.body["invitation_id"]


def test_invite_same_email_again_supersedes_the_earlier_link(api: Api, clock: FakeClock) -> None:
    account_id = provisioned(api, JANE)
    first_id = invited(api, account_id, BOB)
    first_token = last_token_to(BOB)
    clock.advance(seconds=61)

    second_id = invited(api, account_id, BOB)

    assert second_id != first_id
    old = api.post("/v1/invitations/preview", {"token": first_token})
    assert old.status == 410, old.body
    assert old.code == "INVITATION_SUPERSEDED"
    new = api.post("/v1/invitations/preview", {"token": last_token_to(BOB)})
    assert new.status == 200, new.body
    assert new.body["invitation_id"] == second_id
    assert administrators(api, account_id) == {JANE: "invited", BOB: "invited"}


def test_invite_same_email_within_cooldown_answers_429(api: Api) -> None:
    account_id = provisioned(api, JANE)
    invited(api, account_id, BOB)

    answer = invite(api, account_id, BOB)

    assert answer.status == 429, answer.body
    assert answer.code == "RATE_LIMITED"
    assert int(answer.headers["Retry-After"]) > 0


def test_invite_active_administrator_answers_409_already_member(api: Api, clock: FakeClock) -> None:
    account_id = provisioned(api, JANE)
    assert api.post("/v1/invitations/accept", {"token": last_token_to(JANE)}).status == 200
    clock.advance(seconds=61)

    answer = invite(api, account_id, JANE)

    assert answer.status == 409, answer.body
    assert answer.code == "ALREADY_MEMBER"
    assert len(sent_emails()) == 1


def test_invite_active_administrator_of_other_account_answers_409_already_registered(api: Api) -> None:
    other = api.post("/v1/accounts", {"email": BOB, "company_name": "Bob's Garage"})
    assert other.status == 201, other.body
    account_id = provisioned(api, JANE)

    answer = invite(api, account_id, BOB)

    assert answer.status == 409, answer.body
    assert answer.code == "ALREADY_REGISTERED"
    assert answer.body["account"]["account_id"] == other.body["account_id"]
    assert administrators(api, account_id) == {JANE: "invited"}


def test_invite_invitee_of_other_account_answers_409_pending_invitation(api: Api, clock: FakeClock) -> None:
    other_id = provisioned(api, BOB, "Globex")
    account_id = provisioned(api, JANE, "ACME Ltd")
    clock.advance(seconds=61)

    answer = invite(api, account_id, BOB)

    assert answer.status == 409, answer.body
    assert answer.code == "PENDING_INVITATION"
    assert answer.body["account"]["account_id"] == other_id
    assert answer.body["account"]["company_name"] == "Globex"
    assert administrators(api, other_id) == {BOB: "invited"}
    assert api.post("/v1/invitations/preview", {"token": last_token_to(BOB)}).status == 200


def test_invite_unknown_account_answers_404(api: Api) -> None:
    answer = invite(api, UNKNOWN_ACCOUNT, BOB)

    assert answer.status == 404, answer.body
    assert answer.code == "NOT_FOUND"
    assert sent_emails() == []


# --- GET /v1/internal/accounts/{account_id}/invitations ---


def test_list_invitations_answers_newest_first(api: Api, clock: FakeClock) -> None:
    account_id = provisioned(api, JANE)
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
        "delivery": {"status": "sent", "at": "2026-11-26T09:00:03Z"},
    }


def test_list_invitations_pending_past_expiry_lists_as_expired(api: Api, clock: FakeClock) -> None:
    account_id = provisioned(api, JANE)
    clock.advance(days=7)  # exactly at expires_at: expired

    assert [item["status"] for item in listing(api, account_id).body["items"]] == ["expired"]
    assert len(listing(api, account_id, "status=expired").body["items"]) == 1
    assert listing(api, account_id, "status=pending").body["items"] == []


def test_list_invitations_status_filter_answers_only_that_status(api: Api, clock: FakeClock) -> None:
    account_id = provisioned(api, JANE)
    jane = provisioned_invitation(api, account_id)
    assert api.post("/v1/invitations/accept", {"token": last_token_to(JANE)}).status == 200
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
    account_id = provisioned(api, JANE)
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
    account_id = provisioned(api, JANE)
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
    account_id = provisioned(api, JANE)

    answer = listing(api, account_id, f"next_token={next_token}")

    assert answer.status == 422, answer.body
    assert answer.code == "VALIDATION_ERROR"
    assert [error["field"] for error in answer.body["errors"]] == ["next_token"]


def test_list_invitations_unknown_status_answers_422(api: Api) -> None:
    account_id = provisioned(api, JANE)

    answer = listing(api, account_id, "status=forgotten")

    assert answer.status == 422, answer.body
    assert answer.code == "VALIDATION_ERROR"


def test_list_invitations_unknown_account_answers_404(api: Api) -> None:
    answer = listing(api, UNKNOWN_ACCOUNT)

    assert answer.status == 404, answer.body
    assert answer.code == "NOT_FOUND"


# --- DELETE /v1/internal/accounts/{account_id}/invitations/{invitation_id} ---


def test_revoke_answers_204_and_the_link_answers_410_revoked(api: Api) -> None:
    account_id = provisioned(api, JANE)
    invitation_id = invited(api, account_id, BOB)
    token = last_token_to(BOB)

    answer = api.delete(f"/v1/internal/accounts/{account_id}/invitations/{invitation_id}")

    assert answer.status == 204, answer.body
    assert answer.body is None
    for action in ("preview", "accept", "renew"):
        used = api.post(f"/v1/invitations/{action}", {"token": token})
        assert (used.status, used.code) == (410, "INVITATION_REVOKED"), (action, used.body)
    assert administrators(api, account_id) == {JANE: "invited"}


def test_revoke_frees_the_email_to_register(api: Api) -> None:
    account_id = provisioned(api, JANE)
    invitation_id = invited(api, account_id, BOB)
    assert api.delete(f"/v1/internal/accounts/{account_id}/invitations/{invitation_id}").status == 204

    registered = api.post("/v1/accounts", {"email": BOB, "company_name": "Bob's Garage"})

    assert registered.status == 201, registered.body


def test_revoke_frees_the_email_to_be_invited_by_another_account(api: Api, clock: FakeClock) -> None:
    account_id = provisioned(api, JANE, "ACME Ltd")
    invitation_id = invited(api, account_id, BOB)
    other_id = provisioned(api, CAROL, "Globex")
    assert api.delete(f"/v1/internal/accounts/{account_id}/invitations/{invitation_id}").status == 204
    clock.advance(seconds=61)

    answer = invite(api, other_id, BOB)

    assert answer.status == 201, answer.body
    preview = api.post("/v1/invitations/preview", {"token": last_token_to(BOB)})
    assert preview.body["account_id"] == other_id


def test_revoke_expired_invitation_frees_the_email(api: Api, clock: FakeClock) -> None:
    account_id = provisioned(api, JANE)
    invitation_id = invited(api, account_id, BOB)
    clock.advance(days=8)

    assert api.delete(f"/v1/internal/accounts/{account_id}/invitations/{invitation_id}").status == 204

    assert api.post("/v1/accounts", {"email": BOB, "company_name": "Bob's Garage"}).status == 201


def test_revoke_twice_answers_204_both_times(api: Api) -> None:
    account_id = provisioned(api, JANE)
    invitation_id = invited(api, account_id, BOB)
    path = f"/v1/internal/accounts/{account_id}/invitations/{invitation_id}"

    first, second = api.delete(path), api.delete(path)

    assert (first.status, second.status) == (204, 204), (first.body, second.body)
    assert second.body is None


def test_revoke_accepted_invitation_answers_409_already_accepted(api: Api) -> None:
    account_id = provisioned(api, JANE)
    invitation_id = provisioned_invitation(api, account_id)
    assert api.post("/v1/invitations/accept", {"token": last_token_to(JANE)}).status == 200

    answer = api.delete(f"/v1/internal/accounts/{account_id}/invitations/{invitation_id}")

    assert answer.status == 409, answer.body
    assert answer.code == "INVITATION_ALREADY_ACCEPTED"
    assert administrators(api, account_id) == {JANE: "active"}


def test_revoke_unknown_invitation_answers_404_invitation_not_found(api: Api) -> None:
    account_id = provisioned(api, JANE)

    answer = api.delete(f"/v1/internal/accounts/{account_id}/invitations/{UNKNOWN_INVITATION}")

    assert answer.status == 404, answer.body
    assert answer.code == "INVITATION_NOT_FOUND"


def test_revoke_invitation_of_another_account_answers_404(api: Api) -> None:
    account_id = provisioned(api, JANE, "ACME Ltd")
    other_id = provisioned(api, BOB, "Globex")
    invitation_id = provisioned_invitation(api, other_id)

    answer = api.delete(f"/v1/internal/accounts/{account_id}/invitations/{invitation_id}")

    assert answer.status == 404, answer.body
    assert answer.code == "INVITATION_NOT_FOUND"
    assert api.post("/v1/invitations/preview", {"token": last_token_to(BOB)}).status == 200


# --- The template signs the internal routes ---


def _api_events() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (event["Properties"]["Path"], event["Properties"]["Method"].upper(), event["Properties"])
        for function in functions().values()
        for event in function.properties.get("Events", {}).values()
        if event["Type"] == "Api"
    ]


def test_template_signs_every_internal_route_with_iam_and_no_public_route() -> None:
    routes = _api_events()
    internal = [(path, method, props) for path, method, props in routes if path.startswith("/v1/internal/")]
    public = [(path, method, props) for path, method, props in routes if not path.startswith("/v1/internal/")]

    assert len(internal) == 6  # SPEC's five internal routes and lifting a suppression
    assert public
    for path, method, props in internal:
        assert props.get("Auth", {}).get("Authorizer") == "AWS_IAM", (method, path)
    for path, method, props in public:
        assert props.get("Auth", {}).get("Authorizer") in (None, "NONE"), (method, path)
    api_properties = template()["Resources"]["BusinessAccountsApi"]["Properties"]
    assert api_properties.get("Auth", {}).get("DefaultAuthorizer") in (None, "NONE")
    assert "Api" not in template().get("Globals", {})
