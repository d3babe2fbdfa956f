"""The demo data the sample events refer to (local/demo.json), written into the local tables as the store writes it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from business_accounts.adapters.keys import (
    account_key,
    administrator_key,
    ownership_key,
    pending_shard,
    suppression_key,
)
from business_accounts.adapters.kms import KmsMinter
from business_accounts.logic.tokens import token_hash
from business_accounts.models.items import (
    Account,
    Administrator,
    Delivery,
    EmailOwnership,
    Invitation,
    Item,
    Suppression,
)
from business_accounts.models.types import (
    AdministratorState,
    CreatedVia,
    Email,
    InvitationPurpose,
    InvitationStatus,
    sortable_id,
)
from tools.template import Stack

DEMO = Path(__file__).with_name("demo.json")


class _Demo(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DemoInvitation(_Demo):
    """A pending (or already expired) invitation; its token, where given, is the one a sample event carries."""

    note: str = ""  # the sample events it is for
    email: Email
    expires_in_days: int
    status: Literal[InvitationStatus.PENDING, InvitationStatus.EXPIRED] = InvitationStatus.PENDING
    token: str | None = None  # else minted from its id with the stack's key, as the outbox mints it
    invitation_id: str | None = None
    mailed: bool = True  # False: its email is still due (the outbox's sample event sends it)


class DemoAccount(_Demo):
    account_id: str
    company_name: str
    created_via: CreatedVia
    administrators: list[Email]  # active ones
    invitations: list[DemoInvitation]  # a self-service registration's are confirmations
    verified: bool = True  # False: a self-service registration waiting on its registrant's confirmation


class DemoSuppression(_Demo):
    """An address whose person marked an invitation email as spam: no invitation email goes to it."""

    note: str = ""
    email: Email


class Demo(_Demo):
    accounts: list[DemoAccount]
    suppressions: list[DemoSuppression] = []


class _Tables:
    """The accounts and invitations tables, written item by item with the product's models and keys."""

    def __init__(self, dynamodb: Any, stack: Stack) -> None:
        self._accounts = dynamodb.Table(stack.physical_name("AccountsTable"))
        self._invitations = dynamodb.Table(stack.physical_name("InvitationsTable"))
        self._retention_seconds = int(stack.parameters["InvitationRetentionSeconds"])

    def put_account(self, account: Account) -> None:
        self._accounts.put_item(Item={**account_key(account.account_id), **_attributes(account)})

    def put_administrator(self, account: Account, email: str, invitation: Invitation | None = None) -> None:
        """An active administrator, or with `invitation` an invited one; and the email's ownership marker."""
        state = AdministratorState.INVITED if invitation else AdministratorState.ACTIVE
        administrator = Administrator(account_id=account.account_id, email=email, state=state)
        self._accounts.put_item(Item={**administrator_key(account.account_id, email), **_attributes(administrator)})
        ownership = (
            EmailOwnership.invited_to(invitation)
            if invitation
            else EmailOwnership(
                email=email,
                account_id=account.account_id,
                company_name=account.company_name,
                created_via=account.created_via,
                state=state,
            )
        )
        self._accounts.put_item(Item={**ownership_key(email), **_attributes(ownership)})

    def put_suppression(self, suppression: Suppression) -> None:
        self._accounts.put_item(Item={**suppression_key(suppression.email), **_attributes(suppression)})

    def put_invitation(self, invitation: Invitation) -> None:
        item = _attributes(invitation) | {"ttl": invitation.expires_epoch + self._retention_seconds}
        if invitation.status is InvitationStatus.PENDING:  # the cleanup's sparse index holds pending invitations only
            item["pending_shard"] = pending_shard(invitation.token_hash)
        self._invitations.put_item(Item=item)


def _attributes(item: Item) -> dict[str, Any]:
    return item.model_dump(mode="json", exclude_none=True)


def _invitation(
    account: Account, demo: DemoInvitation, now: datetime, lifetime: timedelta, mint: Callable[[str], str]
) -> Invitation:
    expires_at = now + timedelta(days=demo.expires_in_days)
    invitation_id = demo.invitation_id or sortable_id("inv")
    return Invitation(
        token_hash=token_hash(demo.token or mint(invitation_id)),
        invitation_id=invitation_id,
        account_id=account.account_id,
        company_name=account.company_name,
        created_via=account.created_via,
        email=demo.email,
        status=demo.status,
        created_at=expires_at - lifetime,
        expires_at=expires_at,
        expires_epoch=int(expires_at.timestamp()),
        delivery=Delivery.sent(expires_at - lifetime) if demo.mailed else None,
        purpose=InvitationPurpose.INVITATION if account.verified else InvitationPurpose.CONFIRMATION,
    )


def minter(kms: Any, stack: Stack) -> Callable[[str], str]:
    """Tokens as the stack mints them: the HMAC of an invitation's id under the template's one KMS key."""
    (key,) = stack.logical_ids("AWS::KMS::Key")
    return KmsMinter(lambda: kms, key_id=stack.get_att(key, "Arn"))


def seed(dynamodb: Any, mint: Callable[[str], str], stack: Stack, path: Path = DEMO) -> str:
    """Write the demo data through `dynamodb` (a boto3 resource), tokens minted by `mint` where a sample names
    none (so that the outbox's link is the one a sample accepts); a line for the start-up banner."""
    demo = Demo.model_validate_json(path.read_text(encoding="utf-8"))
    tables = _Tables(dynamodb, stack)
    now = datetime.now(UTC).replace(microsecond=0)
    lifetime = timedelta(seconds=int(stack.parameters["InvitationTtlSeconds"]))
    for demo_account in demo.accounts:
        account = Account(
            account_id=demo_account.account_id,
            company_name=demo_account.company_name,
            created_via=demo_account.created_via,
            created_at=now - timedelta(days=30),
            verified=demo_account.verified,
        )
        tables.put_account(account)
        for email in demo_account.administrators:
            tables.put_administrator(account, email)
        for demo_invitation in demo_account.invitations:
            invitation = _invitation(account, demo_invitation, now, lifetime, mint)
            tables.put_invitation(invitation)
            tables.put_administrator(account, invitation.email, invitation)
    for demo_suppression in demo.suppressions:
        tables.put_suppression(Suppression(email=demo_suppression.email, at=now - timedelta(days=1)))
    invitations = sum(len(account.invitations) for account in demo.accounts)
    suppressions = len(demo.suppressions)
    return (
        f"{len(demo.accounts)} account(s), {invitations} invitation(s), {suppressions} suppression(s) "
        f"from local/{path.name}"
    )
