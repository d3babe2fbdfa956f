"""Lambda SnapStart's runtime hooks: what a first request would pay is done before the snapshot, and what must be
unique or fresh in each execution environment is renewed after a restore.

A function registers its hooks once, from its app.py (`prepare`). With SnapStart off (the template's `SnapStart`
parameter) Lambda never runs them and the function starts as it always did, building everything on first use.
docs/deploy.md (Sizing, SnapStart) has the audit of every piece of state an init creates, and why these hooks are
all it needs.
"""

from __future__ import annotations

import gc
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

import pydantic

if TYPE_CHECKING:
    from botocore.client import BaseClient

    from business_accounts.models.settings import Settings

try:  # Lambda's Python runtime ships it, and the layer pins it; anywhere else the hooks are simply never run.
    from snapshot_restore_py import register_after_restore, register_before_snapshot
except ImportError:  # pragma: no cover

    def register_before_snapshot(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Callable[..., Any]:
        return func

    register_after_restore = register_before_snapshot


class Routes(Protocol):
    """A function's HTTP app (web/http.create_app): documenting its routes builds what validating them needs."""

    def get_openapi_schema(self) -> object: ...


# Addresses that take every path of the mailbox grammar: ASCII, and an internationalised domain (IDNA).
_WARM_ADDRESSES = ("warm-up@example.com", "warm-up@bücher.example")
# The clients made before the snapshot: the ones whose connections and credentials a restore renews.
_made: list[BaseClient] = []


def prepare(
    app: Routes | None = None,
    *,
    calls_aws: bool = True,
    warm: Callable[[], object] | None = None,
) -> None:
    """Register this function's hooks. Before the snapshot: `warm`, every route of `app` ready to validate, and for a
    function that `calls_aws`, its settings, clients and their endpoints, the mailbox grammar and an invitation email
    in every language; then every model of the package, and the heap frozen. After a restore: `renew`."""

    def before_snapshot() -> None:
        if warm is not None:
            warm()
        if app is not None:
            app.get_openapi_schema()  # builds each documented route's validation, as its first request would
        if calls_aws:
            _warm_aws()
        _build_models()
        # What init made lives as long as the instance: the collector need never walk it again, in any copy.
        gc.collect()
        gc.freeze()

    register_before_snapshot(before_snapshot)
    register_after_restore(renew)


def renew() -> None:
    """What each restored execution environment must not share with the others, or keep from the snapshot's time."""
    random.seed()  # the `random` module's state (botocore's retry jitter) from the kernel, apart in every copy
    for client in _made:
        client.close()  # connections from before the snapshot would be dead; there are none unless init called AWS
    if _made:
        _credentials_fresh()


def _warm_aws() -> None:
    # Imported here: the pages and the OpenAPI document call no AWS and never load boto3 (tests/artifacts holds it).
    from business_accounts.adapters.wiring import dynamodb_client, kms_client, services  # noqa: PLC0415

    settings = services().settings
    dynamodb, kms = dynamodb_client(), kms_client()  # the request functions send no email: the outbox does
    _made[:] = [dynamodb, kms]
    with _untraced():
        tables = (
            settings.accounts_table,
            settings.invitations_table,
            settings.idempotency_table,
            settings.events_table,
        )
        for table in tables:
            _resolve_endpoint(dynamodb, "get_item", TableName=table, Key={"pk": {"S": "warm-up"}})
        _resolve_endpoint(
            kms, "generate_mac", KeyId=settings.token_key_id, Message=b"warm-up", MacAlgorithm="HMAC_SHA_256"
        )
    _warm_emails(settings)


@contextmanager
def _untraced() -> Iterator[None]:
    """X-Ray off while warming: in Lambda's init a call has no segment to join, and the SDK warns for each one."""
    from aws_xray_sdk import global_sdk_config  # noqa: PLC0415 - the tracer's SDK, as the functions that call AWS have

    enabled = global_sdk_config.sdk_enabled()
    global_sdk_config.set_sdk_enabled(False)
    try:
        yield
    finally:
        global_sdk_config.set_sdk_enabled(enabled)


def _resolve_endpoint(client: BaseClient, method: str, **parameters: Any) -> None:
    """`method` taken as far as botocore goes before signing and sending: its endpoint resolved (per table, as
    DynamoDB resolves them) and its request serialised. A `before-call` handler that answers ends it there, so
    nothing is signed, nothing is sent and no credentials are needed."""
    from botocore.awsrequest import AWSResponse  # noqa: PLC0415
    from botocore.compat import HTTPHeaders  # noqa: PLC0415

    service = client.meta.service_model.service_id.hyphenize()
    event = f"before-call.{service}.{client.meta.method_to_api_mapping[method]}"

    def answer_here(**_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        return AWSResponse(client.meta.endpoint_url, 200, HTTPHeaders(), None), {}

    # botocore's stubs type every handler as answering None; a before-call handler may answer (its Stubber's does).
    client.meta.events.register_first(event, answer_here, unique_id="snapshot-warm-up")  # type: ignore[arg-type]
    try:
        getattr(client, method)(**parameters)
    finally:
        client.meta.events.unregister(event, unique_id="snapshot-warm-up")


def _warm_emails(settings: Settings) -> None:
    from business_accounts.logic.invitation_email import InvitationEmail, compose  # noqa: PLC0415
    from business_accounts.models.languages import SUPPORTED  # noqa: PLC0415
    from business_accounts.models.mailbox import normalise_email  # noqa: PLC0415
    from business_accounts.models.types import CreatedVia, InvitationPurpose  # noqa: PLC0415

    for address in _WARM_ADDRESSES:
        normalise_email(address)  # imports email-validator and compiles its patterns
    for locale in SUPPORTED:  # each catalog, its CLDR dates, the HTML template and the MIME machinery
        invitation = InvitationEmail(
            to=_WARM_ADDRESSES[-1],
            company_name="Warm-up",
            created_via=CreatedVia.SALES,
            link=f"{settings.accept_page_url}#token=warm-up",
            expires_at=datetime(2000, 1, 1, tzinfo=UTC),
            invitation_id="warm-up",
            account_id="warm-up",
            locale=locale,
        )
        for purpose in InvitationPurpose:  # an invitation and a confirmation: each email is built before a write
            compose(replace(invitation, purpose=purpose), sender=settings.sender_email)


def _models(base: type[pydantic.BaseModel]) -> Iterator[type[pydantic.BaseModel]]:
    for model in base.__subclasses__():
        yield model
        yield from _models(model)


def _build_models() -> None:
    """Every model of the package built: the bodies, items and records that defer it to their first use."""
    for model in set(_models(pydantic.BaseModel)):
        if model.__module__.startswith("business_accounts.") and not model.__pydantic_complete__:
            model.model_rebuild(force=True)


def _credentials_fresh() -> None:
    """The credentials the clients share, refreshed now if the snapshot's have expired or soon will, so that no
    request waits for it. Under SnapStart Lambda gives no access keys in the environment: botocore's provider chain
    reads the container credentials endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI), once, when the first client is
    made before the snapshot, and refreshes them from it when they near their expiry."""
    import boto3  # noqa: PLC0415

    if boto3.DEFAULT_SESSION is not None:
        credentials = boto3.DEFAULT_SESSION.get_credentials()
        if credentials is not None:
            credentials.get_frozen_credentials()
