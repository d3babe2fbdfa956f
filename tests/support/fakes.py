"""Fakes for the collaborators the logic takes: a clock that travels in time, predictable tokens, a mailer."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from business_accounts.logic.invitation_email import ComposedEmail, InvitationEmail, MailDeliveryError

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
    """Keeps every invitation it is asked to send; `fail_next` makes the next sends fail like SES would."""

    sent: list[InvitationEmail] = field(default_factory=list)
    fail_next: int = 0

    def send(self, email: ComposedEmail) -> None:
        if self.fail_next:
            self.fail_next -= 1
            raise MailDeliveryError("MessageRejected")
        self.sent.append(email.invitation)

    @property
    def last_token(self) -> str:
        return self.sent[-1].link.split("#token=", 1)[1]
