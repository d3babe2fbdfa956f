"""The collaborators the logic works with, passed in: settings, store, mailer, clock and token minter."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from business_accounts.logic.invitation_email import Mailer
from business_accounts.logic.store import Store
from business_accounts.logic.tokens import Minter
from business_accounts.models.settings import Settings


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass(frozen=True)
class Services:
    settings: Settings
    store: Store
    mailer: Mailer
    mint: Minter  # the token of an invitation, from its id (logic/tokens.py)
    clock: Callable[[], datetime] = utc_now
