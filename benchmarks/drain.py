"""The cleanup draining a backlog as Lambda runs it, in process on moto: each run short of time hands its parts on."""

from __future__ import annotations

import io
import json
import math
import os
import time
import uuid
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote

from boto3.dynamodb.types import TypeSerializer
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders
from moto import mock_aws

from business_accounts.adapters.dynamodb import Transaction
from business_accounts.adapters.dynamodb_parts import Parts
from business_accounts.adapters.dynamodb_reads import PENDING_BY_EXPIRY_INDEX
from business_accounts.adapters.environment import load_settings
from business_accounts.adapters.keys import SHARDS, every_pending_shard
from business_accounts.adapters.wiring import build_services, dynamodb_client, lambda_client, services
from business_accounts.logic.cleanup import TIME_TO_SPARE
from business_accounts.logic.issuing import new_invitation
from business_accounts.logic.services import Services
from business_accounts.logic.tokens import keyed_minter
from business_accounts.models.items import Account, Administrator, EmailOwnership
from business_accounts.models.languages import chosen
from business_accounts.models.lifetime import EXPIRED_AT_NOW, epoch
from business_accounts.models.types import AdministratorState, CreatedVia, InvitationPurpose, sortable_id
from business_accounts.observability import logger
from local import emulator
from local.atomic import atomic_dynamodb
from local.worker import Context
from tools.events import load_event
from tools.functions import functions
from tools.instances import lambda_environment
from tools.template import ACCOUNT_ID, REGION, STACK_NAME, Stack

# The backlog, and the wall-clock seconds each run works before only TIME_TO_SPARE is left (Lambda gives 280 of
# its 300 s): small enough here that every part is handed on several times. DRAIN_INVITATIONS, DRAIN_RUN_SECONDS.
INVITATIONS = int(os.environ.get("DRAIN_INVITATIONS", "50000"))
RUN_SECONDS = float(os.environ.get("DRAIN_RUN_SECONDS", "20"))
REGISTRATIONS = 10  # one backlog invitation in ten a registration's confirmation: its expiry discards the account
BASELINE_ITEMS = 2_000  # plain UpdateItem calls, before and after the drain: the yardstick of this run
BASELINE_TABLE = "DrainBaseline"
FUNCTION = "CleanupFunction"
ALIAS_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{STACK_NAME}-cleanup:live"
_BATCH_WRITE = 25  # requests per BatchWriteItem

# The paper figure: what a run clears on Lambda (issue 21: 1.23 ms of CPU per invitation, some 33 000 in a run of
# 300 s), the backlog of one upgrade-insurance wave, and one run per shard of the pending index in parallel.
PAPER_BACKLOG, PAPER_PER_RUN, PAPER_RUN_SECONDS = 1_000_000, 33_000, 300


@dataclass(frozen=True)
class Drain:
    invitations: int  # pending and expired when the schedule's run starts
    expired: int  # what the runs answered, summed
    left: int  # pending and expired when the last run is done, counted by a Query of every shard
    runs: int  # the schedule's own and every one handed on
    rounds: int  # the most runs in a row of one part (Continuation.rounds)
    seconds: float  # from the schedule's run to the end of the last
    seed_seconds: float
    run_seconds: float  # each run's working time before TIME_TO_SPARE
    baseline_items: int  # plain UpdateItem calls, one after another, before the drain and again after it
    baseline_before_ms: float  # their mean, before
    baseline_after_ms: float  # ... and after

    @property
    def ms_per_invitation(self) -> float:
        return self.seconds * 1000 / max(self.expired, 1)

    @property
    def baseline_ms(self) -> float:
        return (self.baseline_before_ms + self.baseline_after_ms) / 2

    @property
    def to_baseline(self) -> float:
        """One invitation drained over one plain UpdateItem, both measured in this run."""
        return self.ms_per_invitation / self.baseline_ms


@dataclass(frozen=True)
class Paper:
    """A backlog on Lambda: the schedule's run, then `rounds` rounds of one run per shard in parallel."""

    backlog: int
    per_run: int
    shards: int
    rounds: int

    @property
    def minutes(self) -> float:
        return (1 + self.rounds) * PAPER_RUN_SECONDS / 60

    @property
    def hourly_hours(self) -> int:
        """Without hand-overs: one run an hour."""
        return math.ceil(self.backlog / self.per_run)


def paper(backlog: int = PAPER_BACKLOG, per_run: int = PAPER_PER_RUN, shards: int = SHARDS) -> Paper:
    """The schedule's run clears `per_run` over every shard; each round after it, every shard's run as many."""
    left_per_shard = max(backlog - per_run, 0) / shards
    return Paper(backlog, per_run, shards, math.ceil(left_per_shard / per_run))


@contextmanager
def _cleanup_function() -> Iterator[list[dict[str, Any]]]:
    """moto with the template's tables, CleanupFunction's environment and wiring, and its Lambda Invoke calls
    answered here (202, as for an asynchronous invocation) and kept in the list, each with its parameters."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(lambda_environment(FUNCTION))
    for name in ("AWS_ENDPOINT_URL", "LAMBDA_TASK_ROOT", "_X_AMZN_TRACE_ID"):
        os.environ.pop(name, None)
    os.environ["POWERTOOLS_TRACE_DISABLED"] = "true"  # in process: no X-Ray patching of this process's botocore
    os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"
    invoked: list[dict[str, Any]] = []

    def queued(params: dict[str, Any], **_: Any) -> Any:  # a before-call hook's answer: (response, parsed)
        invoked.append(params)
        return AWSResponse("", 202, HTTPHeaders(), None), {"StatusCode": 202}

    hook, level = "before-call.lambda.Invoke", logger.log_level
    logger.setLevel("WARNING")  # made on import, before this environment: its warnings only
    try:
        with mock_aws(), redirect_stdout(io.StringIO()):  # the handler's logs and metrics
            emulator.create_tables(dynamodb_client(), Stack())
            services.use(build_services(load_settings()))
            lambda_client().meta.events.register_first(hook, queued)
            yield invoked
    finally:
        lambda_client().meta.events.unregister(hook, queued)
        services.use(None)
        logger.setLevel(level)
        os.environ.clear()
        os.environ.update(saved)


def _backlog(wired: Services, count: int, now: datetime) -> Iterator[Transaction]:
    """`count` accounts each with one administrator invited, every invitation past its expiry (spread over the
    last day), as issuing writes them: upgrade-insurance provisionings, and one in ten self-service registrations."""
    settings = wired.settings
    issuing = replace(wired, mint=keyed_minter(b"drain benchmark"))  # no KMS key on this moto
    parts = Parts(
        accounts_table=settings.accounts_table,
        invitations_table=settings.invitations_table,
        retention_seconds=settings.invitation_retention_seconds,
    )
    for number in range(count):
        issued = now - timedelta(seconds=settings.invitation_ttl_seconds + 60 + number * 86_400 // count)
        registration = number % REGISTRATIONS == 0
        account = Account(
            account_id=sortable_id("acc"),
            company_name=f"Insured {number} Ltd",
            created_via=CreatedVia.SELF_SERVICE if registration else CreatedVia.UPGRADE_INSURANCE,
            created_at=issued,
            verified=not registration,
        )
        purpose = InvitationPurpose.CONFIRMATION if registration else InvitationPurpose.INVITATION
        email = f"admin{number}@example.com"
        invitation, _ = new_invitation(
            issuing, account=account, email=email, now=issued, language=chosen(None), purpose=purpose
        )
        transaction = Transaction()
        parts.put_account(transaction, account)
        administrator = Administrator(account_id=account.account_id, email=email, state=AdministratorState.INVITED)
        parts.put_administrator(transaction, administrator)
        parts.claim_email(transaction, EmailOwnership.invited_to(invitation))
        parts.put_invitation(transaction, invitation)
        yield transaction


def _seed(client: Any, transactions: Iterator[Transaction]) -> None:
    """Each transaction's puts, as they are, by BatchWriteItem (nothing is there yet: no condition to keep)."""
    serializer = TypeSerializer()
    requests: list[tuple[str, dict[str, Any]]] = []
    for transaction in transactions:
        for _, operation, request in transaction.parts:
            assert operation == "Put", operation
            item = {name: serializer.serialize(value) for name, value in request["Item"].items()}
            requests.append((request["TableName"], {"PutRequest": {"Item": item}}))
    for start in range(0, len(requests), _BATCH_WRITE):
        batch: dict[str, list[dict[str, Any]]] = {}
        for table, put in requests[start : start + _BATCH_WRITE]:
            batch.setdefault(table, []).append(put)
        assert not client.batch_write_item(RequestItems=batch).get("UnprocessedItems")


def _overdue_left(client: Any, invitations_table: str, now: datetime) -> int:
    """Pending invitations past their expiry in every shard of the index, counted by Query (Select COUNT)."""
    left = 0
    for shard in every_pending_shard():
        request: dict[str, Any] = {
            "TableName": invitations_table,
            "IndexName": PENDING_BY_EXPIRY_INDEX,
            "KeyConditionExpression": f"pending_shard = :shard AND {EXPIRED_AT_NOW}",
            "ExpressionAttributeValues": {":shard": {"S": shard}, ":now": {"N": str(epoch(now))}},
            "Select": "COUNT",
        }
        while True:
            page = client.query(**request)
            left += page["Count"]
            if "LastEvaluatedKey" not in page:
                break
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return left


def _baseline_table(client: Any, items: int) -> None:
    client.create_table(
        TableName=BASELINE_TABLE,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
    )
    for start in range(0, items, _BATCH_WRITE):
        puts = [
            {"PutRequest": {"Item": {"pk": {"S": f"item{number}"}, "status": {"S": "pending"}}}}
            for number in range(start, min(start + _BATCH_WRITE, items))
        ]
        client.batch_write_item(RequestItems={BASELINE_TABLE: puts})


def _baseline_ms(client: Any, items: int, status: str) -> float:
    """Mean ms of a plain UpdateItem over `items` existing items, one after another."""
    started = time.perf_counter()
    for number in range(items):
        client.update_item(
            TableName=BASELINE_TABLE,
            Key={"pk": {"S": f"item{number}"}},
            UpdateExpression="SET #status = :status",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":status": {"S": status}},
        )
    return (time.perf_counter() - started) * 1000 / items


def _handed_on(invoked: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The events of the asynchronous invocations of the cleanup's own alias asked for so far, emptied."""
    events = []
    for params in invoked:
        assert params["headers"]["X-Amz-Invocation-Type"] == "Event", params["headers"]
        assert ALIAS_ARN in unquote(params["url_path"]), params["url_path"]
        events.append(json.loads(params["body"]))
    invoked.clear()
    return events


def _context(run_seconds: float) -> Context:
    """A run's context: TIME_TO_SPARE plus `run_seconds` of wall-clock time left from now."""
    deadline = time.monotonic() + TIME_TO_SPARE + run_seconds
    memory = functions()[FUNCTION].memory_mb
    return Context(FUNCTION, memory, ALIAS_ARN, str(uuid.uuid4()), deadline, function_version="live")


def measure(
    invitations: int = INVITATIONS, run_seconds: float = RUN_SECONDS, baseline_items: int = BASELINE_ITEMS
) -> Drain:
    """Seed `invitations` overdue, run the schedule's event, then every run handed on in turn until none is left."""
    handler = functions()[FUNCTION].entry_point()
    with _cleanup_function() as invoked:
        wired, client = services(), dynamodb_client()
        seeding = time.monotonic()
        now = wired.clock()
        _seed(client, _backlog(wired, invitations, now))
        _baseline_table(client, baseline_items)
        seed_seconds = time.monotonic() - seeding
        with atomic_dynamodb():  # TransactWriteItems copies what it touches, not the table
            before = _baseline_ms(client, baseline_items, "before")
            started = time.monotonic()
            waiting: deque[dict[str, Any]] = deque([load_event("cleanup_schedule")])
            expired = runs = rounds = 0
            while waiting:  # in turn, round by round: Lambda runs each round's parts side by side
                event = waiting.popleft()
                answer = handler(event, _context(run_seconds))
                runs, expired = runs + 1, expired + answer["expired"]
                rounds = max(rounds, event.get("rounds", 0))
                waiting.extend(_handed_on(invoked))
            seconds = time.monotonic() - started
            after = _baseline_ms(client, baseline_items, "after")
        left = _overdue_left(client, wired.settings.invitations_table, wired.clock())
    return Drain(
        invitations, expired, left, runs, rounds, seconds, seed_seconds, run_seconds, baseline_items, before, after
    )


if __name__ == "__main__":
    drained = measure()
    print(drained, f"{drained.ms_per_invitation:.2f} ms each, {drained.to_baseline:.2f}x UpdateItem", paper())
