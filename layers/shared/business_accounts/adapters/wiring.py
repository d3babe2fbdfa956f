"""The deployed wiring: the AWS clients, and the Services built from them and the function's settings.

Handlers take their collaborators from here (`services()`); the logic never imports this module, so importing
the logic never imports boto3.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

from business_accounts.adapters.dynamodb import DynamoDB
from business_accounts.adapters.dynamodb_store import DynamoStore
from business_accounts.adapters.environment import load_settings
from business_accounts.adapters.kms import KmsMinter
from business_accounts.adapters.ses import SesMailer
from business_accounts.logic.services import Services
from business_accounts.models.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_events.client import EventBridgeClient
    from mypy_boto3_kms.client import KMSClient
    from mypy_boto3_lambda.client import LambdaClient
    from mypy_boto3_sesv2.client import SESV2Client


# An unreachable or slow AWS endpoint fails well inside the functions' 10 s timeout, as 503 with Retry-After.
AWS_CALLS = Config(connect_timeout=1, read_timeout=3, retries={"mode": "standard", "total_max_attempts": 2})
# SendEmail is not idempotent: botocore does not try it again (its stream does, with the same link), and a slow
# SES gets the time it needs, as nobody waits on the outbox.
SES_CALLS = Config(connect_timeout=2, read_timeout=10, retries={"mode": "standard", "total_max_attempts": 1})


@cache
def dynamodb_client() -> DynamoDBClient:
    client: DynamoDBClient = boto3.client("dynamodb", config=AWS_CALLS)
    return client


@cache
def sesv2_client() -> SESV2Client:
    client: SESV2Client = boto3.client("sesv2", config=SES_CALLS)
    return client


@cache
def kms_client() -> KMSClient:
    client: KMSClient = boto3.client("kms", config=AWS_CALLS)
    return client


@cache
def events_client() -> EventBridgeClient:
    client: EventBridgeClient = boto3.client("events", config=AWS_CALLS)
    return client


@cache
def lambda_client() -> LambdaClient:
    client: LambdaClient = boto3.client("lambda", config=AWS_CALLS)
    return client


def build_services(settings: Settings) -> Services:
    """The deployed collaborators; each AWS client is built on its first call, so a function builds only its own."""
    store = DynamoStore(
        DynamoDB(dynamodb_client),
        accounts_table=settings.accounts_table,
        invitations_table=settings.invitations_table,
        events_table=settings.events_table,
        retention_seconds=settings.invitation_retention_seconds,
    )
    mailer = SesMailer(sesv2_client, sender=settings.sender_email, configuration_set=settings.ses_configuration_set)
    return Services(
        settings=settings, store=store, mailer=mailer, mint=KmsMinter(kms_client, key_id=settings.token_key_id)
    )


class _Runtime:
    """This function instance's collaborators: built on first use and kept while it is warm; tests put in their own."""

    def __init__(self) -> None:
        self._services: Services | None = None

    def __call__(self) -> Services:
        if self._services is None:
            self._services = build_services(load_settings())
        return self._services

    def use(self, replacement: Services | None) -> None:
        """Serve `replacement` from now on; None goes back to building from the environment."""
        self._services = replacement


services = _Runtime()
