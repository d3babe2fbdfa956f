"""Self-service registration proves its email: unverified until confirmed, and an unverified claim yields to all."""

from __future__ import annotations

import pytest

from business_accounts.logic import accounts, cleanup, invitations
from business_accounts.logic.services import Services
from business_accounts.models import api
from business_accounts.models.errors import (
    AccountUnverified,
    AlreadyRegistered,
    InvitationExpired,
    InvitationSuperseded,
    PendingInvitationExists,
    RegistrationRemoved,
    RegistrationReplaced,
)
from business_accounts.models.types import AdministratorState, InvitationPurpose
from tests.support.fakes import FakeClock, RecordingMailer
from tests.support.memory_store import MemoryStore

JANE = "jane@example.com"
SQUATTER_COMPANY = "Totally Victim Inc"


def register(logic: Services, company: str = "ACME", email: str = JANE) -> api.RegisteredAccount:
    return accounts.register(logic, api.RegisterRequest(email=email, company_name=company))


def provision(logic: Services, email: str = JANE) -> api.ProvisionedAccount:
    request = api.ProvisionRequest(company_name="ACME Ltd", administrator_email=email, created_via="reseller")
    return accounts.provision(logic, request)


def test_register_new_email_is_unverified_and_mails_a_confirmation(
    logic: Services, store: MemoryStore, mailer: RecordingMailer
) -> None:
    registered = register(logic)

    assert registered.status == "verification_sent"
    assert not store.accounts[registered.account_id].verified
    assert store.owners[JANE].state is AdministratorState.INVITED
    assert store.owners[JANE].unverified
    assert [(mail.to, mail.purpose) for mail in mailer.sent] == [(JANE, InvitationPurpose.CONFIRMATION)]
    assert mailer.sent[0].expires_at == registered.expires_at


def test_register_confirmed_makes_the_account_verified_and_the_registrant_active(
    logic: Services, store: MemoryStore, mailer: RecordingMailer, clock: FakeClock
) -> None:
    registered = register(logic)

    invitations.accept(logic, token=mailer.last_token)

    assert store.accounts[registered.account_id].verified
    assert store.owners[JANE].state is AdministratorState.ACTIVE
    assert not store.owners[JANE].unverified
    clock.advance(minutes=2)
    with pytest.raises(AlreadyRegistered):
        register(logic)


def test_register_of_an_unverified_claim_replaces_it_and_its_link_stops_working(
    logic: Services, store: MemoryStore, mailer: RecordingMailer, clock: FakeClock
) -> None:
    squatted = register(logic, SQUATTER_COMPANY)
    squatter_link = mailer.last_token
    clock.advance(minutes=2)

    mine = register(logic, "ACME")

    assert mine.account_id != squatted.account_id
    assert squatted.account_id not in store.accounts
    with pytest.raises(InvitationSuperseded):
        invitations.preview(logic, token=squatter_link)
    assert invitations.accept(logic, token=mailer.last_token).account_id == mine.account_id


def test_provisioning_discards_an_unverified_claim_and_invites_as_if_the_email_were_free(
    logic: Services, store: MemoryStore, mailer: RecordingMailer
) -> None:
    squatted = register(logic, SQUATTER_COMPANY)
    squatter_link = mailer.last_token

    provisioned = provision(logic)

    assert squatted.account_id not in store.accounts
    assert store.owners[JANE].account_id == provisioned.account_id
    assert not store.owners[JANE].unverified
    with pytest.raises(InvitationSuperseded):
        invitations.accept(logic, token=squatter_link)
    assert invitations.accept(logic, token=mailer.last_token).account_id == provisioned.account_id


def test_colleague_invitation_discards_an_unverified_claim(
    logic: Services, store: MemoryStore, mailer: RecordingMailer
) -> None:
    provisioned = provision(logic, "boss@example.com")
    invitations.accept(logic, token=mailer.last_token)
    squatted = register(logic, SQUATTER_COMPANY)

    invitations.invite(logic, account_id=provisioned.account_id, email=JANE, invited_by="boss@example.com")

    assert squatted.account_id not in store.accounts
    assert store.owners[JANE].account_id == provisioned.account_id


def test_unverified_account_takes_no_colleague_invitations(logic: Services) -> None:
    registered = register(logic)

    with pytest.raises(AccountUnverified):
        invitations.invite(logic, account_id=registered.account_id, email="colleague@example.com", invited_by=JANE)


def test_register_of_an_email_someone_else_stands_behind_answers_pending_invitation(logic: Services) -> None:
    provision(logic)

    with pytest.raises(PendingInvitationExists):
        register(logic)


def test_cleanup_removes_an_unconfirmed_registration_and_frees_its_email(
    logic: Services, store: MemoryStore, clock: FakeClock
) -> None:
    registered = register(logic)
    clock.advance(days=7)

    run = cleanup.expire_overdue(logic, seconds_left=lambda: 300.0)

    assert run.expired == 1
    assert registered.account_id not in store.accounts
    assert JANE not in store.owners
    assert [event.type for event in store.events(registered.account_id)][-2:] == [
        "invitation.expired",
        "account.discarded",
    ]


def test_renew_of_an_expired_confirmation_mails_a_new_one_that_confirms_the_registration(
    logic: Services, store: MemoryStore, mailer: RecordingMailer, clock: FakeClock
) -> None:
    registered = register(logic)
    expired = mailer.last_token
    clock.advance(days=8)  # before the cleanup came by

    invitations.renew(logic, token=expired)
    invitations.accept(logic, token=mailer.last_token)

    assert [mail.purpose for mail in mailer.sent] == [InvitationPurpose.CONFIRMATION] * 2
    assert store.accounts[registered.account_id].verified


def test_renew_of_a_confirmation_the_cleanup_removed_answers_that_its_registration_is_gone(
    logic: Services, mailer: RecordingMailer, clock: FakeClock
) -> None:
    register(logic)
    expired = mailer.last_token
    clock.advance(days=8)
    cleanup.expire_overdue(logic, seconds_left=lambda: 300.0)

    with pytest.raises(RegistrationRemoved) as gone:
        invitations.renew(logic, token=expired)

    assert isinstance(gone.value, InvitationExpired)  # the link's own state: no administrator withdrew anything
    assert len(mailer.sent) == 1


@pytest.mark.parametrize("taken_by", ["a new registration", "provisioning"])
def test_renew_of_a_replaced_confirmation_answers_superseded_and_leaves_what_replaced_it(
    logic: Services, store: MemoryStore, mailer: RecordingMailer, clock: FakeClock, taken_by: str
) -> None:
    squatted = register(logic, SQUATTER_COMPANY)
    squatter_link = mailer.last_token
    clock.advance(minutes=2)
    replacing = register(logic).account_id if taken_by == "a new registration" else provision(logic).account_id

    with pytest.raises(RegistrationReplaced) as gone:
        invitations.renew(logic, token=squatter_link)

    assert isinstance(gone.value, InvitationSuperseded)
    assert squatted.account_id not in store.accounts
    assert store.owners[JANE].account_id == replacing
    assert len(mailer.sent) == 2


def test_register_of_a_suppressed_address_answers_alike_and_mails_nothing(
    logic: Services, store: MemoryStore, mailer: RecordingMailer
) -> None:
    from business_accounts.models.items import Suppression

    store.suppressions[JANE] = Suppression(email=JANE, at=logic.clock())

    registered = register(logic)

    assert registered.status == "verification_sent"
    assert mailer.sent == []
