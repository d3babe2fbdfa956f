"""AWS on loopback: a moto server with the template's tables and SES identity, and DynamoDB's atomicity."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from typing import Any

import boto3
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

from local.atomic import atomic_dynamodb
from local.ses_events import sending_options
from tools.template import Stack

_TABLE_PROPERTIES = ("KeySchema", "AttributeDefinitions", "GlobalSecondaryIndexes", "LocalSecondaryIndexes")


def create_tables(dynamodb: Any, stack: Stack) -> list[str]:
    """Every AWS::DynamoDB::Table of the template, with its keys, indexes and TTL."""
    created = []
    for logical_id in stack.logical_ids("AWS::DynamoDB::Table"):
        properties = stack.properties(logical_id)
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
    """moto server on `port`, bound at once (OSError if the port is taken), provisioned from the template by `start`."""

    def __init__(self, stack: Stack, port: int) -> None:
        self.stack = stack
        # Bound here, not by werkzeug: on a busy port it calls sys.exit() in its thread and moto waits forever.
        with socket.create_server(("127.0.0.1", port), backlog=128) as listening:
            self._server = make_server(
                "127.0.0.1",
                port,
                DomainDispatcherApplication(create_backend_app),
                threaded=True,
                request_handler=MotoRequestHandler,
                fd=listening.fileno(),  # werkzeug serves a duplicate of it
            )
        self.port = int(self._server.server_address[1])
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto", daemon=True)
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
        self._thread.start()
        created = create_tables(self.client("dynamodb"), self.stack)
        created.append(f"SES identity {verify_sender(self.client('sesv2'), self.stack)}")
        return created

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()
        self._patches.close()
