"""Invitation tokens minted with a KMS HMAC key: the key never leaves KMS, and the raw token is never stored."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from business_accounts.logic.tokens import mac_message, token_from_mac
from business_accounts.models.errors import ServiceUnavailable

if TYPE_CHECKING:
    from mypy_boto3_kms.client import KMSClient

UNAVAILABLE_RETRY_AFTER = 2


class KmsMinter:
    """`mint(invitation_id)`: the HMAC-SHA-256 of the invitation's id under the stack's token key (GenerateMac).

    KMS out of reach, throttling or refusing is 503 SERVICE_UNAVAILABLE: nothing was written yet (a request mints
    before it writes), and the outbox's stream tries again."""

    def __init__(self, client: Callable[[], KMSClient], *, key_id: str) -> None:
        self._client = client
        self._key_id = key_id

    def __call__(self, invitation_id: str) -> str:
        try:
            answer = self._client().generate_mac(
                KeyId=self._key_id, Message=mac_message(invitation_id), MacAlgorithm="HMAC_SHA_256"
            )
        except (ClientError, BotoCoreError) as error:
            raise ServiceUnavailable(retry_after=UNAVAILABLE_RETRY_AFTER) from error
        return token_from_mac(answer["Mac"])
