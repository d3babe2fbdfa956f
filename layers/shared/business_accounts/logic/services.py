"""The collaborators the logic works with, passed in: settings, store, mailer, clock and token generator."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from business_accounts.logic import tokens
from business_accounts.logic.invitation_email import Mailer
from business_accounts.logic.store import Store
from business_accounts.models.settings import Settings


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass(frozen=True)
class Services:
    settings: Settings
    store: Store
    mailer: Mailer
    clock: Callable[[], datetime] = utc_now
    new_token: Callable[[], str] = tokens.new_token
