"""The Store protocol's promises, held by the DynamoDB store (on moto) and by the unit tests' MemoryStore alike."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from datetime import datetime, timedelta

import boto3
import pytest

from business_accounts.adapters.environment import load_settings
from business_accounts.adapters.wiring import build_services
from business_accounts.logic.store import Conflict, EmailTaken, InvitationChanged, Issue, MailCounted, Store
from business_accounts.logic.tokens import token_hash
from business_accounts.models.items import Account, Administrator, Delivery, Invitation, MailLog, Suppression
from business_accounts.models.lifetime import expiry
from business_accounts.models.types import AdministratorState, CreatedVia, DeliveryStatus, InvitationStatus, sortable_id
from tests.support.environment import TABLE_NAMES
from tests.support.fakes import START
from tests.support.memory_store import MemoryStore

JANE = "jane@example.com"
BOB = "bob@example.com"
_SEQUENCE = itertools.count(1)  # invitation ids that sort by creation even within one millisecond


@pytest.fixture(params=["dynamodb", "memory"])
def store(request: pytest.FixtureRequest) -> Store:
    if request.param == "memory":
        return MemoryStore()
    request.getfixturevalue("aws")
    return build_services(load_settings()).store


def an_account(name: str = "ACME Ltd") -> Account:
    return Account(account_id=sortable_id("acc"), company_name=name, created_via=CreatedVia.SALES, created_at=START)


def an_invitation(account: Account, email: str = JANE, *, at: datetime = START) -> Invitation:
    return Invitation(
        token_hash=token_hash(sortable_id("tok")),
        invitation_id=f"inv_{next(_SEQUENCE):026d}",
        account_id=account.account_id,
        company_name=account.company_name,
        created_via=account.created_via,
        email=email,
        status=InvitationStatus.PENDING,
        created_at=at,
        expires_at=expiry(at, 3600),
    )


def mailed(log: MailLog, at: datetime = START) -> MailLog:
    return MailLog(email=log.email, sent_at=(*log.sent_at, int(at.timestamp())), version=log.version + 1)


def provisioned(store: Store, email: str = JANE) -> tuple[Account, Invitation, Issue]:
    """A new account whose invitation claims `email`: what provisioning writes."""
    account = an_account()
    invitation = an_invitation(account, email)
    _, log, _ = store.email_record(email)
    issue = Issue(invitation, log, mailed(log), new_account=account)
    store.issue(issue)
    return account, invitation, issue


def reissued(store: Store, previous: Invitation, *, at: datetime = START) -> tuple[Invitation, Issue]:
    """A newer invitation to the same email and account: what join writes."""
    owner, log, _ = store.email_record(previous.email)
    account = store.account(previous.account_id)
    assert owner is not None
    assert account is not None
    invitation = an_invitation(account, previous.email, at=at)
    issue = Issue(invitation, log, mailed(log, at), ownership_before=owner)
    store.issue(issue)
    return invitation, issue


def status_of(store: Store, invitation: Invitation) -> InvitationStatus:
    found = store.invitation(invitation.token_hash)
    assert found is not None
    return found.status


def test_store_create_account_of_a_taken_email_raises_email_taken_with_its_owner(store: Store) -> None:
    first = an_account()
    store.create_account(first, Administrator(account_id=first.account_id, email=JANE, state=AdministratorState.ACTIVE))
    second = an_account("Other")

    with pytest.raises(EmailTaken) as taken:
        store.create_account(
            second, Administrator(account_id=second.account_id, email=JANE, state=AdministratorState.ACTIVE)
        )

    assert taken.value.owner.account_id == first.account_id
    assert store.account(second.account_id) is None


def test_store_issue_claims_a_free_email_for_its_invitation_and_counts_the_email(store: Store) -> None:
    account, invitation, _ = provisioned(store)

    owner, log, _ = store.email_record(JANE)
    assert owner is not None
    assert (owner.account_id, owner.state, owner.invitation_id) == (
        account.account_id,
        "invited",
        invitation.invitation_id,
    )
    assert log.version == 1
    assert store.invitation(invitation.token_hash) == invitation
    found = store.account_with_administrators(account.account_id)
    assert found is not None
    assert [(admin.email, admin.state) for admin in found[1]] == [(JANE, AdministratorState.INVITED)]


def test_store_issue_claiming_a_taken_email_raises_email_taken_and_writes_nothing(store: Store) -> None:
    account, _, _ = provisioned(store)
    other = an_account("Other")
    invitation = an_invitation(other)
    issue = Issue(invitation, MailLog(email=JANE), mailed(MailLog(email=JANE)))

    with pytest.raises(EmailTaken) as taken:
        store.issue(dataclasses.replace(issue, new_account=other))

    assert taken.value.owner.account_id == account.account_id
    assert store.account(other.account_id) is None


def test_store_issue_to_an_account_that_does_not_exist_raises_conflict(store: Store) -> None:
    invitation = an_invitation(an_account())

    with pytest.raises(Conflict):
        store.issue(Issue(invitation, MailLog(email=JANE), mailed(MailLog(email=JANE))))


def test_store_issue_supersedes_the_invitation_the_email_waited_on(store: Store) -> None:
    _, first, _ = provisioned(store)

    second, _ = reissued(store, first)

    assert status_of(store, first) is InvitationStatus.SUPERSEDED
    owner, log, _ = store.email_record(JANE)
    assert owner is not None
    assert owner.invitation_id == second.invitation_id
    assert log.version == 2


def test_store_issue_whose_mail_log_alone_changed_raises_mail_counted(store: Store) -> None:
    _, first, _ = provisioned(store)
    owner, log, _ = store.email_record(JANE)
    store.record_mail(log, mailed(log))  # another email counted meanwhile
    invitation = an_invitation(store.account(first.account_id))  # type: ignore[arg-type]

    with pytest.raises(MailCounted):
        store.issue(Issue(invitation, log, mailed(log), ownership_before=owner))


def test_store_issue_whose_email_moved_on_raises_conflict_not_mail_counted(store: Store) -> None:
    _, first, _ = provisioned(store)
    owner, log, _ = store.email_record(JANE)
    reissued(store, first)  # the email now waits on another invitation, and its log moved on too
    invitation = an_invitation(store.account(first.account_id))  # type: ignore[arg-type]

    with pytest.raises(Conflict) as conflict:
        store.issue(Issue(invitation, log, mailed(log), ownership_before=owner))

    assert not isinstance(conflict.value, MailCounted | EmailTaken)


def test_store_undo_issue_puts_back_the_previous_invitation_and_the_mail_log(store: Store) -> None:
    _, first, _ = provisioned(store)
    second, issue = reissued(store, first)

    store.undo_issue(issue)

    assert status_of(store, first) is InvitationStatus.PENDING
    assert store.invitation(second.token_hash) is None
    owner, log, _ = store.email_record(JANE)
    assert owner is not None
    assert owner.invitation_id == first.invitation_id
    assert log.version == 1


def test_store_undo_issue_of_a_claim_frees_the_email_and_removes_the_account(store: Store) -> None:
    account, invitation, issue = provisioned(store)

    store.undo_issue(issue)

    assert store.email_record(JANE) == (None, MailLog(email=JANE), None)
    assert store.account(account.account_id) is None
    assert store.invitation(invitation.token_hash) is None


def test_store_accept_makes_the_email_an_active_administrator(store: Store) -> None:
    account, invitation, _ = provisioned(store)

    store.accept(invitation, START + timedelta(minutes=5))

    owner, _, _ = store.email_record(JANE)
    assert owner is not None
    assert (owner.state, owner.invitation_id) == (AdministratorState.ACTIVE, None)
    assert status_of(store, invitation) is InvitationStatus.ACCEPTED
    found = store.account_with_administrators(account.account_id)
    assert found is not None
    assert [(admin.email, admin.state) for admin in found[1]] == [(JANE, AdministratorState.ACTIVE)]


@pytest.mark.parametrize(
    ("change", "now_status"),
    [
        (lambda store, invitation: store.accept(invitation, START), InvitationStatus.ACCEPTED),
        (reissued, InvitationStatus.SUPERSEDED),
        (lambda store, invitation: store.revoke(invitation), InvitationStatus.REVOKED),
    ],
    ids=["accepted", "superseded", "revoked"],
)
def test_store_accept_of_an_invitation_changed_meanwhile_raises_invitation_changed_with_it_as_it_is(
    store: Store, change: Callable[[Store, Invitation], object], now_status: InvitationStatus
) -> None:
    _, invitation, _ = provisioned(store)
    change(store, invitation)

    with pytest.raises(InvitationChanged) as changed:
        store.accept(invitation, START)

    assert changed.value.current is not None
    assert changed.value.current.status is now_status


def test_store_accept_at_the_expiry_instant_raises_invitation_changed(store: Store) -> None:
    _, invitation, _ = provisioned(store)

    with pytest.raises(InvitationChanged):
        store.accept(invitation, invitation.expires_at)


def test_store_revoke_frees_the_email_and_twice_raises_conflict(store: Store) -> None:
    _, invitation, _ = provisioned(store)

    store.revoke(invitation)

    assert store.email_record(JANE)[0] is None
    assert status_of(store, invitation) is InvitationStatus.REVOKED
    with pytest.raises(Conflict):
        store.revoke(invitation)


def test_store_record_mail_raced_by_another_raises_mail_counted(store: Store) -> None:
    _, log, _ = store.email_record(BOB)
    store.record_mail(log, mailed(log))

    with pytest.raises(MailCounted):
        store.record_mail(log, mailed(log))


def test_store_expire_marks_only_pending_invitations_past_their_expiry(store: Store) -> None:
    _, early, _ = provisioned(store, JANE)
    _, late, _ = provisioned(store, BOB)
    store.accept(late, START)
    after = early.expires_at

    assert list(store.expired_pending(after - timedelta(seconds=1))) == []
    assert list(store.expired_pending(after)) == [early.token_hash]
    assert store.expire(early.token_hash, after - timedelta(seconds=1)) is False
    assert store.expire(early.token_hash, after) is True
    assert store.expire(early.token_hash, after) is False
    assert store.expire(late.token_hash, after) is False
    assert status_of(store, early) is InvitationStatus.EXPIRED
    assert list(store.expired_pending(after)) == []


def test_store_invitations_of_an_account_page_newest_first(store: Store) -> None:
    _, first, _ = provisioned(store)
    second, _ = reissued(store, first, at=START + timedelta(minutes=1))
    third, _ = reissued(store, second, at=START + timedelta(minutes=2))

    page = store.invitations_of(first.account_id, before_id=None, page_size=2)
    rest = store.invitations_of(first.account_id, before_id=page[-1].invitation_id, page_size=2)

    assert [item.invitation_id for item in page + rest] == [
        third.invitation_id,
        second.invitation_id,
        first.invitation_id,
    ]
    assert store.find_invitation(first.account_id, second.invitation_id) == store.invitation(second.token_hash)
    assert store.find_invitation(first.account_id, "inv_" + "0" * 26) is None


# --- Delivery feedback ---


def report(status: DeliveryStatus, rank: int) -> Delivery:
    return Delivery(status=status, at=START + timedelta(minutes=rank), rank=rank)


def test_store_record_delivery_keeps_the_report_that_outranks_and_ignores_duplicates(store: Store) -> None:
    _, invitation, _ = provisioned(store)
    bounced, delivered = report(DeliveryStatus.BOUNCED, 20), report(DeliveryStatus.DELIVERED, 10)

    assert store.record_delivery(invitation, bounced) is True
    assert store.record_delivery(invitation, bounced) is False  # the same report again
    assert store.record_delivery(invitation, delivered) is False  # outranked: it cannot hide the bounce

    found = store.invitation(invitation.token_hash)
    owner, _, _ = store.email_record(JANE)
    assert found is not None
    assert owner is not None
    assert found.delivery == owner.invitation_delivery == bounced


def test_store_record_delivery_of_a_superseded_invitation_leaves_the_email_on_its_newer_one(store: Store) -> None:
    _, first, _ = provisioned(store)
    second, _ = reissued(store, first)

    assert store.record_delivery(first, report(DeliveryStatus.BOUNCED, 20)) is True

    owner, _, _ = store.email_record(JANE)
    assert owner is not None
    assert owner.invitation_id == second.invitation_id
    assert owner.invitation_delivery == second.delivery  # untouched by a report on the first


def test_store_record_delivery_of_an_invitation_that_is_gone_records_nothing(store: Store) -> None:
    invitation = an_invitation(an_account())

    assert store.record_delivery(invitation, report(DeliveryStatus.DELIVERED, 10)) is False


def test_store_suppression_stops_issues_to_the_address_until_it_is_lifted(store: Store) -> None:
    _, first, _ = provisioned(store)
    suppression = Suppression(email=JANE, at=START, invitation_id=first.invitation_id)

    assert store.suppress(suppression) is True
    assert store.suppress(suppression.model_copy(update={"invitation_id": None})) is False  # the first is kept
    assert store.email_record(JANE)[2] == suppression
    with pytest.raises(Conflict):
        reissued(store, first)

    assert store.lift_suppression(JANE) is True
    assert store.lift_suppression(JANE) is False
    assert store.email_record(JANE)[2] is None
    reissued(store, first)


def test_store_ownerships_of_some_emails_are_those_that_have_one(store: Store) -> None:
    provisioned(store, JANE)

    found = store.ownerships([JANE, BOB, JANE])

    assert [owner.email for owner in found] == [JANE]


# --- The DynamoDB store's own: what DynamoDB's TTL deletes, and when ---


def ttl_of(invitation: Invitation) -> int:
    item = boto3.client("dynamodb").get_item(
        TableName=TABLE_NAMES["InvitationsTable"], Key={"token_hash": {"S": invitation.token_hash}}
    )["Item"]
    return int(item["ttl"]["N"])


def test_dynamodb_store_invitation_ttl_is_its_expiry_plus_thirty_days_retention(aws: None) -> None:
    _, invitation, _ = provisioned(build_services(load_settings()).store)

    assert ttl_of(invitation) == invitation.expires_epoch + 30 * 86_400


def test_dynamodb_store_invitation_ttl_follows_the_retention_setting(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INVITATION_RETENTION_SECONDS", "60")
    load_settings.cache_clear()

    _, invitation, _ = provisioned(build_services(load_settings()).store)

    assert ttl_of(invitation) == invitation.expires_epoch + 60
