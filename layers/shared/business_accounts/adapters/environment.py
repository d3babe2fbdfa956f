"""The function instance's settings, read once from its environment on first use (never at import)."""

from __future__ import annotations

import os
from functools import cache

from business_accounts.models.settings import Settings


@cache
def load_settings() -> Settings:
    """The settings of this function instance, read on first use."""
    return Settings.from_environ(os.environ)
