"""Invitation tokens: 256 random bits for the link, and the SHA-256 that is all the tables ever hold."""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
