"""The Mailer on SES v2: `SendEmail` of the whole MIME message, from the verified sender, tagged for feedback."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from business_accounts.logic.invitation_email import (
    ACCOUNT_TAG,
    CATEGORY_TAG,
    INVITATION_TAG,
    ComposedEmail,
    MailDeliveryError,
)

if TYPE_CHECKING:
    from mypy_boto3_sesv2.client import SESV2Client


class SesMailer:
    """Sends invitation emails with SES v2 `SendEmail`, from the verified sender identity."""

    def __init__(self, client: Callable[[], SESV2Client], *, sender: str, configuration_set: str | None) -> None:
        self._client = client
        self._sender = sender
        self._configuration_set = configuration_set

    def send(self, email: ComposedEmail) -> None:
        request: dict[str, Any] = {
            "FromEmailAddress": self._sender,
            "Destination": {"ToAddresses": [email.recipient]},
            "Content": {"Raw": {"Data": email.mime}},  # text and HTML as one multipart/alternative
            "EmailTags": [
                {"Name": CATEGORY_TAG, "Value": "invitation"},
                {"Name": INVITATION_TAG, "Value": email.invitation.invitation_id},
                {"Name": ACCOUNT_TAG, "Value": email.invitation.account_id},
            ],
        }
        if self._configuration_set:
            request["ConfigurationSetName"] = self._configuration_set
        try:
            self._client().send_email(**request)
        except (ClientError, BotoCoreError) as error:
            raise MailDeliveryError(type(error).__name__) from error
