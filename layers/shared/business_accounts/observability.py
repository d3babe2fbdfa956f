"""The one logger, tracer and metrics of the service, and the masking of personal data in logs."""

from __future__ import annotations

import warnings
from enum import StrEnum
from functools import cache

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

# A request that counts nothing (a preview, a 4xx) is normal here, not worth a warning in every log.
warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)

# Constants of the product rather than settings, so they hold whenever this module is first imported.
SERVICE = "business-accounts"
NAMESPACE = "BusinessAccounts"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)


@cache
def _tracer() -> Tracer:
    # X-Ray traces the AWS calls (botocore) and nothing else: patching every library it knows costs each cold start.
    return Tracer(service=SERVICE, patch_modules=["botocore"])


def __getattr__(name: str) -> Tracer:
    """`tracer` exists once a function imports it: those that call no AWS never load the X-Ray SDK or botocore."""
    if name == "tracer":
        return _tracer()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Metric(StrEnum):
    """The business events the service counts."""

    ACCOUNTS_REGISTERED = "AccountsRegistered"
    PENDING_INVITATIONS_ENCOUNTERED = "PendingInvitationsEncountered"
    INVITATIONS_SENT = "InvitationsSent"
    INVITATIONS_ACCEPTED = "InvitationsAccepted"
    INVITATIONS_EXPIRED = "InvitationsExpired"
    INVITATION_EMAIL_FAILURES = "InvitationEmailFailures"
    RATE_LIMITED = "InvitationEmailsRateLimited"
    # Delivery feedback: what SES reported of invitation emails (each report once), and what it stopped.
    INVITATIONS_DELIVERED = "InvitationsDelivered"
    INVITATIONS_DELAYED = "InvitationsDelayed"
    INVITATIONS_BOUNCED = "InvitationsBounced"
    INVITATIONS_COMPLAINED = "InvitationsComplained"
    INVITATIONS_REJECTED = "InvitationsRejected"
    SUPPRESSED_EMAILS_REFUSED = "SuppressedInvitationEmailsRefused"


def count(metric: Metric, value: int = 1) -> None:
    metrics.add_metric(name=metric.value, unit=MetricUnit.Count, value=value)


def mask_email(email: str) -> str:
    """`jane.doe@example.com` -> `j***@example.com`: enough to correlate, not enough to identify."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"
