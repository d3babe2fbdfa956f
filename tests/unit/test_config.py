"""Settings are a typed model read from the environment once."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from business_accounts.models.settings import Settings

REQUIRED = {
    "ACCOUNTS_TABLE": "accounts",
    "INVITATIONS_TABLE": "invitations",
    "IDEMPOTENCY_TABLE": "idempotency",
    "EVENTS_TABLE": "events",
    "TOKEN_KEY_ID": "alias/token-key",
    "SENDER_EMAIL": "no-reply@example.com",
    "ACCEPT_PAGE_URL": "https://account.example.com/accept",
}


def test_settings_from_environ_defaults_follow_the_spec() -> None:
    settings = Settings.from_environ(REQUIRED)

    assert settings.invitation_ttl_seconds == 604_800
    assert settings.invite_cooldown_seconds == 60
    assert settings.invite_daily_limit == 10
    assert settings.invitation_retention_seconds == 30 * 86_400
    assert settings.ses_configuration_set is None


def test_settings_from_environ_reads_numbers_and_treats_blank_as_unset() -> None:
    environ = {**REQUIRED, "INVITE_DAILY_LIMIT": "3", "SES_CONFIGURATION_SET": "", "PORTAL_ORIGIN": ""}

    settings = Settings.from_environ(environ)

    assert settings.invite_daily_limit == 3
    assert settings.ses_configuration_set is None
    assert settings.portal_origin is None


@pytest.mark.parametrize(
    "override", [{"INVITE_DAILY_LIMIT": "0"}, {"ACCEPT_PAGE_URL": "ftp://x"}, {"INVITATION_TTL_SECONDS": "ten"}]
)
def test_settings_from_environ_invalid_values_are_refused(override: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        Settings.from_environ({**REQUIRED, **override})


def test_settings_from_environ_missing_table_is_refused() -> None:
    environ = dict(REQUIRED)
    del environ["ACCOUNTS_TABLE"]

    with pytest.raises(ValidationError):
        Settings.from_environ(environ)
