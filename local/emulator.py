"""AWS on loopback: a moto server with the template's tables and SES identity, and DynamoDB's atomicity."""

from __future__ import annotations

import logging
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from local.atomic import atomic_dynamodb
from local.cloudformation import Stack

_TABLE_PROPERTIES = ("KeySchema", "AttributeDefinitions", "GlobalSecondaryIndexes", "LocalSecondaryIndexes")


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
