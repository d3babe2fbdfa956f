"""AWS on loopback: a moto server with the template's tables and SES identity, and DynamoDB's atomicity."""

from __future__ import annotations

import contextlib
import json
import logging
from typing import Any

import boto3
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app

from local.atomic import atomic_dynamodb
from local.serving import loopback_server, serve_in_thread
from local.ses_events import sending_options
from tools.template import Stack

_TABLE_PROPERTIES = ("KeySchema", "AttributeDefinitions", "GlobalSecondaryIndexes", "LocalSecondaryIndexes")


def create_tables(dynamodb: Any, stack: Stack) -> list[str]:
    """Every AWS::DynamoDB::Table of the template, with its keys, indexes and TTL."""
    created = []
    for logical_id in stack.logical_ids("AWS::DynamoDB::Table"):
        properties = stack.properties(logical_id)
        name = stack.physical_name(logical_id)
        streams = properties.get("StreamSpecification")
        dynamodb.create_table(
            TableName=name,
            BillingMode="PAY_PER_REQUEST",
            **{key: properties[key] for key in _TABLE_PROPERTIES if key in properties},
            **({"StreamSpecification": {"StreamEnabled": True, **streams}} if streams else {}),
        )
        if ttl := properties.get("TimeToLiveSpecification"):
            dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
        created.append(name)
    return created


def create_keys(kms: Any, stack: Stack) -> list[str]:
    """Every AWS::KMS::Key of the template, with an alias named after its logical ID (moto chooses key ids)."""
    created = []
    for logical_id in stack.logical_ids("AWS::KMS::Key"):
        properties = stack.resolve(stack.template["Resources"][logical_id]["Properties"])
        key = kms.create_key(KeySpec=properties.get("KeySpec", "SYMMETRIC_DEFAULT"), KeyUsage=properties["KeyUsage"])
        kms.create_alias(AliasName=f"alias/{logical_id}", TargetKeyId=key["KeyMetadata"]["KeyId"])
        created.append(f"KMS key {logical_id}")
    return created


def create_buses(events: Any, stack: Stack) -> list[str]:
    """Every AWS::Events::EventBus of the template, and every AWS::Events::Archive (which keeps what it receives)."""
    created = []
    for logical_id in stack.logical_ids("AWS::Events::EventBus"):
        events.create_event_bus(Name=stack.physical_name(logical_id))
        created.append(f"event bus {stack.physical_name(logical_id)}")
    for logical_id in stack.logical_ids("AWS::Events::Archive"):
        properties = stack.resolve(stack.template["Resources"][logical_id]["Properties"])
        events.create_archive(
            ArchiveName=logical_id,
            EventSourceArn=properties["SourceArn"],
            EventPattern=json.dumps(properties["EventPattern"]),
            RetentionDays=int(properties.get("RetentionDays", 0)),
        )
        created.append(f"archive {logical_id}")
    return created


def verify_sender(sesv2: Any, stack: Stack) -> str:
    """The SenderEmail parameter as a verified SES identity (moto verifies at once)."""
    sender = stack.parameters["SenderEmail"]
    sesv2.create_email_identity(EmailIdentity=sender)
    return sender


class Emulator:
    """moto server on `port`, bound at once (OSError if the port is taken), provisioned from the template by `start`."""

    def __init__(self, stack: Stack, port: int) -> None:
        self.stack = stack
        app = DomainDispatcherApplication(create_backend_app)
        self._server = loopback_server(port, app, MotoRequestHandler)
        self.port = int(self._server.server_address[1])
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._patches = contextlib.ExitStack()

    def _credentials(self) -> dict[str, str]:
        return {
            "endpoint_url": self.endpoint,
            "region_name": self.stack.region,
            "aws_access_key_id": "local",
            "aws_secret_access_key": "local",  # moto accepts any credentials
        }

    def client(self, service: str) -> Any:
        return boto3.client(service, **self._credentials())  # type: ignore[call-overload]

    def resource(self, service: str) -> Any:
        return boto3.resource(service, **self._credentials())  # type: ignore[call-overload]

    def start(self) -> list[str]:
        """Serve, and create what the template declares; what was created, for the start-up banner."""
        self._patches.enter_context(atomic_dynamodb())
        self._patches.enter_context(sending_options())
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per AWS call drowns the story
        self._patches.callback(serve_in_thread(self._server, "moto"))
        created = create_tables(self.client("dynamodb"), self.stack)
        created += create_keys(self.client("kms"), self.stack)
        created += create_buses(self.client("events"), self.stack)
        created.append(f"SES identity {verify_sender(self.client('sesv2'), self.stack)}")
        return created

    def stop(self) -> None:
        self._patches.close()
        self._server.server_close()
