"""The invitation logic called directly on an in-memory store, with a fake clock, tokens and a recording mailer."""

from __future__ import annotations

from datetime import timedelta

import pytest

from business_accounts.logic import accounts, invitations
from business_accounts.logic.services import Services
from business_accounts.models import api
from business_accounts.models.errors import (
    InvitationExpired,
    InvitationNotFound,
    InvitationSuperseded,
    PendingInvitationExists,
)
from business_accounts.models.types import DeliveryStatus, InvitationStatus
from tests.support.fakes import FakeClock, RecordingMailer, Stream
from tests.support.memory_store import MemoryStore

JANE = "jane@example.com"


def provision(logic: Services) -> api.ProvisionedAccount:
    request = api.ProvisionRequest(company_name="ACME Ltd", administrator_email=JANE, created_via="reseller")
    return accounts.provision(logic, request)


def test_invitation_expires_exactly_at_expires_at(logic: Services, clock: FakeClock, mailer: RecordingMailer) -> None:
    provisioned = provision(logic)
    token = mailer.last_token

    clock.now = provisioned.invitation.expires_at - timedelta(seconds=1)
    assert invitations.preview(logic, token=token).status is InvitationStatus.PENDING
    clock.advance(seconds=1)
    with pytest.raises(InvitationExpired):
        invitations.preview(logic, token=token)


def test_join_supersedes_the_previous_link(logic: Services, clock: FakeClock, mailer: RecordingMailer) -> None:
    provisioned = provision(logic)
    first = mailer.last_token
    clock.advance(minutes=2)

    invitations.join(logic, account_id=provisioned.account_id, email=JANE)

    with pytest.raises(InvitationSuperseded):
        invitations.accept(logic, token=first)
    assert invitations.accept(logic, token=mailer.last_token).email == JANE


def test_refused_email_is_recorded_rejected_and_gives_its_count_back(
    logic: Services, clock: FakeClock, mailer: RecordingMailer, store: MemoryStore
) -> None:
    provisioned = provision(logic)
    clock.advance(minutes=2)
    mailer.refuse_next = 1

    refused = invitations.join(logic, account_id=provisioned.account_id, email=JANE)

    assert refused.status == "invitation_sent"  # the invitation is written; its email is the outbox's
    owner = store.owners[JANE]
    assert owner.invitation_delivery is not None
    assert owner.invitation_delivery.status is DeliveryStatus.REJECTED
    again = invitations.join(logic, account_id=provisioned.account_id, email=JANE)  # no wait: no email left
    assert again.status == "invitation_sent"
    assert len(mailer.sent) == 2  # the provisioning's and the second join's


def test_email_whose_outcome_is_unknown_is_sent_again_with_the_same_link(
    logic: Services, mailer: RecordingMailer, stream: Stream
) -> None:
    mailer.fail_next = 1

    provisioned = provision(logic)

    assert mailer.sent == []  # SES timed out: the stream keeps the event
    stream.retry()
    assert [email.invitation_id for email in mailer.sent] == [provisioned.invitation.invitation_id]
    assert invitations.accept(logic, token=mailer.last_token).email == JANE


def test_register_after_expiry_reports_the_invitation_as_expired(logic: Services, clock: FakeClock) -> None:
    provision(logic)
    clock.advance(days=7)

    with pytest.raises(PendingInvitationExists) as pending:
        accounts.register(logic, api.RegisterRequest(email=JANE, company_name="ACME"))

    assert pending.value.body()["invitation"]["status"] == "expired"


def test_unknown_token_is_not_found(logic: Services) -> None:
    with pytest.raises(InvitationNotFound):
        invitations.preview(logic, token="t" * 43)
