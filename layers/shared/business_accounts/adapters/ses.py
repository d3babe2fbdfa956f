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
    MailRefused,
)

# What SES answers when it will not take this email however often it is asked: the email never leaves.
_REFUSALS = frozenset({"MessageRejected", "BadRequestException"})

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
                {"Name": CATEGORY_TAG, "Value": email.invitation.purpose.value},
                {"Name": INVITATION_TAG, "Value": email.invitation.invitation_id},
                {"Name": ACCOUNT_TAG, "Value": email.invitation.account_id},
            ],
        }
        if self._configuration_set:
            request["ConfigurationSetName"] = self._configuration_set
        try:
            self._client().send_email(**request)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            raise (MailRefused if code in _REFUSALS else MailDeliveryError)(code or "ClientError") from error
        except BotoCoreError as error:  # timed out, reset or unreachable: whether SES took it is not known
            raise MailDeliveryError(type(error).__name__) from error
