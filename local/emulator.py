"""AWS on loopback: a moto server with the template's tables and SES identity, and DynamoDB's atomicity."""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from moto.dynamodb.models import DynamoDBBackend
from moto.server import ThreadedMotoServer

from local.cloudformation import Stack

_TABLE_PROPERTIES = ("KeySchema", "AttributeDefinitions", "GlobalSecondaryIndexes", "LocalSecondaryIndexes")
# moto evaluates a condition and then writes in two steps; DynamoDB does both atomically per item (and a
# transaction atomically as a whole). One lock around moto's reads and writes gives the same guarantee.
_ATOMIC_OPERATIONS = ("get_item", "put_item", "update_item", "delete_item", "transact_write_items", "query", "scan")
_lock = threading.RLock()
_originals: dict[str, Callable[..., Any]] = {}


def _serialised(operation: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(operation)
    def under_lock(*args: Any, **kwargs: Any) -> Any:
        with _lock:
            return operation(*args, **kwargs)

    return under_lock


@contextmanager
def atomic_dynamodb() -> Iterator[None]:
    """While inside, moto's DynamoDB decides concurrent conditional writes one at a time, as DynamoDB does."""
    if _originals:  # already atomic (nested use)
        yield
        return
    for name in _ATOMIC_OPERATIONS:
        _originals[name] = getattr(DynamoDBBackend, name)
        setattr(DynamoDBBackend, name, _serialised(_originals[name]))
    try:
        yield
    finally:
        for name, original in _originals.items():
            setattr(DynamoDBBackend, name, original)
        _originals.clear()


def create_tables(dynamodb: Any, stack: Stack) -> list[str]:
    """Every AWS::DynamoDB::Table of the template, with its keys, indexes and TTL."""
    created = []
    for logical_id, resource in stack.template["Resources"].items():
        if resource["Type"] != "AWS::DynamoDB::Table":
            continue
        properties = stack.resolve(resource["Properties"])
        name = stack.physical_name(logical_id)
        dynamodb.create_table(
            TableName=name,
            BillingMode="PAY_PER_REQUEST",
            **{key: properties[key] for key in _TABLE_PROPERTIES if key in properties},
        )
        if ttl := properties.get("TimeToLiveSpecification"):
            dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
        created.append(name)
    return created


def verify_sender(sesv2: Any, stack: Stack) -> str:
    """The SenderEmail parameter as a verified SES identity (moto verifies at once)."""
    sender = stack.parameters["SenderEmail"]
    sesv2.create_email_identity(EmailIdentity=sender)
    return sender


class Emulator:
    """moto server on `port`, provisioned from the template."""

    def __init__(self, stack: Stack, port: int) -> None:
        self.stack = stack
        self.port = port
        self.endpoint = f"http://127.0.0.1:{port}"
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        self._atomic = atomic_dynamodb()

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=self.stack.region,
            aws_access_key_id="local",
            aws_secret_access_key="local",  # noqa: S106 - moto accepts any credentials
        )

    def start(self) -> list[str]:
        self._atomic.__enter__()
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per AWS call drowns the story
        self._server.start()
        created = create_tables(self.client("dynamodb"), self.stack)
        created.append(f"SES identity {verify_sender(self.client('sesv2'), self.stack)}")
        return created

    def stop(self) -> None:
        self._server.stop()
        self._atomic.__exit__(None, None, None)
