"""Invitation email limits through the handlers: 60 s cooldown and 10 a day per address, per budget: what the public
asks for (join, resend, renew, a registration's confirmation) and what back offices send are counted apart."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.support.api import Answer, Api
from tests.support.aws import emails_to, sent_emails
from tests.support.fakes import FakeClock
from tests.support.story import JANE, latest_token, provision, register_confirmed

DAY = 86_400
BOB = "bob@example.com"


def join(api: Api, account_id: str) -> Answer:
    return api.post(f"/v1/accounts/{account_id}/join", {"email": JANE})


def resend(api: Api, email: str = JANE) -> Answer:
    return api.post("/v1/invitations/resend", {"email": email})


def renew(api: Api) -> Answer:
    return api.post("/v1/invitations/renew", {"token": latest_token()})


def invite(api: Api, account_id: str, email: str = JANE) -> Answer:
    return api.post(f"/v1/internal/accounts/{account_id}/invitations", {"email": email})


# What the public asks for (one budget), and what back offices send (another): SPEC, Limits.
PUBLIC_ROUTES: dict[str, Callable[[Api, str], Answer]] = {
    "join": join,
    "resend": lambda api, _: resend(api),
    "renew": lambda api, _: renew(api),
}
SENDING_ROUTES: dict[str, Callable[[Api, str], Answer]] = {**PUBLIC_ROUTES, "invite": invite}


def provisioned_and_joined(api: Api, clock: FakeClock) -> str:
    """ACME Ltd provisioned for JANE (a back-office email), then Jane's Join (a public one) just now."""
    account_id: str = provision(api)["account_id"]
    assert join(api, account_id).status == 202
    return account_id


def assert_rate_limited(answer: Answer, retry_after: int) -> None:
    assert answer.status == 429, answer.body
    assert answer.code == "RATE_LIMITED"
    assert answer.headers["Retry-After"] == str(retry_after)


# --- Cooldown, within one budget ---


@pytest.mark.parametrize("route", PUBLIC_ROUTES)
def test_limits_second_public_email_within_cooldown_answers_rate_limited_with_seconds_left(
    api: Api, clock: FakeClock, route: str
) -> None:
    account_id = provisioned_and_joined(api, clock)
    clock.advance(seconds=20)

    answer = PUBLIC_ROUTES[route](api, account_id)

    assert_rate_limited(answer, 40)


def test_limits_second_back_office_email_within_cooldown_answers_rate_limited(api: Api, clock: FakeClock) -> None:
    account_id = provision(api)["account_id"]
    clock.advance(seconds=20)

    assert_rate_limited(invite(api, account_id), 40)


@pytest.mark.parametrize("route", SENDING_ROUTES)
def test_limits_email_after_the_cooldown_is_sent(api: Api, clock: FakeClock, route: str) -> None:
    account_id = provisioned_and_joined(api, clock)
    clock.advance(seconds=60)

    answer = SENDING_ROUTES[route](api, account_id)

    assert answer.status in (201, 202), answer.body
    assert len(sent_emails()) == 3


def test_limits_one_second_before_the_cooldown_ends_answers_retry_after_one(api: Api, clock: FakeClock) -> None:
    account_id = provisioned_and_joined(api, clock)
    clock.advance(seconds=59)

    assert_rate_limited(join(api, account_id), 1)


def test_limits_public_and_back_office_emails_are_counted_apart(api: Api, clock: FakeClock) -> None:
    account_id = provision(api)["account_id"]  # back office, now

    joined = join(api, account_id)  # public, at once
    clock.advance(seconds=1)
    invited = invite(api, account_id)  # back office again, within its cooldown

    assert joined.status == 202, joined.body
    assert_rate_limited(invited, 59)
    assert len(sent_emails()) == 2


def test_limits_rate_limited_sends_no_email_and_keeps_the_previous_link(api: Api, clock: FakeClock) -> None:
    account_id = provisioned_and_joined(api, clock)
    token = latest_token()
    clock.advance(seconds=10)

    join(api, account_id)
    resend(api)
    renew(api)

    assert len(sent_emails()) == 2
    still_working = api.post("/v1/invitations/preview", {"token": token})
    assert still_working.status == 200, still_working.body
    listed = api.get(f"/v1/internal/accounts/{account_id}/invitations")
    assert [item["status"] for item in listed.body["items"]] == ["pending", "superseded"]


def test_limits_rate_limited_answer_is_a_plain_error_body(api: Api, clock: FakeClock) -> None:
    account_id = provisioned_and_joined(api, clock)

    answer = join(api, account_id)

    assert answer.status == 429, answer.body
    assert set(answer.body) == {"code", "message"}


@pytest.mark.parametrize(("first", "second"), [("join", "resend"), ("resend", "renew"), ("renew", "join")])
def test_limits_public_cooldown_is_shared_between_public_routes(
    api: Api, clock: FakeClock, first: str, second: str
) -> None:
    account_id = provision(api)["account_id"]
    sent = PUBLIC_ROUTES[first](api, account_id)
    assert sent.status in (201, 202), sent.body
    clock.advance(seconds=15)

    answer = PUBLIC_ROUTES[second](api, account_id)

    assert_rate_limited(answer, 45)
    assert len(sent_emails()) == 2


def test_limits_cooldown_is_per_address(api: Api) -> None:
    account_id = provision(api)["account_id"]

    colleague = api.post(f"/v1/internal/accounts/{account_id}/invitations", {"email": "bob@example.com"})

    assert colleague.status == 201, colleague.body
    assert len(sent_emails()) == 2


def test_limits_address_in_another_case_shares_the_cooldown(api: Api, clock: FakeClock) -> None:
    provisioned_and_joined(api, clock)
    clock.advance(seconds=30)

    answer = resend(api, " JANE@Example.COM ")

    assert_rate_limited(answer, 30)


def test_limits_provisioning_again_after_revoke_within_cooldown_answers_rate_limited(
    api: Api, clock: FakeClock
) -> None:
    provisioned = provision(api)
    api.delete(
        f"/v1/internal/accounts/{provisioned['account_id']}/invitations/{provisioned['invitation']['invitation_id']}"
    )
    clock.advance(seconds=5)

    answer = api.post(
        "/v1/internal/accounts",
        {"company_name": "ACME Ltd", "administrator_email": JANE, "created_via": "reseller"},
    )

    assert_rate_limited(answer, 55)
    assert len(sent_emails()) == 1
    assert api.post("/v1/accounts", {"email": JANE, "company_name": "Jane's"}).status == 201  # nothing claimed it


def test_limits_registration_confirmation_counts_against_the_public_budget(api: Api, clock: FakeClock) -> None:
    api.post("/v1/accounts", {"email": JANE, "company_name": "ACME"})
    clock.advance(seconds=10)

    again = api.post("/v1/accounts", {"email": JANE, "company_name": "ACME"})

    assert_rate_limited(again, 50)
    assert len(sent_emails()) == 1


# --- Resend for an address with nothing to send: the same answers, another budget ---


@pytest.mark.parametrize("email", ["nobody@example.com", "admin@example.com"])
def test_limits_second_resend_within_cooldown_answers_rate_limited_for_an_address_without_invitation(
    api: Api, clock: FakeClock, email: str
) -> None:
    register_confirmed(api, "admin@example.com", "Admin Ltd")
    before = len(sent_emails())
    first = resend(api, email)
    clock.advance(seconds=10)

    second = resend(api, email)

    assert first.status == 202, first.body
    assert_rate_limited(second, 50)
    assert len(sent_emails()) == before


def test_limits_resend_after_cooldown_answers_accepted_for_an_unknown_address(api: Api, clock: FakeClock) -> None:
    resend(api, "nobody@example.com")
    clock.advance(seconds=60)

    answer = resend(api, "nobody@example.com")

    assert answer.status == 202, answer.body


def test_limits_rate_limited_resend_looks_the_same_for_unknown_and_invited_addresses(
    api: Api, clock: FakeClock
) -> None:
    provision(api)
    resend(api, JANE)
    resend(api, "nobody@example.com")
    clock.advance(seconds=10)

    invited = resend(api, JANE)
    unknown = resend(api, "nobody@example.com")

    assert invited.status == unknown.status == 429
    assert invited.body == unknown.body
    assert invited.headers["Retry-After"] == unknown.headers["Retry-After"] == "50"


def test_limits_resends_to_an_address_without_invitation_spend_nothing_its_invitation_needs(
    api: Api, clock: FakeClock
) -> None:
    for _ in range(10):  # a whole day of resends, as an anonymous caller could send
        assert resend(api).status == 202
        clock.advance(seconds=61)
    assert_rate_limited(resend(api), DAY - 10 * 61)  # its answers are those of any address

    provisioned = provision(api)  # then sales provisions it: not held back
    joined = join(api, provisioned["account_id"])  # nor is the person's own Join

    assert joined.status == 202, joined.body
    assert len(sent_emails()) == 2


# --- Daily limit over a rolling 24 hours ---


def send_ten_public_emails(api: Api, clock: FakeClock) -> str:
    """Provisioning, then ten public emails, cycling join, resend and renew, 61 s apart."""
    account_id: str = provision(api)["account_id"]
    cycle = list(PUBLIC_ROUTES)
    for number in range(10):
        answer = PUBLIC_ROUTES[cycle[number % 3]](api, account_id)
        assert answer.status in (201, 202), answer.body
        clock.advance(seconds=61)
    assert len(sent_emails()) == 11
    return account_id


@pytest.mark.parametrize("route", PUBLIC_ROUTES)
def test_limits_eleventh_public_email_in_a_day_answers_rate_limited_until_the_oldest_leaves_the_window(
    api: Api, clock: FakeClock, route: str
) -> None:
    account_id = send_ten_public_emails(api, clock)

    answer = PUBLIC_ROUTES[route](api, account_id)

    assert_rate_limited(answer, DAY - 10 * 61)  # the first, sent 610 s ago, leaves the window then
    assert len(sent_emails()) == 11


def test_limits_a_day_of_public_emails_leaves_the_back_office_budget_whole(api: Api, clock: FakeClock) -> None:
    account_id = send_ten_public_emails(api, clock)

    answer = invite(api, account_id)

    assert answer.status == 201, answer.body


def test_limits_daily_limit_lifts_when_the_oldest_email_leaves_the_window(api: Api, clock: FakeClock) -> None:
    account_id = send_ten_public_emails(api, clock)
    retry_after = int(join(api, account_id).headers["Retry-After"])

    clock.advance(seconds=retry_after - 1)
    assert_rate_limited(join(api, account_id), 1)
    clock.advance(seconds=1)
    answer = join(api, account_id)

    assert answer.status == 202, answer.body
    assert len(sent_emails()) == 12


def test_limits_eleventh_back_office_email_in_a_day_answers_rate_limited_until_the_oldest_leaves_the_window(
    api: Api, clock: FakeClock
) -> None:
    # Given ACME Ltd (provisioned for JANE) has invited BOB ten times today, 61 s apart
    account_id = provision(api)["account_id"]
    for _ in range(10):
        invited = invite(api, account_id, BOB)
        assert invited.status == 201, invited.body
        clock.advance(seconds=61)
    token = latest_token(BOB)

    # When it invites him an eleventh time
    answer = invite(api, account_id, BOB)

    # Then the back-office limit answers 429 until the first invitation, sent 610 s ago, leaves the window
    assert_rate_limited(answer, DAY - 10 * 61)
    assert emails_to(BOB) == 10
    assert api.post("/v1/invitations/preview", {"token": token}).status == 200  # the tenth link still works
    clock.advance(seconds=DAY - 10 * 61 - 1)
    assert_rate_limited(invite(api, account_id, BOB), 1)
    clock.advance(seconds=1)
    lifted = invite(api, account_id, BOB)
    assert lifted.status == 201, lifted.body
    assert emails_to(BOB) == 11


def test_limits_provisioning_and_colleague_invitations_share_the_back_office_daily_limit(
    api: Api, clock: FakeClock
) -> None:
    # Given sales provisioned ACME Ltd for JANE, then she was invited to it again nine times, 61 s apart
    account_id = provision(api)["account_id"]
    for _ in range(9):
        clock.advance(seconds=61)
        invited = invite(api, account_id)
        assert invited.status == 201, invited.body
    clock.advance(seconds=61)

    # When an eleventh back-office email to her is asked for
    answer = invite(api, account_id)

    # Then it is refused until the provisioning's email leaves the window, while her own Join still goes
    assert_rate_limited(answer, DAY - 10 * 61)
    assert emails_to(JANE) == 10
    joined = join(api, account_id)
    assert joined.status == 202, joined.body
    assert emails_to(JANE) == 11


def test_limits_daily_limit_keeps_the_latest_link_working(api: Api, clock: FakeClock) -> None:
    account_id = send_ten_public_emails(api, clock)
    token = latest_token()

    join(api, account_id)

    assert api.post("/v1/invitations/preview", {"token": token}).status == 200
