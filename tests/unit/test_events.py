"""Every change writes its events and nothing else does: one table of operations, each with the events it tells."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from jsonschema import Draft202012Validator

from business_accounts.logic import accounts, cleanup, feedback, invitations, timeline
from business_accounts.logic.services import Services
from business_accounts.models import api
from business_accounts.models.errors import AccountNotFound, DomainError
from tests.support.fakes import FakeClock, RecordingMailer
from tests.support.memory_store import MemoryStore
from tests.support.ses import COMPLAINED, DELIVERED, report
from tools.event_schemas import FOLDER as EVENT_SCHEMAS
from tools.event_schemas import documents

JANE = "jane@example.com"
BOSS = "boss@example.com"


@dataclass
class World:
    logic: Services
    store: MemoryStore
    mailer: RecordingMailer
    clock: FakeClock
    account_id: str = ""

    def provisioned(self, email: str = JANE) -> World:
        request = api.ProvisionRequest(company_name="ACME Ltd", administrator_email=email, created_via="reseller")
        self.account_id = accounts.provision(self.logic, request).account_id
        self.clock.advance(minutes=2)
        return self

    def everything(self) -> list[tuple[str, str]]:
        return [(event.account_id, event.type) for events in self.store.timelines.values() for event in events]


def _register(world: World) -> None:
    accounts.register(world.logic, api.RegisterRequest(email=JANE, company_name="ACME"))


def _register_again(world: World) -> None:
    _register(world)
    world.clock.advance(minutes=2)
    _register(world)


def _join(world: World) -> None:
    invitations.join(world.provisioned().logic, account_id=world.account_id, email=JANE)


def _resend(world: World) -> None:
    invitations.resend(world.provisioned().logic, email=JANE)


def _renew(world: World) -> None:
    world.provisioned()
    invitations.renew(world.logic, token=world.mailer.last_token)


def _accept(world: World) -> None:
    invitations.accept(world.provisioned().logic, token=world.mailer.last_token)


def _confirm(world: World) -> None:
    _register(world)
    invitations.accept(world.logic, token=world.mailer.last_token)


def _invite(world: World) -> None:
    world.provisioned(BOSS)
    invitations.accept(world.logic, token=world.mailer.last_token)
    invitations.invite(world.logic, account_id=world.account_id, email=JANE, invited_by=BOSS)


def _revoke(world: World) -> None:
    world.provisioned()
    invitation_id = world.mailer.sent[-1].invitation_id
    invitations.revoke(world.logic, account_id=world.account_id, invitation_id=invitation_id)


def _expire(world: World) -> None:
    world.provisioned().clock.advance(days=7)
    cleanup.expire_overdue(world.logic, seconds_left=lambda: 300.0)


def _ses_report(world: World) -> None:
    sent = world.provisioned().mailer.sent[-1]
    at = world.clock()
    feedback.record(
        world.logic, report(DELIVERED, invitation_id=sent.invitation_id, account_id=sent.account_id, email=JANE, at=at)
    )


def _complaint(world: World) -> None:
    sent = world.provisioned().mailer.sent[-1]
    at = world.clock()
    feedback.record(
        world.logic, report(COMPLAINED, invitation_id=sent.invitation_id, account_id=sent.account_id, email=JANE, at=at)
    )


def _lift(world: World) -> None:
    _complaint(world)
    feedback.lift_suppression(world.logic, email=JANE)


PROVISIONED = ["account.created", "invitation.sent", "invitation.delivery"]
# Each operation (after what it needs), and the events of everything in the world after it, in order.
OPERATIONS: dict[str, tuple[Callable[[World], None], list[str]]] = {
    "provision": (lambda world: world.provisioned() and None, PROVISIONED),
    "register": (_register, PROVISIONED),
    "register again": (
        _register_again,
        [*PROVISIONED, "invitation.superseded", "account.discarded", *PROVISIONED],
    ),
    "join": (_join, [*PROVISIONED, "invitation.superseded", "invitation.sent", "invitation.delivery"]),
    "resend": (_resend, [*PROVISIONED, "invitation.superseded", "invitation.sent", "invitation.delivery"]),
    "renew": (_renew, [*PROVISIONED, "invitation.superseded", "invitation.sent", "invitation.delivery"]),
    "accept": (_accept, [*PROVISIONED, "invitation.accepted"]),
    "confirm": (_confirm, [*PROVISIONED, "invitation.accepted", "account.verified"]),
    "invite": (_invite, [*PROVISIONED, "invitation.accepted", "invitation.sent", "invitation.delivery"]),
    "revoke": (_revoke, [*PROVISIONED, "invitation.revoked"]),
    "expire": (_expire, [*PROVISIONED, "invitation.expired"]),
    "an SES report": (_ses_report, [*PROVISIONED, "invitation.delivery"]),
    "a complaint": (_complaint, [*PROVISIONED, "email.suppressed", "invitation.delivery"]),
    "lifting a suppression": (_lift, [*PROVISIONED, "email.suppressed", "invitation.delivery", "email.unsuppressed"]),
}


@pytest.fixture
def world(logic: Services, store: MemoryStore, mailer: RecordingMailer, clock: FakeClock) -> World:
    return World(logic, store, mailer, clock)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_events_every_change_writes_its_events_numbered_without_gaps(world: World, operation: str) -> None:
    run, expected = OPERATIONS[operation]

    run(world)

    assert [event_type for _, event_type in world.everything()] == expected
    for events in world.store.timelines.values():
        assert [event.sequence for event in events] == list(range(1, len(events) + 1))


def test_events_a_refused_request_writes_none(world: World) -> None:
    world.provisioned()
    before = world.everything()
    invitations.join(world.logic, account_id=world.account_id, email=JANE)
    written = world.everything()

    with pytest.raises(DomainError):
        invitations.join(world.logic, account_id=world.account_id, email=JANE)  # a double click: 429
    with pytest.raises(DomainError):
        invitations.accept(world.logic, token="t" * 43)  # no such invitation

    assert world.everything() == written
    assert len(written) == len(before) + 3


def test_events_carry_no_token_nor_its_hash(world: World) -> None:
    _invite(world)
    tokens = {world.logic.mint(mail.invitation_id) for mail in world.mailer.sent}
    hashes = {invitation.token_hash for invitation in world.store.invitations.values()}

    text = repr([event.model_dump() for events in world.store.timelines.values() for event in events])

    assert not any(secret in text for secret in tokens | hashes)


def test_timeline_pages_oldest_first_with_next_after(world: World) -> None:
    _join(world)
    _ = world

    first = timeline.timeline(world.logic, account_id=world.account_id, after=0, limit=4)
    rest = timeline.timeline(world.logic, account_id=world.account_id, after=first.next_after or 0, limit=4)

    assert [event.sequence for event in first.items] == [1, 2, 3, 4]
    assert first.next_after == 4
    assert [event.sequence for event in rest.items] == [5, 6]
    assert rest.next_after is None


def test_timeline_of_an_unknown_account_is_not_found(world: World) -> None:
    with pytest.raises(AccountNotFound):
        timeline.timeline(world.logic, account_id="acc_01JDZ3K4Q6W8X9Y2Z3A4B5C6D7", after=0, limit=10)


# --- The contract consumers validate against: docs/events/<type>.json ---


@pytest.mark.parametrize("operation", OPERATIONS)
def test_events_of_every_operation_match_the_json_schema_of_their_type(world: World, operation: str) -> None:
    run, _ = OPERATIONS[operation]

    run(world)

    for events in world.store.timelines.values():
        for event in events:
            envelope = event.model_dump(mode="json")
            schema = json.loads((EVENT_SCHEMAS / f"{event.type.value}.json").read_text(encoding="utf-8"))
            errors = [error.message for error in Draft202012Validator(schema).iter_errors(envelope)]
            assert errors == [], (event.type, envelope["data"])


def test_event_schemas_in_the_docs_are_the_ones_the_contract_writes() -> None:
    written = {path.name: path.read_text(encoding="utf-8") for path in EVENT_SCHEMAS.glob("*.json")}

    assert written == documents(), "run `make openapi`"
