"""Budgets that belong to the right party: what the public spends cannot block back-office emails, and a resend
for an address with nothing to send spends nothing a real email to it would need."""

from __future__ import annotations

import pytest

from business_accounts.logic import accounts, invitations
from business_accounts.logic.services import Services
from business_accounts.models import api
from business_accounts.models.errors import PendingInvitationExists, RateLimited
from business_accounts.models.types import Budget
from tests.support.fakes import FakeClock, RecordingMailer
from tests.support.memory_store import MemoryStore

JANE = "jane@example.com"


def provision(logic: Services, email: str = JANE, company: str = "ACME Ltd") -> api.ProvisionedAccount:
    request = api.ProvisionRequest(company_name=company, administrator_email=email, created_via="sales")
    return accounts.provision(logic, request)


def test_resends_for_an_address_without_invitation_never_block_its_provisioning(
    logic: Services, clock: FakeClock, mailer: RecordingMailer
) -> None:
    for _ in range(10):  # a whole day's public budget, one a minute
        invitations.resend(logic, email=JANE)
        clock.advance(minutes=1)
    with pytest.raises(RateLimited):
        invitations.resend(logic, email=JANE)  # its answers are those of any address

    provision(logic)

    assert [mail.to for mail in mailer.sent] == [JANE]


def test_public_requests_cannot_use_up_the_back_office_budget(
    logic: Services, clock: FakeClock, mailer: RecordingMailer
) -> None:
    provisioned = provision(logic)
    for _ in range(9):  # the rest of the public day, one a minute
        clock.advance(minutes=1)
        invitations.join(logic, account_id=provisioned.account_id, email=JANE)
    clock.advance(minutes=1)

    invitations.invite(logic, account_id=provisioned.account_id, email=JANE, invited_by="sales@example.com")

    assert len(mailer.sent) == 11


def test_join_straight_after_provisioning_is_not_held_back_by_the_back_office_email(
    logic: Services, mailer: RecordingMailer
) -> None:
    provisioned = provision(logic)

    invitations.join(logic, account_id=provisioned.account_id, email=JANE)  # no cooldown: another budget

    assert len(mailer.sent) == 2


def test_a_double_click_on_join_sends_one_email(logic: Services, mailer: RecordingMailer) -> None:
    provisioned = provision(logic)
    invitations.join(logic, account_id=provisioned.account_id, email=JANE)

    with pytest.raises(RateLimited):
        invitations.join(logic, account_id=provisioned.account_id, email=JANE)

    assert len(mailer.sent) == 2


def test_pending_invitation_tells_when_join_can_send_again(
    logic: Services, clock: FakeClock, store: MemoryStore
) -> None:
    provisioned = provision(logic)
    invitations.join(logic, account_id=provisioned.account_id, email=JANE)
    clock.advance(seconds=20)

    with pytest.raises(PendingInvitationExists) as pending:
        accounts.register(logic, api.RegisterRequest(email=JANE, company_name="ACME"))

    assert pending.value.body()["invitation"]["next_email_in"] == 40
    assert store.email_record(JANE).log(Budget.BACK_OFFICE).sent_at  # the provisioning counted apart
