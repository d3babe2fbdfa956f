"""Invitation tokens: 256 bits minted from the invitation's id with a secret key, and the SHA-256 the tables hold.

A token is the HMAC-SHA-256 of its invitation's id under a key that never leaves KMS (adapters/kms.py): the
request that issues an invitation mints it to store its hash, and the outbox mints it again to mail the link, so
the raw token is never stored, and every email of one invitation carries the same working link
(docs/design.md, "True answers under faults").
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable

# What a deployed function mints with (adapters/kms.py), and tests with a key of their own (`keyed_minter`).
Minter = Callable[[str], str]
_MESSAGE = "business-accounts/invitation/"


def mac_message(invitation_id: str) -> bytes:
    """What the key authenticates for one invitation: its id, under the service's own prefix."""
    return (_MESSAGE + invitation_id).encode("ascii")


def token_from_mac(mac: bytes) -> str:
    """The 32 bytes of an HMAC-SHA-256 as a URL-safe token (43 characters, no padding)."""
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


def keyed_minter(key: bytes) -> Minter:
    """A minter with the key in this process: what tests and demos use where KMS's own is not needed."""

    def mint(invitation_id: str) -> str:
        return token_from_mac(hmac.new(key, mac_message(invitation_id), hashlib.sha256).digest())

    return mint


def random_token() -> str:
    """256 random bits, URL-safe: the tokens of the local stack's demo invitations, which no outbox mails."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
