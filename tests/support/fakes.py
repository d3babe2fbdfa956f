"""Fakes for the collaborators the logic takes: a clock that travels in time, predictable tokens, a mailer."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from business_accounts.logic.invitation_email import ComposedEmail, InvitationEmail, MailDeliveryError, MailRefused
from business_accounts.logic.tokens import Minter, keyed_minter
from business_accounts.models.events import Event

# The token key of unit tests: the tokens are HMACs of their invitation ids, as with KMS's key.
TEST_MINTER: Minter = keyed_minter(b"the unit tests' token key")

START = datetime(2026, 11, 26, 9, 0, 0, tzinfo=UTC)


@dataclass
class FakeClock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class SequentialTokens:
    """Token-shaped, distinct and predictable: `tok-000001-...`."""

    issued: list[str] = field(default_factory=list)
    _counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __call__(self) -> str:
        token = f"tok-{next(self._counter):06d}-" + "x" * 36
        self.issued.append(token)
        return token


@dataclass
class RecordingMailer:
    """Keeps every invitation it is asked to send; `fail_next` makes the next sends fail as SES can (not known
    whether it left: a timeout), `refuse_next` as SES refuses one (MessageRejected: it did not leave)."""

    sent: list[InvitationEmail] = field(default_factory=list)
    fail_next: int = 0
    refuse_next: int = 0

    def send(self, email: ComposedEmail) -> None:
        if self.refuse_next:
            self.refuse_next -= 1
            raise MailRefused("MessageRejected")
        if self.fail_next:
            self.fail_next -= 1
            raise MailDeliveryError("ReadTimeoutError")
        self.sent.append(email.invitation)

    @property
    def last_token(self) -> str:
        return self.sent[-1].link.split("#token=", 1)[1]


@dataclass
class Stream:
    """The events table's stream for the unit tests: each committed event to every consumer, at once; an event a
    consumer failed on is kept, and delivered to it again by `retry`, as Lambda's event source mapping would."""

    consumers: list[Callable[[Event], object]] = field(default_factory=list)
    failed: list[tuple[Callable[[Event], object], Event]] = field(default_factory=list)

    def __call__(self, event: Event) -> None:
        for consumer in self.consumers:
            self._deliver(consumer, event)

    def _deliver(self, consumer: Callable[[Event], object], event: Event) -> None:
        try:
            consumer(event)
        except Exception:
            self.failed.append((consumer, event))

    def retry(self) -> None:
        failed, self.failed = self.failed, []
        for consumer, event in failed:
            self._deliver(consumer, event)
