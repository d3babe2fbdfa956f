"""The cooldown and the rolling daily limit on invitation emails to one address."""

from __future__ import annotations

from datetime import timedelta

import pytest

from business_accounts.logic.limits import admit_email
from business_accounts.models.errors import RateLimited
from business_accounts.models.items import MailLog
from business_accounts.models.types import Budget
from tests.support.fakes import START

LIMITS = {"cooldown_seconds": 60, "daily_limit": 3}


def test_admit_email_first_email_is_admitted_and_logged() -> None:
    log = admit_email(MailLog(email="a@example.com", budget=Budget.PUBLIC), START, **LIMITS)

    assert log.sent_at == (int(START.timestamp()),)
    assert log.version == 1


def test_admit_email_within_cooldown_is_refused_with_the_seconds_left() -> None:
    log = admit_email(MailLog(email="a@example.com", budget=Budget.PUBLIC), START, **LIMITS)

    with pytest.raises(RateLimited) as refused:
        admit_email(log, START + timedelta(seconds=45), **LIMITS)

    assert refused.value.retry_after == 15


def test_admit_email_after_cooldown_is_admitted() -> None:
    log = admit_email(MailLog(email="a@example.com", budget=Budget.PUBLIC), START, **LIMITS)

    later = admit_email(log, START + timedelta(seconds=60), **LIMITS)

    assert len(later.sent_at) == 2


def test_admit_email_over_daily_limit_waits_for_the_oldest_to_leave_the_window() -> None:
    log = MailLog(email="a@example.com", budget=Budget.PUBLIC)
    for hour in range(3):
        log = admit_email(log, START + timedelta(hours=hour), **LIMITS)

    with pytest.raises(RateLimited) as refused:
        admit_email(log, START + timedelta(hours=5), **LIMITS)

    assert refused.value.retry_after == 19 * 3600


def test_admit_email_rolling_window_forgets_emails_older_than_a_day() -> None:
    log = MailLog(email="a@example.com", budget=Budget.PUBLIC)
    for hour in range(3):
        log = admit_email(log, START + timedelta(hours=hour), **LIMITS)

    admitted = admit_email(log, START + timedelta(hours=24, seconds=1), **LIMITS)

    assert len(admitted.sent_at) == 3  # the first one fell out of the window


def test_admit_email_without_cooldown_still_counts_towards_the_daily_limit() -> None:
    log = MailLog(email="a@example.com", budget=Budget.PUBLIC)
    for _ in range(3):
        log = admit_email(log, START, cooldown_seconds=0, daily_limit=3)

    with pytest.raises(RateLimited):
        admit_email(log, START, cooldown_seconds=0, daily_limit=3)
