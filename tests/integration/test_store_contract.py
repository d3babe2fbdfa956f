"""The Store protocol's promises, held by the DynamoDB store (on moto) and by the unit tests' MemoryStore alike."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime, timedelta

import boto3
import pytest

from business_accounts.adapters.environment import load_settings
from business_accounts.adapters.wiring import build_services
from business_accounts.logic.store import Conflict, EmailTaken, InvitationChanged, Issue, MailCounted, Overdue, Store
from business_accounts.logic.tokens import token_hash
from business_accounts.models.events import Actor, EventType, NewEvent
from business_accounts.models.items import Account, Delivery, EmailOwnership, Invitation, MailLog, Suppression
from business_accounts.models.lifetime import expiry
from business_accounts.models.types import (
    AdministratorState,
    Budget,
    CreatedVia,
    DeliveryStatus,
    InvitationPurpose,
    InvitationStatus,
    sortable_id,
)
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


def an_account(name: str = "ACME Ltd", *, verified: bool = True) -> Account:
    return Account(
        account_id=sortable_id("acc"),
        company_name=name,
        created_via=CreatedVia.SALES if verified else CreatedVia.SELF_SERVICE,
        created_at=START,
        verified=verified,
    )


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
        purpose=InvitationPurpose.INVITATION if account.verified else InvitationPurpose.CONFIRMATION,
    )


def mailed(log: MailLog, at: datetime = START) -> MailLog:
    return MailLog(
        email=log.email, budget=log.budget, sent_at=(*log.sent_at, int(at.timestamp())), version=log.version + 1
    )


def told(account_id: str, kind: EventType = EventType.INVITATION_SENT) -> NewEvent:
    return NewEvent(kind, account_id, Actor.SALES, START, {"note": kind.value})


def log_of(store: Store, email: str = JANE) -> MailLog:
    return store.email_record(email).log(Budget.BACK_OFFICE)


def owner_of(store: Store, email: str = JANE) -> EmailOwnership:
    owner = store.email_record(email).owner
    assert owner is not None
    return owner


def provisioned(store: Store, email: str = JANE, *, verified: bool = True) -> tuple[Account, Invitation, Issue]:
    """A new account whose invitation claims `email`: what provisioning (or, unverified, registration) writes."""
    account = an_account(verified=verified)
    invitation = an_invitation(account, email)
    log = log_of(store, email)
    events = (told(account.account_id, EventType.ACCOUNT_CREATED), told(account.account_id))
    issue = Issue(invitation, log, mailed(log), events, new_account=account)
    store.issue(issue)
    return account, invitation, issue


def reissued(store: Store, previous: Invitation, *, at: datetime = START) -> tuple[Invitation, Issue]:
    """A newer invitation to the same email and account: what join writes."""
    owner, log = owner_of(store, previous.email), log_of(store, previous.email)
    account = store.account(previous.account_id)
    assert account is not None
    invitation = an_invitation(account, previous.email, at=at)
    events = (told(account.account_id, EventType.INVITATION_SUPERSEDED), told(account.account_id))
    issue = Issue(invitation, log, mailed(log, at), events, ownership_before=owner)
    store.issue(issue)
    return invitation, issue


def status_of(store: Store, invitation: Invitation) -> InvitationStatus:
    found = store.invitation(invitation.token_hash)
    assert found is not None
    return found.status


def timeline(store: Store, account_id: str) -> list[tuple[int, str]]:
    return [(event.sequence, event.type) for event in store.events_of(account_id, after=0, limit=100)]


def overdue(invitation: Invitation) -> Overdue:
    return Overdue(
        invitation.token_hash, invitation.invitation_id, invitation.account_id, invitation.email, invitation.purpose
    )


def expired(invitation: Invitation) -> NewEvent:
    return told(invitation.account_id, EventType.INVITATION_EXPIRED)


# --- Issuing ---


def test_store_issue_claims_a_free_email_counts_the_email_and_numbers_its_events(store: Store) -> None:
    account, invitation, _ = provisioned(store)

    owner = owner_of(store)
    assert (owner.account_id, owner.state, owner.invitation_id) == (
        account.account_id,
        "invited",
        invitation.invitation_id,
    )
    assert log_of(store).version == 1
    assert store.invitation(invitation.token_hash) == invitation
    found = store.account_with_administrators(account.account_id)
    assert found is not None
    assert [(admin.email, admin.state) for admin in found[1]] == [(JANE, AdministratorState.INVITED)]
    assert timeline(store, account.account_id) == [(1, "account.created"), (2, "invitation.sent")]


def test_store_issue_claiming_a_taken_email_raises_email_taken_and_writes_nothing(store: Store) -> None:
    account, _, _ = provisioned(store)
    other = an_account("Other")
    invitation = an_invitation(other)
    log = MailLog(email=JANE, budget=Budget.PUBLIC)
    issue = Issue(invitation, log, mailed(log), (told(other.account_id),), new_account=other)

    with pytest.raises(EmailTaken) as taken:
        store.issue(issue)

    assert taken.value.owner.account_id == account.account_id
    assert store.account(other.account_id) is None
    assert timeline(store, other.account_id) == []  # a cancelled write leaves no event


def test_store_issue_to_an_account_that_does_not_exist_raises_conflict(store: Store) -> None:
    invitation = an_invitation(an_account())
    log = MailLog(email=JANE, budget=Budget.BACK_OFFICE)

    with pytest.raises(Conflict):
        store.issue(Issue(invitation, log, mailed(log), (told(invitation.account_id),)))


def test_store_issue_supersedes_the_invitation_the_email_waited_on(store: Store) -> None:
    account, first, _ = provisioned(store)

    second, _ = reissued(store, first)

    assert status_of(store, first) is InvitationStatus.SUPERSEDED
    assert owner_of(store).invitation_id == second.invitation_id
    assert log_of(store).version == 2
    assert [sequence for sequence, _ in timeline(store, account.account_id)] == [1, 2, 3, 4]


def test_store_issue_whose_mail_log_alone_changed_raises_mail_counted(store: Store) -> None:
    _, first, _ = provisioned(store)
    owner, log = owner_of(store), log_of(store)
    store.record_mail(log, mailed(log))  # another email counted meanwhile
    invitation = an_invitation(store.account(first.account_id))  # type: ignore[arg-type]

    with pytest.raises(MailCounted):
        store.issue(Issue(invitation, log, mailed(log), (told(first.account_id),), ownership_before=owner))


def test_store_issue_whose_email_moved_on_raises_conflict_not_mail_counted(store: Store) -> None:
    _, first, _ = provisioned(store)
    owner, log = owner_of(store), log_of(store)
    reissued(store, first)  # the email now waits on another invitation, and its log moved on too
    invitation = an_invitation(store.account(first.account_id))  # type: ignore[arg-type]

    with pytest.raises(Conflict) as conflict:
        store.issue(Issue(invitation, log, mailed(log), (told(first.account_id),), ownership_before=owner))

    assert not isinstance(conflict.value, MailCounted | EmailTaken)


def test_store_issue_taking_the_email_from_an_unverified_claim_discards_it_with_its_account(store: Store) -> None:
    claimed, claim_invitation, _ = provisioned(store, verified=False)
    claim = owner_of(store)
    account = an_account("The real one")
    invitation = an_invitation(account)
    log = log_of(store)
    events = (told(claimed.account_id, EventType.ACCOUNT_DISCARDED), told(account.account_id))

    store.issue(Issue(invitation, log, mailed(log), events, new_account=account, discarded=claim))

    assert owner_of(store).account_id == account.account_id
    assert store.account(claimed.account_id) is None
    assert status_of(store, claim_invitation) is InvitationStatus.SUPERSEDED
    assert store.account_with_administrators(account.account_id) is not None
    assert timeline(store, claimed.account_id)[-1] == (3, "account.discarded")
    assert timeline(store, account.account_id) == [(1, "invitation.sent")]


def test_store_issue_never_discards_a_claim_whose_account_was_verified_meanwhile(store: Store) -> None:
    _, claim_invitation, _ = provisioned(store, verified=False)
    claim = owner_of(store)
    store.accept(claim_invitation, START, [])  # confirmed between the read and the write
    account = an_account("Too late")
    log = log_of(store)

    with pytest.raises(Conflict):
        store.issue(Issue(an_invitation(account), log, mailed(log), (), new_account=account, discarded=claim))

    assert owner_of(store).account_id == claim.account_id


def test_store_mail_again_counts_one_more_email_of_the_invitation_and_tells_it(store: Store) -> None:
    account, invitation, _ = provisioned(store)
    log = log_of(store)

    store.mail_again(invitation, log, mailed(log, START + timedelta(minutes=1)), told(account.account_id))

    assert log_of(store).version == 2
    assert timeline(store, account.account_id)[-1] == (3, "invitation.sent")
    reissued(store, invitation)
    with pytest.raises(Conflict):  # the email moved on: nothing is mailed again
        store.mail_again(invitation, log_of(store), mailed(log_of(store)), told(account.account_id))


def test_store_record_mail_raced_by_another_raises_mail_counted(store: Store) -> None:
    log = store.email_record(BOB).log(Budget.NOTHING_TO_SEND)
    store.record_mail(log, mailed(log))

    with pytest.raises(MailCounted):
        store.record_mail(log, mailed(log))


def test_store_uncount_mail_takes_back_one_email_of_its_budget_only(store: Store) -> None:
    provisioned(store)  # one back-office email at START
    public = store.email_record(JANE).log(Budget.PUBLIC)
    store.record_mail(public, mailed(public))

    store.uncount_mail(JANE, Budget.BACK_OFFICE, int(START.timestamp()))
    store.uncount_mail(JANE, Budget.BACK_OFFICE, int(START.timestamp()))  # nothing more to take back

    record = store.email_record(JANE)
    assert record.log(Budget.BACK_OFFICE).sent_at == ()
    assert record.log(Budget.PUBLIC).sent_at == (int(START.timestamp()),)


# --- Accepting, revoking, expiring ---


def test_store_accept_makes_the_email_an_active_administrator(store: Store) -> None:
    account, invitation, _ = provisioned(store)

    store.accept(invitation, START + timedelta(minutes=5), [told(account.account_id, EventType.INVITATION_ACCEPTED)])

    owner = owner_of(store)
    assert (owner.state, owner.invitation_id) == (AdministratorState.ACTIVE, None)
    assert status_of(store, invitation) is InvitationStatus.ACCEPTED
    found = store.account_with_administrators(account.account_id)
    assert found is not None
    assert [(admin.email, admin.state) for admin in found[1]] == [(JANE, AdministratorState.ACTIVE)]
    assert timeline(store, account.account_id)[-1] == (3, "invitation.accepted")


def test_store_accept_of_a_confirmation_verifies_its_account(store: Store) -> None:
    account, invitation, _ = provisioned(store, verified=False)

    store.accept(invitation, START, [])

    found = store.account(account.account_id)
    assert found is not None
    assert found.verified
    assert not owner_of(store).unverified


@pytest.mark.parametrize(
    ("change", "now_status"),
    [
        (lambda store, invitation: store.accept(invitation, START, []), InvitationStatus.ACCEPTED),
        (reissued, InvitationStatus.SUPERSEDED),
        (lambda store, invitation: store.revoke(invitation, []), InvitationStatus.REVOKED),
    ],
    ids=["accepted", "superseded", "revoked"],
)
def test_store_accept_of_an_invitation_changed_meanwhile_raises_invitation_changed_with_it_as_it_is(
    store: Store, change: Callable[[Store, Invitation], object], now_status: InvitationStatus
) -> None:
    account, invitation, _ = provisioned(store)
    change(store, invitation)
    before = timeline(store, account.account_id)

    with pytest.raises(InvitationChanged) as changed:
        store.accept(invitation, START, [told(account.account_id, EventType.INVITATION_ACCEPTED)])

    assert changed.value.current is not None
    assert changed.value.current.status is now_status
    assert timeline(store, account.account_id) == before


def test_store_accept_at_the_expiry_instant_raises_invitation_changed(store: Store) -> None:
    _, invitation, _ = provisioned(store)

    with pytest.raises(InvitationChanged):
        store.accept(invitation, invitation.expires_at, [])


def test_store_revoke_frees_the_email_and_twice_raises_conflict(store: Store) -> None:
    _, invitation, _ = provisioned(store)

    store.revoke(invitation, [])

    assert store.email_record(JANE).owner is None
    assert status_of(store, invitation) is InvitationStatus.REVOKED
    with pytest.raises(Conflict):
        store.revoke(invitation, [])


def test_store_expire_marks_only_pending_invitations_past_their_expiry(store: Store) -> None:
    _, early, _ = provisioned(store, JANE)
    _, late, _ = provisioned(store, BOB)
    store.accept(late, START, [])
    after = early.expires_at

    assert list(store.expired_pending(after - timedelta(seconds=1))) == []
    assert list(store.expired_pending(after)) == [overdue(early)]
    assert store.expire(overdue(early), after - timedelta(seconds=1), expired(early), None) is False
    assert store.expire(overdue(early), after, expired(early), None) is True
    assert store.expire(overdue(early), after, expired(early), None) is False
    assert store.expire(overdue(late), after, expired(late), None) is False
    assert status_of(store, early) is InvitationStatus.EXPIRED
    assert list(store.expired_pending(after)) == []
    assert [kind for _, kind in timeline(store, early.account_id)].count("invitation.expired") == 1


def test_store_expire_of_a_confirmation_removes_its_unverified_claim(store: Store) -> None:
    account, invitation, _ = provisioned(store, verified=False)
    discarded = told(account.account_id, EventType.ACCOUNT_DISCARDED)

    assert store.expire(overdue(invitation), invitation.expires_at, expired(invitation), discarded) is True

    assert store.email_record(JANE).owner is None
    assert store.account(account.account_id) is None
    assert [kind for _, kind in timeline(store, account.account_id)][-2:] == ["invitation.expired", "account.discarded"]


def test_store_expire_of_a_confirmation_whose_claim_moved_on_expires_it_alone(store: Store) -> None:
    account, first, _ = provisioned(store, verified=False)
    second, _ = reissued(store, first)  # a newer confirmation: the email waits on that one
    discarded = told(account.account_id, EventType.ACCOUNT_DISCARDED)

    assert store.expire(overdue(first), first.expires_at, expired(first), discarded) is False  # superseded already
    later = second.expires_at + timedelta(seconds=1)
    assert store.expire(overdue(second), later, expired(second), discarded) is True
    assert store.account(account.account_id) is None  # the claim waited on it: it goes


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


def test_store_events_of_an_account_page_after_a_sequence(store: Store) -> None:
    account, first, _ = provisioned(store)
    reissued(store, first)

    assert [event.sequence for event in store.events_of(account.account_id, after=1, limit=2)] == [2, 3]
    assert store.events_of(account.account_id, after=4, limit=2) == []
    assert store.events_of("acc_" + "0" * 26, after=0, limit=2) == []


# --- Delivery feedback ---


def report(status: DeliveryStatus, rank: int) -> Delivery:
    return Delivery(status=status, at=START + timedelta(minutes=rank), rank=rank)


def test_store_record_delivery_keeps_the_report_that_outranks_and_ignores_duplicates(store: Store) -> None:
    account, invitation, _ = provisioned(store)
    bounced, delivered = report(DeliveryStatus.BOUNCED, 20), report(DeliveryStatus.DELIVERED, 10)
    event = told(account.account_id, EventType.INVITATION_DELIVERY)

    assert store.record_delivery(invitation, bounced, event) is True
    assert store.record_delivery(invitation, bounced, event) is False  # the same report again
    assert store.record_delivery(invitation, delivered, event) is False  # outranked: it cannot hide the bounce

    found = store.invitation(invitation.token_hash)
    assert found is not None
    assert found.delivery == owner_of(store).invitation_delivery == bounced
    assert [kind for _, kind in timeline(store, account.account_id)].count("invitation.delivery") == 1


def test_store_record_sent_only_where_nothing_left_yet(store: Store) -> None:
    account, invitation, _ = provisioned(store)
    event = told(account.account_id, EventType.INVITATION_DELIVERY)
    refused = Delivery(status=DeliveryStatus.REJECTED, at=START, rank=5)

    assert store.record_delivery(invitation, refused, event) is True
    assert store.record_sent(invitation, START, event) is True  # over a refusal: a later attempt left
    assert store.record_sent(invitation, START, event) is False  # left already

    found = store.invitation(invitation.token_hash)
    assert found is not None
    assert found.delivery == Delivery.sent(START)


def test_store_record_delivery_of_a_superseded_invitation_leaves_the_email_on_its_newer_one(store: Store) -> None:
    _, first, _ = provisioned(store)
    second, _ = reissued(store, first)

    assert store.record_delivery(first, report(DeliveryStatus.BOUNCED, 20), told(first.account_id)) is True

    owner = owner_of(store)
    assert owner.invitation_id == second.invitation_id
    assert owner.invitation_delivery == second.delivery  # untouched by a report on the first


def test_store_record_delivery_of_an_invitation_that_is_gone_records_nothing(store: Store) -> None:
    invitation = an_invitation(an_account())

    assert store.record_delivery(invitation, report(DeliveryStatus.DELIVERED, 10), told(invitation.account_id)) is False
    assert timeline(store, invitation.account_id) == []


def test_store_suppression_stops_invitations_to_the_address_until_it_is_lifted(store: Store) -> None:
    account, first, _ = provisioned(store)
    suppression = Suppression(email=JANE, at=START, invitation_id=first.invitation_id, account_id=account.account_id)
    event = told(account.account_id, EventType.EMAIL_SUPPRESSED)

    assert store.suppress(suppression, event) is True
    assert store.suppress(suppression.model_copy(update={"invitation_id": None}), event) is False  # the first is kept
    assert store.email_record(JANE).suppression == suppression
    with pytest.raises(Conflict):
        reissued(store, first)

    def lifted(found: Suppression) -> NewEvent:
        assert found == suppression
        return told(account.account_id, EventType.EMAIL_UNSUPPRESSED)

    assert store.lift_suppression(JANE, lifted) is True
    assert store.lift_suppression(JANE, lifted) is False
    assert store.email_record(JANE).suppression is None
    reissued(store, first)
    kinds = [kind for _, kind in timeline(store, account.account_id)]
    assert kinds.count("email.suppressed") == kinds.count("email.unsuppressed") == 1


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
