"""AWS calls per operation, every route and its error paths, and the cleanup's reads, counted at the botocore level.

The handlers run in this process on moto, with the template's environment except two limits, so that every path
is reachable without waiting: no cooldown between emails and a daily limit of one per address and party (public,
back office). Every botocore client built meanwhile (the service's, the idempotency store's) is counted through its
`before-call` hook. After each request the events table's stream is drained through the template's consumers (the
outbox mails, the publisher puts on the bus), as Lambda would within a second, and what they call is counted apart.
"""

from __future__ import annotations

import io
import os
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from botocore.client import ClientCreator
from moto import mock_aws

from business_accounts.logic.tokens import token_hash
from local import emulator
from local.atomic import atomic_dynamodb
from local.inbox import latest_token
from local.worker import Context
from tools.api import Answer, Api
from tools.functions import functions, template
from tools.instances import lambda_environment
from tools.streams import InProcess
from tools.template import REGION, Stack

# (pending, expired) invitations in the table when the cleanup runs.
CLEANUP_CASES = ((5000, 0), (5000, 50), (0, 5000))
LIST_HISTORY = 60  # invitations in the account whose listing is measured


@dataclass(frozen=True)
class Operation:
    name: str
    answer: str
    calls: dict[str, int]
    items_read: int
    by_the_stream: dict[str, int]  # what the outbox and the publisher called for it, after the answer

    @property
    def dynamodb_calls(self) -> int:
        return sum(count for name, count in self.calls.items() if name.startswith("dynamodb."))


class CallCounter:
    """Every AWS operation a botocore client makes, and the items DynamoDB returned to it."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.items_read = 0
        self._lock = threading.Lock()  # the cleanup may call from a pool of threads

    def attach(self, client: Any) -> None:
        client.meta.events.register("before-call.*.*", self._before)
        client.meta.events.register("after-call.*.*", self._after)

    def detach(self, client: Any) -> None:
        client.meta.events.unregister("before-call.*.*", self._before)
        client.meta.events.unregister("after-call.*.*", self._after)

    def _before(self, model: Any, **_: Any) -> None:
        with self._lock:
            self.calls[f"{model.service_model.service_name}.{model.name}"] += 1

    def _after(self, parsed: dict[str, Any], **_: Any) -> None:
        read = parsed.get("Count", 1 if "Item" in parsed else 0)
        read += sum(len(items) for items in parsed.get("Responses", {}).values()) if "Responses" in parsed else 0
        with self._lock:
            self.items_read += int(read)

    def take(self) -> tuple[dict[str, int], int]:
        """What was counted since the last take."""
        with self._lock:
            taken = dict(sorted(self.calls.items())), self.items_read
            self.calls.clear()
            self.items_read = 0
        return taken


# One for the whole process: the service keeps its clients (and their hooks) from one moto session to the next.
_COUNTER = CallCounter()


@contextmanager
def counted_aws() -> Iterator[CallCounter]:
    """moto with the template's tables and sender, the bench environment, and every new client counted."""
    counter = _COUNTER
    create_client = ClientCreator.create_client

    def counting(creator: ClientCreator, *args: Any, **kwargs: Any) -> Any:
        client = create_client(creator, *args, **kwargs)
        counter.attach(client)
        return client

    saved = dict(os.environ)
    os.environ.clear()
    for logical_id in functions():  # one process for all: each function's settings (the bus's name, ...) are there
        os.environ.update(lambda_environment(logical_id, INVITE_COOLDOWN_SECONDS="0", INVITE_DAILY_LIMIT="1"))
    for name in ("AWS_ENDPOINT_URL", "LAMBDA_TASK_ROOT", "_X_AMZN_TRACE_ID"):
        os.environ.pop(name)
    os.environ["POWERTOOLS_TRACE_DISABLED"] = "true"  # in process: no X-Ray patching of this process's botocore
    os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"
    ClientCreator.create_client = counting  # type: ignore[method-assign]
    try:
        with mock_aws(), atomic_dynamodb(), redirect_stdout(io.StringIO()):  # the handlers' logs and metrics
            stack = Stack(template(), REGION)
            emulator.create_tables(boto3.client("dynamodb", region_name=REGION), stack)
            emulator.verify_sender(boto3.client("sesv2", region_name=REGION), stack)
            emulator.create_keys(boto3.client("kms", region_name=REGION), stack)
            emulator.create_buses(boto3.client("events", region_name=REGION), stack)
            counter.take()
            yield counter
    finally:
        ClientCreator.create_client = create_client  # type: ignore[method-assign]
        os.environ.clear()
        os.environ.update(saved)


def _make_expired(token: str) -> None:
    """Move an invitation's expiry into the past, as time would."""
    boto3.client("dynamodb", region_name=REGION).update_item(
        TableName="InvitationsTable",
        Key={"token_hash": {"S": token_hash(token)}},
        UpdateExpression="SET expires_at = :at, expires_epoch = :epoch",
        ExpressionAttributeValues={":at": {"S": "2026-01-01T00:00:00Z"}, ":epoch": {"N": "1767225600"}},
    )


class _Story:
    """Runs each operation and records its answer and the calls it made."""

    def __init__(self, counter: CallCounter) -> None:
        self.api = Api()
        self.counter = counter
        self.operations: list[Operation] = []
        self.stream = InProcess(REGION, Stack().physical_name)
        for poller in (self.stream.pump.dynamodb, self.stream.pump.streams):  # Lambda's poller, not the function's
            counter.detach(poller)

    def __call__(self, name: str, method: str, path: str, body: Any = None, **options: Any) -> Answer:
        self.counter.take()
        answer = self.api.request(method, path, body=body, **options)
        calls, items = self.counter.take()
        self.drain()
        by_the_stream, _ = self.counter.take()
        answered = f"{answer.status} {answer.code or ''}".strip()
        self.operations.append(Operation(name, answered, calls, items, by_the_stream))
        return answer

    def drain(self) -> None:
        self.stream.drain()

    def provision(self, email: str, **extra: str) -> dict[str, Any]:
        body = {"company_name": "ACME Ltd", "administrator_email": email, "created_via": "sales", **extra}
        answer: dict[str, Any] = self.api.post("/v1/internal/accounts", body).body
        self.drain()
        return answer


def operations() -> list[Operation]:  # noqa: PLR0915 - one story, step by step, reads best in one place
    with counted_aws() as counter:
        step = _Story(counter)
        provision = {"company_name": "ACME Ltd", "administrator_email": "ann@example.com", "created_via": "sales"}
        account = step("provision", "POST", "/v1/internal/accounts", {**provision, "external_reference": "CRM-1"})
        account_id = account.body["account_id"]
        step(
            "provision: same external_reference",
            "POST",
            "/v1/internal/accounts",
            {**provision, "external_reference": "CRM-1"},
        )
        step("provision: email taken (409)", "POST", "/v1/internal/accounts", provision)
        step("provision: invalid (422)", "POST", "/v1/internal/accounts", {"company_name": ""})

        register = {"email": "reg@example.com", "company_name": "Reg Ltd"}
        step("register", "POST", "/v1/accounts", register)
        confirmation = latest_token(REGION, "reg@example.com")
        step("accept (a registration's confirmation)", "POST", "/v1/invitations/accept", {"token": confirmation})
        step("register: already registered (409)", "POST", "/v1/accounts", register)
        step(
            "register: pending invitation (409)",
            "POST",
            "/v1/accounts",
            {"email": "ann@example.com", "company_name": "A"},
        )
        key = {"headers": {"Idempotency-Key": "bench-key"}}
        keyed = {"email": "key@example.com", "company_name": "Key Ltd"}
        step("register with Idempotency-Key", "POST", "/v1/accounts", keyed, **key)
        step("register: same key, same body (replay)", "POST", "/v1/accounts", keyed, **key)
        step("register: same key, other body (422)", "POST", "/v1/accounts", register, **key)
        step("register: not JSON (400/422)", "POST", "/v1/accounts", "{not json")

        first_token = latest_token(REGION, "ann@example.com")
        step("join", "POST", f"/v1/accounts/{account_id}/join", {"email": "ann@example.com"})
        step("join: daily limit (429)", "POST", f"/v1/accounts/{account_id}/join", {"email": "ann@example.com"})
        step(
            "join: unknown account (404)",
            "POST",
            f"/v1/accounts/{account_id[:-4]}ZZZZ/join",
            {"email": "ann@example.com"},
        )
        step("join: no standing (404)", "POST", f"/v1/accounts/{account_id}/join", {"email": "other@example.com"})

        step.provision("bob@example.com")
        step("resend", "POST", "/v1/invitations/resend", {"email": "bob@example.com"})
        step("resend: daily limit (429)", "POST", "/v1/invitations/resend", {"email": "bob@example.com"})
        step("resend: no invitation", "POST", "/v1/invitations/resend", {"email": "nobody@example.com"})

        cats_account = step.provision("cat@example.com")["account_id"]
        token = latest_token(REGION, "cat@example.com")
        step("preview", "POST", "/v1/invitations/preview", {"token": token})
        step("preview: unknown token (404)", "POST", "/v1/invitations/preview", {"token": "x" * 43})
        step("preview: superseded (410)", "POST", "/v1/invitations/preview", {"token": first_token})
        step("accept", "POST", "/v1/invitations/accept", {"token": token})
        step("accept: already accepted (409)", "POST", "/v1/invitations/accept", {"token": token})
        step("join: already a member (409)", "POST", f"/v1/accounts/{cats_account}/join", {"email": "cat@example.com"})

        step.provision("eve@example.com")
        expired = latest_token(REGION, "eve@example.com")
        _make_expired(expired)
        step("preview: expired (410)", "POST", "/v1/invitations/preview", {"token": expired})
        step("renew (expired link)", "POST", "/v1/invitations/renew", {"token": expired})
        step(
            "renew: daily limit (429)",
            "POST",
            "/v1/invitations/renew",
            {"token": latest_token(REGION, "eve@example.com")},
        )

        internal = f"/v1/internal/accounts/{account_id}"
        step("get account", "GET", internal)
        step("get account: unknown (404)", "GET", f"/v1/internal/accounts/{account_id[:-4]}ZZZZ")
        step(
            "invite colleague",
            "POST",
            f"{internal}/invitations",
            {"email": "fay@example.com", "invited_by": "ann@example.com"},
        )
        step("invite: email of another account (409)", "POST", f"{internal}/invitations", {"email": "cat@example.com"})
        invitation_id = step("list invitations", "GET", f"{internal}/invitations").body["items"][0]["invitation_id"]
        step("revoke", "DELETE", f"{internal}/invitations/{invitation_id}")
        step("revoke: again", "DELETE", f"{internal}/invitations/{invitation_id}")
        step(
            "preview: revoked (410)",
            "POST",
            "/v1/invitations/preview",
            {"token": latest_token(REGION, "fay@example.com")},
        )

        sesv2 = boto3.client("sesv2", region_name=REGION)
        guss_account = step.provision("gus@example.com")["account_id"]
        sesv2.delete_email_identity(EmailIdentity=os.environ["SENDER_EMAIL"])
        step(
            "join: SES refuses (the outbox)", "POST", f"/v1/accounts/{guss_account}/join", {"email": "gus@example.com"}
        )
        step(
            "provision: SES refuses (the outbox)",
            "POST",
            "/v1/internal/accounts",
            {**provision, "administrator_email": "ivy@example.com"},
        )
        sesv2.create_email_identity(EmailIdentity=os.environ["SENDER_EMAIL"])

        history = step.provision("history@example.com")["account_id"]
        for number in range(LIST_HISTORY - 1):
            step.api.post(f"/v1/internal/accounts/{history}/invitations", {"email": f"h{number}@example.com"})
        step.drain()
        listing = f"/v1/internal/accounts/{history}/invitations"
        step(f"list ({LIST_HISTORY} in history)", "GET", listing)
        step(f"list ?status=accepted ({LIST_HISTORY} in history, none accepted)", "GET", f"{listing}?status=accepted")
        step(f"list ?status=pending ({LIST_HISTORY} in history)", "GET", f"{listing}?status=pending")

        step("openapi document", "GET", "/v1/openapi.json")
        step("accept page", "GET", "/invitations/accept")
    return step.operations


def _seed_invitations(pending: int, expired: int) -> None:
    """Clones of one invitation made through the API: `pending` still valid, `expired` past their expiry."""
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    (original,) = dynamodb.scan(TableName="InvitationsTable")["Items"]
    dynamodb.delete_item(TableName="InvitationsTable", Key={"token_hash": original["token_hash"]})
    now = datetime.now(UTC).replace(microsecond=0)
    clones = []
    for number in range(pending + expired):
        expires = now + (timedelta(days=7) if number < pending else -timedelta(hours=1 + number % 48))
        epoch = int(expires.timestamp())
        clones.append(
            original
            | {
                "token_hash": {"S": f"bench-{number:06d}"},
                "invitation_id": {"S": f"{original['invitation_id']['S'][:-6]}{number:06d}"},
                "expires_at": {"S": expires.strftime("%Y-%m-%dT%H:%M:%SZ")},
                "expires_epoch": {"N": str(epoch)},
                "ttl": {"N": str(epoch + 2_592_000)},
            }
        )
    for start in range(0, len(clones), 25):
        batch = [{"PutRequest": {"Item": item}} for item in clones[start : start + 25]]
        dynamodb.batch_write_item(RequestItems={"InvitationsTable": batch})


@dataclass(frozen=True)
class Cleanup:
    pending: int
    expired: int
    answer: dict[str, Any]
    calls: dict[str, int]
    items_read: int
    seconds: float


def cleanups() -> list[Cleanup]:
    found = []
    for pending, expired in CLEANUP_CASES:
        with counted_aws() as counter:
            Api().post(
                "/v1/internal/accounts",
                {"company_name": "Old Ltd", "administrator_email": "old@example.com", "created_via": "sales"},
            )
            _seed_invitations(pending, expired)
            handler = functions()["CleanupFunction"].entry_point()
            timeout = int(template()["Resources"]["CleanupFunction"]["Properties"]["Timeout"])
            context = Context("CleanupFunction", 512, "arn:aws:lambda:::function:cleanup", str(uuid.uuid4()), 0.0)
            counter.take()
            started = time.monotonic()
            context.deadline = started + timeout
            answer = handler({"source": "aws.scheduler", "detail-type": "Scheduled Event", "detail": {}}, context)
            seconds = time.monotonic() - started
            calls, items = counter.take()
        found.append(Cleanup(pending, expired, answer, calls, items, seconds))
    return found
