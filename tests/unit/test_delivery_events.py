"""The delivery-feedback logic alone: SES's documented reports read, the ordering rule, and what `record` asks of
the store, with a fake store and no AWS at all."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from business_accounts.logic import feedback
from business_accounts.logic.feedback import SEVERITY, UnreadableReport, rank, read_report, record
from business_accounts.logic.services import Services
from business_accounts.models.events import NewEvent
from business_accounts.models.items import Delivery, Invitation, Suppression
from business_accounts.models.settings import Settings
from business_accounts.models.types import CreatedVia, DeliveryStatus, InvitationStatus
from tests.support.events import load_event
from tests.support.fakes import START, TEST_MINTER, RecordingMailer
from tests.support.ses import BOUNCED, BOUNCED_TRANSIENT, COMPLAINED, DELAYED, DELIVERED, REJECTED, report

INVITATION_ID, ACCOUNT_ID = "inv_01JDZ7Q0000000000000000003", "acc_01JDZ3K4Q6W8X9Y2Z3A4B5C6D7"
JANE = "jane@example.com"


@dataclass
class FakeStore:
    """Only what `record` asks: the invitation found by its tags, what was recorded, what was suppressed."""

    invitation: Invitation | None = None
    outranked: bool = False  # what record_delivery answers: the invitation already holds as much or more
    recorded: list[tuple[str, Delivery]] = field(default_factory=list)
    suppressed: list[Suppression] = field(default_factory=list)

    def find_invitation(self, account_id: str, invitation_id: str) -> Invitation | None:
        found = self.invitation
        return found if found and (found.account_id, found.invitation_id) == (account_id, invitation_id) else None

    told: list[NewEvent] = field(default_factory=list)  # the events its writes were given

    def record_delivery(self, invitation: Invitation, delivery: Delivery, event: NewEvent) -> bool:
        self.recorded.append((invitation.invitation_id, delivery))
        self.told.append(event)
        return not self.outranked

    def suppress(self, suppression: Suppression, event: NewEvent | None) -> bool:
        self.suppressed.append(suppression)
        self.told += [event] if event else []
        return True


def invitation(email: str = JANE) -> Invitation:
    return Invitation(
        token_hash="h" * 64,
        invitation_id=INVITATION_ID,
        account_id=ACCOUNT_ID,
        company_name="ACME Ltd",
        created_via=CreatedVia.SALES,
        email=email,
        status=InvitationStatus.PENDING,
        created_at=START,
        expires_at=START + timedelta(days=7),
        delivery=Delivery.sent(START),
    )


def services(store: FakeStore) -> Services:
    settings = Settings(
        accounts_table="AccountsTable",
        invitations_table="InvitationsTable",
        idempotency_table="IdempotencyTable",
        events_table="EventsTable",
        token_key_id="alias/InvitationTokenKey",
        sender_email="no-reply@example.com",
        accept_page_url="https://account.example.com/invitations/accept",
    )
    return Services(settings=settings, store=store, mailer=RecordingMailer(), mint=TEST_MINTER)  # type: ignore[arg-type]


def at(seconds: float) -> datetime:
    return START + timedelta(seconds=seconds)


# --- Reading SES's documented reports ---


@pytest.mark.parametrize(
    ("sample", "status", "when"),
    [
        (DELIVERED, DeliveryStatus.DELIVERED, "2026-11-26T09:00:03.140000+00:00"),
        (DELAYED, DeliveryStatus.DELAYED, "2026-11-26T09:10:01.095000+00:00"),
        (BOUNCED, DeliveryStatus.BOUNCED, "2026-11-26T09:00:02.669000+00:00"),
        (BOUNCED_TRANSIENT, DeliveryStatus.BOUNCED, "2026-11-26T21:00:04.806000+00:00"),
        (COMPLAINED, DeliveryStatus.COMPLAINED, "2026-11-26T09:12:39+00:00"),
        (REJECTED, DeliveryStatus.REJECTED, "2026-11-26T09:00:01.912000+00:00"),  # when SES took the email
    ],
)
def test_read_report_documented_sample_gives_its_status_time_recipient_and_invitation(
    sample: str, status: DeliveryStatus, when: str
) -> None:
    event = load_event(sample)

    found = read_report(event)

    assert found is not None
    assert (found.status, found.at.isoformat()) == (status, when)
    assert found.recipients == tuple(event["detail"]["mail"]["destination"])
    assert (found.invitation_id, found.account_id) == (
        event["detail"]["mail"]["tags"]["invitation_id"][0],
        event["detail"]["mail"]["tags"]["account_id"][0],
    )


def test_read_report_send_event_is_not_a_delivery_report() -> None:
    event = load_event(DELIVERED)
    event["detail"] = {"eventType": "Send", "mail": event["detail"]["mail"], "send": {}}

    assert read_report(event) is None


def test_read_report_detail_that_is_not_an_ses_record_raises() -> None:
    with pytest.raises(UnreadableReport, match="mail: missing"):
        read_report({"detail-type": "Email Bounced", "detail": {"eventType": "Bounce"}})


def test_read_report_unreadable_detail_names_where_it_is_wrong_but_no_address() -> None:
    event = load_event(BOUNCED)
    event["detail"]["mail"]["destination"] = "jane.doe@example.com"  # a string where SES sends a list
    event["detail"]["bounce"]["timestamp"] = "jane.doe@example.com"

    with pytest.raises(UnreadableReport) as raised:
        read_report(event)

    assert "mail.destination" in str(raised.value)
    assert "bounce.timestamp" in str(raised.value)
    assert "jane" not in str(raised.value)
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__


# --- The ordering rule ---


def test_rank_later_event_outranks_an_earlier_one_whatever_their_statuses() -> None:
    earlier_complaint = rank(DeliveryStatus.COMPLAINED, at(1))
    later_delivery = rank(DeliveryStatus.DELIVERED, at(1.001))

    assert later_delivery > earlier_complaint


@pytest.mark.parametrize(("graver", "milder"), list(zip(SEVERITY[1:], SEVERITY[:-1], strict=True)))
def test_rank_same_instant_graver_status_outranks(graver: DeliveryStatus, milder: DeliveryStatus) -> None:
    assert rank(graver, at(2.5)) > rank(milder, at(2.5))


def test_rank_sent_is_below_every_report_of_ses() -> None:
    assert Delivery.sent(at(100)).rank < rank(DeliveryStatus.DELIVERED, datetime(2000, 1, 1, tzinfo=UTC))


def test_severity_orders_every_delivery_status_once() -> None:
    assert sorted(SEVERITY) == sorted(DeliveryStatus)
    assert SEVERITY[0] is DeliveryStatus.SENT
    assert SEVERITY[-1] is DeliveryStatus.COMPLAINED


def test_report_delivery_is_shown_to_the_second_and_ranked_to_the_millisecond() -> None:
    found = read_report(load_event(BOUNCED))
    assert found is not None

    delivery = found.delivery

    assert delivery.at == datetime(2026, 11, 26, 9, 0, 2, tzinfo=UTC)
    assert delivery.rank == rank(DeliveryStatus.BOUNCED, datetime(2026, 11, 26, 9, 0, 2, 669_000, tzinfo=UTC))


# --- What recording asks of the store ---


def test_record_report_on_a_known_invitation_records_its_delivery() -> None:
    store = FakeStore(invitation=invitation())
    event = report(BOUNCED, invitation_id=INVITATION_ID, account_id=ACCOUNT_ID, email=JANE, at=at(3))

    outcome = record(services(store), event)

    assert outcome == feedback.Outcome(delivery=DeliveryStatus.BOUNCED, recorded=True, suppressed=False)
    ((recorded_on, delivery),) = store.recorded
    assert (recorded_on, delivery.status, delivery.rank) == (
        INVITATION_ID,
        "bounced",
        rank(DeliveryStatus.BOUNCED, at(3)),
    )
    assert store.suppressed == []


def test_record_report_the_store_finds_outranked_is_not_recorded() -> None:
    store = FakeStore(invitation=invitation(), outranked=True)
    event = report(DELIVERED, invitation_id=INVITATION_ID, account_id=ACCOUNT_ID, email=JANE, at=at(3))

    assert record(services(store), event).recorded is False


def test_record_complaint_suppresses_the_invitation_address() -> None:
    store = FakeStore(invitation=invitation())
    event = report(COMPLAINED, invitation_id=INVITATION_ID, account_id=ACCOUNT_ID, email=JANE, at=at(60))

    outcome = record(services(store), event)

    assert outcome.suppressed is True
    assert store.suppressed == [Suppression(email=JANE, at=at(60), invitation_id=INVITATION_ID, account_id=ACCOUNT_ID)]
    assert [event.type for event in store.told] == ["email.suppressed", "invitation.delivery"]


def test_record_complaint_about_an_unknown_invitation_suppresses_its_recipient_in_normal_form() -> None:
    store = FakeStore()
    event = report(
        COMPLAINED, invitation_id=INVITATION_ID, account_id=ACCOUNT_ID, email="Jane@XN--BCHER-KVA.de", at=at(60)
    )

    outcome = record(services(store), event)

    assert (outcome.recorded, outcome.suppressed) == (False, True)
    assert [suppression.email for suppression in store.suppressed] == ["jane@bücher.de"]
    assert store.recorded == []


def test_record_report_without_invitation_tags_asks_the_store_nothing() -> None:
    store = FakeStore(invitation=invitation())
    event = report(COMPLAINED, invitation_id=None, account_id=None, email=JANE, at=at(60))

    outcome = record(services(store), event)

    assert outcome == feedback.Outcome(delivery=DeliveryStatus.COMPLAINED, recorded=False, suppressed=False)
    assert (store.recorded, store.suppressed) == ([], [])
