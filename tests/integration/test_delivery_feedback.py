"""Delivery feedback through the handlers on moto: SES's documented reports, out of order and duplicated, on the
invitation and wherever people see it; complaints stopping invitation emails until support lifts them."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from business_accounts.logic.issuing import admit, new_invitation, sent_event
from business_accounts.logic.services import Services
from business_accounts.logic.store import Conflict, Issue
from business_accounts.logic.tokens import token_hash
from business_accounts.models.events import Actor
from business_accounts.models.items import Suppression
from business_accounts.models.languages import Language
from business_accounts.models.types import Budget
from local.ses_events import sending_options
from tests.support.api import Answer, Api
from tests.support.aws import REGION, CallCounter, sent_emails
from tests.support.fakes import FakeClock
from tests.support.ses import (
    BOUNCED,
    BOUNCED_TRANSIENT,
    COMPLAINED,
    DELAYED,
    DELIVERED,
    REJECTED,
    deliver_report,
    report,
)
from tests.support.story import JANE, latest_token, provision

BOB = "bob@example.com"


def reported(
    api: Api, sample: str, *, at: datetime, email: str = JANE, invitation: str | None = None
) -> dict[str, Any]:
    """SES reports on the email of `email`'s current invitation (or of `invitation`): the function's answer."""
    listed = invitations(api, email)
    found = next(item for item in listed if invitation in (None, item["invitation_id"]))
    event = report(sample, invitation_id=found["invitation_id"], account_id=found["account_id"], email=email, at=at)
    return deliver_report(event)


def invitations(api: Api, email: str) -> list[dict[str, Any]]:
    """The email's invitations, newest first, each with its account id (from the internal listing)."""
    pending = api.post("/v1/accounts", {"email": email, "company_name": "Any"})
    account_id = pending.body["account"]["account_id"]
    items = api.get(f"/v1/internal/accounts/{account_id}/invitations").body["items"]
    return [item | {"account_id": account_id} for item in items if item["email"] == email]


PUBLIC_STATUSES = {"bounced", "rejected"}  # all the public 409 may tell of an email (SPEC: public answers)


def pending_delivery(api: Api, email: str = JANE) -> dict[str, str]:
    """The `delivery` of the invitation `email` waits on, as support sees it (the internal listing), once the 409
    PENDING_INVITATION a registration gets has shown it only if it is a bounce or a rejection."""
    answer = api.post("/v1/accounts", {"email": email, "company_name": "Any"})
    assert answer.code == "PENDING_INVITATION", answer.body
    waiting = next(item for item in invitations(api, email) if item["status"] == "pending")
    delivery: dict[str, str] = waiting["delivery"]
    public = answer.body["invitation"].get("delivery")
    assert public == (delivery if delivery["status"] in PUBLIC_STATUSES else None), (public, delivery)
    return delivery


def provision_globex(api: Api, email: str) -> Answer:
    """Sales provisions another account for `email`, whatever the answer."""
    return api.post(
        "/v1/internal/accounts", {"company_name": "Globex", "administrator_email": email, "created_via": "sales"}
    )


def iso(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")


# --- What people see ---


@pytest.mark.parametrize(
    ("sample", "shown"), [(BOUNCED, "bounced"), (REJECTED, "rejected"), (DELIVERED, None), (COMPLAINED, None)]
)
def test_delivery_of_a_registration_s_confirmation_shows_on_its_state_only_if_it_bounced_or_was_rejected(
    api: Api, clock: FakeClock, sample: str, shown: str | None
) -> None:
    account_id = api.post("/v1/accounts", {"email": JANE, "company_name": "ACME"}).body["account_id"]
    confirmation = api.get(f"/v1/internal/accounts/{account_id}/invitations").body["items"][0]
    at = clock() + timedelta(seconds=4)

    deliver_report(
        report(sample, invitation_id=confirmation["invitation_id"], account_id=account_id, email=JANE, at=at)
    )
    state = api.get(f"/v1/accounts/{account_id}/registration").body

    assert state["confirmation"]["delivery"] == ({"status": shown, "at": iso(at)} if shown else None)


def test_delivery_bounced_report_shows_on_the_pending_answer_the_listing_and_the_account_view(
    api: Api, clock: FakeClock
) -> None:
    account_id = provision(api)["account_id"]
    bounced_at = clock() + timedelta(seconds=3, milliseconds=669)

    answer = reported(api, BOUNCED, at=bounced_at)

    assert answer == {"delivery": "bounced", "recorded": True, "suppressed": False}
    expected = {"status": "bounced", "at": iso(bounced_at)}
    assert pending_delivery(api) == expected
    assert [item["delivery"] for item in invitations(api, JANE)] == [expected]
    administrator = api.get(f"/v1/internal/accounts/{account_id}").body["administrators"][0]
    assert administrator["invitation"]["delivery"] == expected


def test_delivery_before_any_report_shows_sent_when_the_email_was_sent(api: Api, clock: FakeClock) -> None:
    provision(api)

    assert pending_delivery(api) == {"status": "sent", "at": iso(clock())}


@pytest.mark.parametrize(
    ("sample", "status"),
    [
        (DELIVERED, "delivered"),
        (DELAYED, "delayed"),
        (BOUNCED, "bounced"),
        (BOUNCED_TRANSIENT, "bounced"),  # SES reports a soft bounce once it has stopped retrying
        (COMPLAINED, "complained"),
        (REJECTED, "rejected"),
    ],
)
def test_delivery_each_documented_report_records_its_status(
    api: Api, clock: FakeClock, sample: str, status: str
) -> None:
    provision(api)

    answer = reported(api, sample, at=clock() + timedelta(seconds=5))

    assert (answer["delivery"], answer["recorded"]) == (status, True)
    assert pending_delivery(api)["status"] == status


def test_delivery_accepted_invitation_leaves_no_delivery_on_the_active_administrator(
    api: Api, clock: FakeClock
) -> None:
    account_id = provision(api)["account_id"]
    reported(api, DELIVERED, at=clock() + timedelta(seconds=2))

    assert api.post("/v1/invitations/accept", {"token": latest_token()}).status == 200

    assert api.get(f"/v1/internal/accounts/{account_id}").body["administrators"] == [{"email": JANE, "state": "active"}]


# --- Order and duplicates: the later event wins, the graver where they tie ---


def test_delivery_delivered_arriving_after_a_later_bounce_does_not_hide_it(api: Api, clock: FakeClock) -> None:
    provision(api)
    reported(api, BOUNCED, at=clock() + timedelta(seconds=8))

    late = reported(api, DELIVERED, at=clock() + timedelta(seconds=4))  # happened first, arrives last

    assert late["recorded"] is False
    assert pending_delivery(api)["status"] == "bounced"
    assert invitations(api, JANE)[0]["delivery"]["status"] == "bounced"


def test_delivery_delivered_after_an_earlier_delay_shows_delivered(api: Api, clock: FakeClock) -> None:
    provision(api)
    reported(api, DELAYED, at=clock() + timedelta(minutes=10))

    reported(api, DELIVERED, at=clock() + timedelta(minutes=25))

    assert pending_delivery(api)["status"] == "delivered"


def test_delivery_complaint_after_delivery_shows_complained(api: Api, clock: FakeClock) -> None:
    provision(api)
    reported(api, DELIVERED, at=clock() + timedelta(seconds=2))

    answer = reported(api, COMPLAINED, at=clock() + timedelta(hours=3))

    assert answer == {"delivery": "complained", "recorded": True, "suppressed": True}
    assert pending_delivery(api)["status"] == "complained"


@pytest.mark.parametrize("first", [DELIVERED, BOUNCED])
def test_delivery_two_reports_at_the_same_instant_keep_the_graver_whatever_their_order(
    api: Api, clock: FakeClock, first: str
) -> None:
    provision(api)
    at = clock() + timedelta(seconds=2, milliseconds=250)
    second = BOUNCED if first == DELIVERED else DELIVERED

    reported(api, first, at=at)
    reported(api, second, at=at)

    assert pending_delivery(api)["status"] == "bounced"


def test_delivery_duplicate_report_changes_nothing_and_counts_once(
    api: Api, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    provision(api)
    at = clock() + timedelta(seconds=3)
    capsys.readouterr()

    answers = [reported(api, BOUNCED, at=at) for _ in range(3)]

    assert [answer["recorded"] for answer in answers] == [True, False, False]
    metrics = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
    assert sum(sum(line.get("InvitationsBounced", [])) for line in metrics) == 1
    assert pending_delivery(api) == {"status": "bounced", "at": iso(at)}


def test_delivery_report_on_a_superseded_invitation_stays_on_it_and_not_on_the_newer_one(
    api: Api, clock: FakeClock
) -> None:
    account_id = provision(api)["account_id"]
    first = invitations(api, JANE)[0]["invitation_id"]
    clock.advance(minutes=2)
    assert api.post(f"/v1/accounts/{account_id}/join", {"email": JANE}).status == 202

    reported(api, BOUNCED, at=clock() + timedelta(seconds=1), invitation=first)

    newer, older = invitations(api, JANE)
    assert (older["invitation_id"], older["delivery"]["status"]) == (first, "bounced")
    assert newer["delivery"]["status"] == "sent"
    assert pending_delivery(api)["status"] == "sent"  # the email waits on the newer invitation


def test_delivery_report_without_the_invitation_tags_is_not_about_an_invitation(
    clock: FakeClock, runtime: Services
) -> None:
    event = report(BOUNCED, invitation_id=None, account_id=None, email=JANE, at=clock())

    assert deliver_report(event) == {"delivery": "bounced", "recorded": False, "suppressed": False}


def test_delivery_report_about_an_unknown_invitation_records_nothing_but_its_complaint_still_stops_mail(
    api: Api, clock: FakeClock
) -> None:
    account_id = provision(api, BOB)["account_id"]
    event = report(
        COMPLAINED, invitation_id="inv_01JDZ7Q0000000000000000099", account_id=account_id, email=JANE, at=clock()
    )

    answer = deliver_report(event)

    assert answer == {"delivery": "complained", "recorded": False, "suppressed": True}
    refused = provision_globex(api, JANE)
    assert (refused.status, refused.code) == (409, "EMAIL_SUPPRESSED")


def test_delivery_report_is_one_query_one_transaction_and_one_update_never_a_scan(
    api: Api, clock: FakeClock, calls: CallCounter
) -> None:
    provision(api)
    found = invitations(api, JANE)[0]
    calls.reset()

    deliver_report(
        report(DELIVERED, invitation_id=found["invitation_id"], account_id=found["account_id"], email=JANE, at=clock())
    )
    delivered = calls.of("dynamodb")
    calls.reset()
    deliver_report(
        report(COMPLAINED, invitation_id=found["invitation_id"], account_id=found["account_id"], email=JANE, at=clock())
    )

    # the invitation's delivery with its event (the timeline's head read to number it), then the ownership's copy
    assert delivered == {
        "dynamodb.Query": 1,
        "dynamodb.GetItem": 1,
        "dynamodb.TransactWriteItems": 1,
        "dynamodb.UpdateItem": 1,
    }
    # a complaint also stops mail to the address, with its own event
    assert calls.of("dynamodb") == {
        "dynamodb.Query": 1,
        "dynamodb.GetItem": 2,
        "dynamodb.TransactWriteItems": 2,
        "dynamodb.UpdateItem": 1,
    }


# --- Suppression: a complaint stops invitation emails to the address until support lifts it ---


@pytest.fixture
def complained(api: Api, clock: FakeClock) -> str:
    """Jane's invitation email was marked as spam: the account she is invited to."""
    account_id: str = provision(api)["account_id"]
    reported(api, COMPLAINED, at=clock() + timedelta(seconds=2))
    clock.advance(minutes=2)  # past the cooldown: a refusal is the suppression's, not the limits'
    return account_id


def test_suppressed_email_join_renew_and_colleague_invitation_answer_409_email_suppressed(
    api: Api, complained: str
) -> None:
    sent_before = len(sent_emails())
    answers = [
        api.post(f"/v1/accounts/{complained}/join", {"email": JANE}),
        api.post("/v1/invitations/renew", {"token": latest_token()}),
        api.post(f"/v1/internal/accounts/{complained}/invitations", {"email": JANE}),
    ]

    assert [(answer.status, answer.code) for answer in answers] == [(409, "EMAIL_SUPPRESSED")] * 3
    assert len(sent_emails()) == sent_before


def test_suppressed_email_provisioning_answers_409_email_suppressed_once_the_email_is_free(
    api: Api, complained: str
) -> None:
    invitation_id = invitations(api, JANE)[0]["invitation_id"]
    assert api.delete(f"/v1/internal/accounts/{complained}/invitations/{invitation_id}").status == 204  # free again

    answer = provision_globex(api, JANE)

    assert (answer.status, answer.code) == (409, "EMAIL_SUPPRESSED")


def test_suppressed_email_resend_answers_as_for_any_address_and_sends_nothing(
    api: Api, complained: str, clock: FakeClock
) -> None:
    sent_before = len(sent_emails())

    suppressed, unknown = (
        api.post("/v1/invitations/resend", {"email": JANE}),
        api.post("/v1/invitations/resend", {"email": "nobody@example.com"}),
    )
    again = api.post("/v1/invitations/resend", {"email": JANE})  # within the cooldown, as for any address

    assert unknown.status == 202
    assert (suppressed.status, suppressed.body) == (unknown.status, unknown.body)
    assert (again.status, again.code) == (429, "RATE_LIMITED")
    assert len(sent_emails()) == sent_before


def test_suppression_lifted_lets_invitation_emails_go_again(api: Api, complained: str) -> None:
    lifted = api.delete("/v1/internal/suppressions/jane%40example.com")  # as a client percent-encodes it

    assert lifted.status == 204
    joined = api.post(f"/v1/accounts/{complained}/join", {"email": JANE})
    assert joined.status == 202, joined.body


@pytest.mark.parametrize("path", ["jane@example.com", "Jane%40Example.com", "nobody@example.com"])
def test_suppression_lift_answers_204_whether_or_not_there_is_one(api: Api, path: str) -> None:
    assert api.delete(f"/v1/internal/suppressions/{path}").status == 204


def test_suppression_lift_of_something_that_is_not_an_email_answers_422(api: Api) -> None:
    answer = api.delete("/v1/internal/suppressions/not-an-email")

    assert (answer.status, answer.code) == (422, "VALIDATION_ERROR")
    assert answer.body["errors"][0]["field"] == "email"


def test_suppression_recorded_after_the_read_stops_the_invitation_being_written(
    api: Api, runtime: Services, clock: FakeClock
) -> None:
    provision(api)
    record = runtime.store.email_record(JANE)
    owner, mail_log = record.owner, record.log(Budget.BACK_OFFICE)
    assert owner is not None
    assert record.suppression is None
    now = clock.advance(minutes=2)
    invitation, _ = new_invitation(runtime, account=owner, email=JANE, now=now, language=Language("en", chosen=False))
    issue = Issue(
        invitation=invitation,
        mail_before=mail_log,
        mail_after=admit(runtime, mail_log, now),
        events=(sent_event(invitation, actor=Actor.ADMINISTRATOR, reason="colleague", budget=Budget.BACK_OFFICE),),
        ownership_before=owner,
    )
    runtime.store.suppress(
        Suppression(email=JANE, at=clock()), None
    )  # a complaint lands between the read and the write

    with pytest.raises(Conflict):
        runtime.store.issue(issue)


# --- The email carries what ties SES's reports to its invitation ---


def test_invitation_email_carries_its_invitation_and_account_as_ses_tags_and_no_token(api: Api) -> None:
    with sending_options():
        provisioned = provision(api)

    (message,) = ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages
    assert message.tags == {
        "category": "invitation",
        "invitation_id": provisioned["invitation"]["invitation_id"],
        "account_id": provisioned["account_id"],
    }
    token = latest_token()
    assert token not in repr(message.tags)
    assert token_hash(token) not in repr(message.tags)
