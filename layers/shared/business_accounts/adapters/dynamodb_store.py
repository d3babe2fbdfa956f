"""The Store on DynamoDB: each decision one transaction with its events, each conflict told in domain terms."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from datetime import datetime

from business_accounts.adapters.dynamodb import Cancelled, ConditionFailed, DynamoDB, Transaction, names
from business_accounts.adapters.dynamodb_events import Timelines
from business_accounts.adapters.dynamodb_parts import Parts, stored
from business_accounts.adapters.dynamodb_reads import Reads
from business_accounts.adapters.keys import (
    administrator_key,
    external_reference_key,
    mail_log_key,
    ownership_key,
    suppression_key,
)
from business_accounts.logic.store import (
    REPLACEABLE,
    Conflict,
    EmailTaken,
    EventOf,
    InvitationChanged,
    Issue,
    MailCounted,
    Overdue,
)
from business_accounts.models.events import NewEvent
from business_accounts.models.items import Delivery, EmailOwnership, Invitation, MailLog, Suppression
from business_accounts.models.lifetime import EXPIRED_AT_NOW, UNEXPIRED_AT_NOW
from business_accounts.models.types import (
    AdministratorState,
    Budget,
    DeliveryStatus,
    InvitationPurpose,
    InvitationStatus,
    iso,
)

# Outranked: there is no delivery yet, or the one there ranks below the one being recorded.
_OUTRANKS = "(attribute_not_exists({path}) OR {path}.#rank < :rank)"
# A send may be recorded where nothing is, or over a refusal (an earlier attempt that never left).
_UNSENT = "(attribute_not_exists({path}) OR {path}.#status = :rejected)"
_UNCOUNT_ATTEMPTS = 3


class DynamoStore(Reads):
    """The accounts table (accounts, administrators, email ownership, mail logs, suppressions), the invitations
    table, and the events table that every write tells of its change in."""

    def __init__(
        self,
        dynamodb: DynamoDB,
        *,
        accounts_table: str,
        invitations_table: str,
        events_table: str,
        retention_seconds: int,
    ) -> None:
        timelines = Timelines(dynamodb, events_table=events_table)
        super().__init__(
            dynamodb, accounts_table=accounts_table, invitations_table=invitations_table, timelines=timelines
        )
        self._timelines = timelines
        self._parts = Parts(
            accounts_table=accounts_table, invitations_table=invitations_table, retention_seconds=retention_seconds
        )

    # --- Writes ---

    def issue(self, issue: Issue) -> None:
        invitation, parts = issue.invitation, self._parts

        def build(transaction: Transaction) -> None:
            if issue.external_reference:
                transaction.add(
                    "external_reference",
                    "Put",
                    TableName=self._accounts,
                    Item={
                        **external_reference_key(issue.external_reference.reference),
                        **stored(issue.external_reference),
                    },
                    ConditionExpression="attribute_not_exists(pk)",
                )
            if issue.new_account:
                parts.put_account(transaction, issue.new_account)
            if issue.ownership_before is not None:
                parts.repoint_email(transaction, before=issue.ownership_before, after=issue.ownership)
                if replaced := issue.ownership_before.invitation_token_hash:
                    parts.set_status(
                        transaction, "replaced", replaced, InvitationStatus.SUPERSEDED, expected=REPLACEABLE
                    )
            else:
                if (claim := issue.discarded) is not None:
                    self._discard(transaction, claim)
                    parts.repoint_email(transaction, before=claim, after=issue.ownership)
                else:
                    parts.claim_email(transaction, issue.ownership)
                invitee = {"account_id": invitation.account_id, "email": invitation.email, "state": "invited"}
                transaction.add(
                    "administrator",
                    "Put",
                    TableName=self._accounts,
                    Item={**administrator_key(invitation.account_id, invitation.email), **invitee},
                )
                if issue.new_account is None:
                    parts.account_exists(transaction, invitation.account_id)
            parts.put_invitation(transaction, invitation)
            parts.count_mail(transaction, before=issue.mail_before, after=issue.mail_after)
            if invitation.purpose is InvitationPurpose.INVITATION:  # a registration tells nobody of a complaint
                parts.not_suppressed(transaction, invitation.email)

        new_accounts = {issue.new_account.account_id} if issue.new_account else set()
        try:
            self._timelines.transact(build, issue.events, new_accounts=new_accounts)
        except Cancelled as cancelled:
            if set(cancelled.failed) == {"mail_log"}:
                raise MailCounted() from cancelled
            claimed = issue.ownership_before is None and issue.discarded is None
            raise (_email_taken(cancelled) if claimed else None) or Conflict() from cancelled

    def _discard(self, transaction: Transaction, claim: EmailOwnership) -> None:
        """An unverified claim's account, administrator and confirmation go; the caller repoints its email."""
        self._parts.discard_account(transaction, claim.account_id)
        self._parts.remove_invitee(transaction, claim.account_id, claim.email, part="discarded_administrator")
        if claim.invitation_token_hash:
            self._parts.set_status(
                transaction,
                "discarded_invitation",
                claim.invitation_token_hash,
                InvitationStatus.SUPERSEDED,
                expected=REPLACEABLE,
            )

    def mail_again(self, invitation: Invitation, mail_before: MailLog, mail_after: MailLog, event: NewEvent) -> None:
        def build(transaction: Transaction) -> None:
            transaction.add(
                "ownership",
                "ConditionCheck",
                TableName=self._accounts,
                Key=ownership_key(invitation.email),
                ConditionExpression="invitation_id = :invitation_id",
                ExpressionAttributeValues={":invitation_id": invitation.invitation_id},
            )
            self._parts.count_mail(transaction, before=mail_before, after=mail_after)
            self._parts.not_suppressed(transaction, invitation.email)

        try:
            self._timelines.transact(build, [event])
        except Cancelled as cancelled:
            raise (MailCounted() if set(cancelled.failed) == {"mail_log"} else Conflict()) from cancelled

    def record_mail(self, before: MailLog, after: MailLog) -> None:
        transaction = Transaction()
        self._parts.count_mail(transaction, before=before, after=after)
        try:
            self._db.transact(transaction)
        except Cancelled as cancelled:
            raise MailCounted() from cancelled

    def uncount_mail(self, email: str, budget: Budget, sent_at: int) -> None:
        for _ in range(_UNCOUNT_ATTEMPTS):
            item = self._db.get(self._accounts, mail_log_key(email, budget))
            log = MailLog.model_validate(item) if item else MailLog(email=email, budget=budget)
            taken_back = log.without(sent_at)
            if taken_back is log:
                return
            with contextlib.suppress(MailCounted):
                self.record_mail(log, taken_back)
                return
        raise Conflict()

    def accept(self, invitation: Invitation, now: datetime, events: Sequence[NewEvent]) -> None:
        def build(transaction: Transaction) -> None:
            self._parts.set_status(
                transaction,
                "invitation",
                invitation.token_hash,
                InvitationStatus.ACCEPTED,
                expected=(InvitationStatus.PENDING,),
                when=(UNEXPIRED_AT_NOW, now),
                stamped="accepted_at",
            )
            transaction.add(
                "ownership",
                "Update",
                TableName=self._accounts,
                Key=ownership_key(invitation.email),
                UpdateExpression=(
                    "SET #state = :active REMOVE invitation_id, invitation_token_hash, invitation_expires_at,"
                    " invitation_delivery, unverified"
                ),
                ConditionExpression="account_id = :account_id AND invitation_id = :invitation_id",
                ExpressionAttributeNames=names("state"),
                ExpressionAttributeValues={
                    ":active": AdministratorState.ACTIVE.value,
                    ":account_id": invitation.account_id,
                    ":invitation_id": invitation.invitation_id,
                },
            )
            transaction.add(
                "administrator",
                "Update",
                TableName=self._accounts,
                Key=administrator_key(invitation.account_id, invitation.email),
                UpdateExpression="SET #state = :active, activated_at = :at",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeNames=names("state"),
                ExpressionAttributeValues={":active": AdministratorState.ACTIVE.value, ":at": iso(now)},
            )
            if invitation.purpose is InvitationPurpose.CONFIRMATION:
                self._parts.verify_account(transaction, invitation.account_id)

        try:
            self._timelines.transact(build, events)
        except Cancelled as cancelled:
            if "invitation" in cancelled.failed:
                found = cancelled.failed["invitation"]
                raise InvitationChanged(Invitation.model_validate(found) if found else None) from cancelled
            raise Conflict() from cancelled

    def revoke(self, invitation: Invitation, events: Sequence[NewEvent]) -> None:
        def build(transaction: Transaction) -> None:
            self._parts.set_status(
                transaction, "invitation", invitation.token_hash, InvitationStatus.REVOKED, expected=REPLACEABLE
            )
            self._parts.free_email(transaction, invitation)

        try:
            self._timelines.transact(build, events)
        except Cancelled as cancelled:
            raise Conflict() from cancelled

    def expire(self, overdue: Overdue, now: datetime, expired: NewEvent, discarded: NewEvent | None) -> bool:
        tries: list[tuple[bool, list[NewEvent]]] = [(True, [expired, discarded])] if discarded is not None else []
        for with_claim, events in [*tries, (False, [expired])]:
            try:
                self._timelines.transact(self._expiry(overdue, now, with_claim=with_claim), events)
                return True
            except Cancelled as cancelled:
                if "invitation" in cancelled.failed or "invitation" in cancelled.raced:
                    return False  # accepted, renewed or revoked meanwhile: left as it is
                # Else the claim moved on (replaced, or taken by an invitation): the invitation expires alone.
        return False

    def _expiry(self, overdue: Overdue, now: datetime, *, with_claim: bool) -> Callable[[Transaction], None]:
        def build(transaction: Transaction) -> None:
            self._parts.set_status(
                transaction,
                "invitation",
                overdue.token_hash,
                InvitationStatus.EXPIRED,
                expected=(InvitationStatus.PENDING,),
                when=(EXPIRED_AT_NOW, now),
            )
            if with_claim:  # the unverified registration goes, and its email is free again
                transaction.add(
                    "ownership",
                    "Delete",
                    TableName=self._accounts,
                    Key=ownership_key(overdue.email),
                    ConditionExpression="invitation_id = :invitation_id AND unverified = :unverified",
                    ExpressionAttributeValues={":invitation_id": overdue.invitation_id, ":unverified": True},
                )
                self._parts.remove_invitee(transaction, overdue.account_id, overdue.email)
                self._parts.discard_account(transaction, overdue.account_id)

        return build

    # --- Delivery ---

    def record_sent(self, invitation: Invitation, at: datetime, event: NewEvent) -> bool:
        sent = Delivery.sent(at)
        return self._record(
            invitation, sent, event, condition=_UNSENT, values={":rejected": DeliveryStatus.REJECTED.value}
        )

    def record_delivery(self, invitation: Invitation, delivery: Delivery, event: NewEvent) -> bool:
        return self._record(invitation, delivery, event, condition=_OUTRANKS, values={":rank": delivery.rank})

    def _record(
        self, invitation: Invitation, delivery: Delivery, event: NewEvent, *, condition: str, values: dict[str, object]
    ) -> bool:
        """On the invitation with its event, where `condition` allows; then on the email's ownership while that
        waits on this invitation (a copy, each write safe alone: a retry after a failure between them repeats both)."""
        shown = {":delivery": stored(delivery), **values}
        attribute_names = {"#rank": "rank", "#status": "status"}
        attribute_names = {name: value for name, value in attribute_names.items() if name in condition}

        def build(transaction: Transaction) -> None:
            transaction.add(
                "invitation",
                "Update",
                TableName=self._invitations,
                Key={"token_hash": invitation.token_hash},
                UpdateExpression="SET delivery = :delivery",
                ConditionExpression=f"attribute_exists(token_hash) AND {condition.format(path='delivery')}",
                ExpressionAttributeNames=attribute_names,
                ExpressionAttributeValues=shown,
            )

        try:
            self._timelines.transact(build, [event])
            recorded = True
        except Cancelled as cancelled:
            if "invitation" not in cancelled.failed:
                raise Conflict() from cancelled
            recorded = False
        # No change where the email waits on a newer invitation, or already holds this report or a graver one.
        with contextlib.suppress(ConditionFailed):
            self._db.update(
                TableName=self._accounts,
                Key=ownership_key(invitation.email),
                UpdateExpression="SET invitation_delivery = :delivery",
                ConditionExpression=(
                    f"invitation_id = :invitation_id AND {condition.format(path='invitation_delivery')}"
                ),
                ExpressionAttributeNames=attribute_names,
                ExpressionAttributeValues=shown | {":invitation_id": invitation.invitation_id},
            )
        return recorded

    def suppress(self, suppression: Suppression, event: NewEvent | None) -> bool:
        def build(transaction: Transaction) -> None:
            transaction.add(
                "suppression",
                "Put",
                TableName=self._accounts,
                Item={**suppression_key(suppression.email), **stored(suppression)},
                ConditionExpression="attribute_not_exists(pk)",
            )

        try:
            self._timelines.transact(build, [event] if event else [])
        except Cancelled:
            return False
        return True

    def lift_suppression(self, email: str, event_of: EventOf) -> bool:
        found = self._db.get(self._accounts, suppression_key(email))
        if found is None:
            return False
        event = event_of(Suppression.model_validate(found))

        def build(transaction: Transaction) -> None:
            transaction.add(
                "suppression",
                "Delete",
                TableName=self._accounts,
                Key=suppression_key(email),
                ConditionExpression="attribute_exists(pk)",
            )

        try:
            self._timelines.transact(build, [event] if event else [])
        except Cancelled:
            return False  # lifted by someone else meanwhile
        return True


def _email_taken(cancelled: Cancelled) -> EmailTaken | None:
    """EmailTaken when claiming the email failed because it has an owner (found and returned by DynamoDB)."""
    owner = cancelled.failed.get("ownership")
    return EmailTaken(EmailOwnership.model_validate(owner)) if owner else None
