"""The two moto patches the local stack keeps: what each does, and the moto internals each reaches, held to the
shape they had when written, so that a moto upgrade that moves one fails here, naming it."""

from __future__ import annotations

import inspect
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends
from moto.dynamodb.models.table import Table
from moto.ses.models import ses_backends
from moto.sesv2.responses import SESV2Response

from local.atomic import READS, WRITES, atomic_dynamodb
from local.ses_events import sending_options
from tests.support.aws import REGION, SENDER

TABLE = "Streamed"


def _parameters(function: Any) -> list[str]:
    return list(inspect.signature(function).parameters)


# --- moto's internals, as the patches expect them ---


def test_local_patches_dynamodb_backend_operations_are_the_ones_atomic_wraps() -> None:
    for name in (*WRITES, *READS):
        assert callable(vars(DynamoDBBackend).get(name)), f"moto's DynamoDBBackend.{name} is gone: see local/atomic.py"
    assert _parameters(DynamoDBBackend.transact_write_items) == ["self", "transact_items"], (
        "moto's DynamoDBBackend.transact_write_items(self, transact_items) changed: local/atomic.py wraps it"
    )


def test_local_patches_dynamodb_table_has_what_the_stand_ins_use() -> None:
    table = Table(
        "t",
        DEFAULT_ACCOUNT_ID,
        REGION,
        [{"AttributeName": "pk", "KeyType": "HASH"}],
        [{"AttributeName": "pk", "AttributeType": "S"}],
    )

    expected = {
        "get_item": ["hash_key", "range_key", "projection_expression"],
        "delete_item": ["hash_key", "range_key"],
    }
    for method, parameters in expected.items():
        assert _parameters(getattr(Table, method))[1:] == parameters, f"moto's Table.{method} changed: local/atomic.py"
    assert "overwrite" in _parameters(Table.put_item), "moto's Table.put_item lost overwrite=: local/atomic.py"
    assert isinstance(table.items, defaultdict), "moto's Table.items is no longer a defaultdict: local/atomic.py"
    assert table.items.default_factory is dict, "moto's Table.items layout changed: local/atomic.py"
    for attribute in ("name", "hash_key_attr", "range_key_attr", "table_key_attrs", "stream_shard"):
        assert hasattr(table, attribute), f"moto's Table.{attribute} is gone: local/atomic.py"


def test_local_patches_sesv2_send_email_is_the_response_method_sending_options_wraps() -> None:
    assert _parameters(SESV2Response.send_email) == ["self"], (
        "moto's SESV2Response.send_email(self) changed: local/ses_events.sending_options wraps it"
    )


# --- DynamoDB: one request at a time, transactions that copy what they touch ---


@pytest.fixture
def streamed() -> Iterator[Any]:
    """A table with a sort key, an index and a stream, on a moto made atomic; its client."""
    with mock_aws(), atomic_dynamodb():
        client = boto3.client("dynamodb", region_name=REGION)
        client.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": name, "AttributeType": "S"} for name in ("pk", "sk", "status")],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "by-status",
                    "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
            BillingMode="PAY_PER_REQUEST",
        )
        for number in range(50):
            client.put_item(TableName=TABLE, Item=_item(f"p{number}", "pending"))
        yield client


def _item(pk: str, status: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": "A"}, "status": {"S": status}}


def _key(pk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": "A"}}


def _state(client: Any) -> dict[str, Any]:
    """Every item, what the index finds, and every record of the table's stream so far."""
    shard = dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION].tables[TABLE].stream_shard
    stream = [(record.record["eventName"], record.record["dynamodb"]["Keys"]) for record in shard.items]
    index = {
        status: client.query(
            TableName=TABLE,
            IndexName="by-status",
            KeyConditionExpression="#status = :status",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":status": {"S": status}},
        )["Items"]
        for status in ("pending", "accepted")
    }
    items = sorted(client.scan(TableName=TABLE)["Items"], key=lambda item: item["pk"]["S"])
    return {"items": items, "index": index, "stream": stream}


def _transaction(condition_on_p3: str) -> list[dict[str, Any]]:
    """A put, an update, a delete, and a condition on p3 that holds or not."""
    return [
        {
            "Put": {
                "TableName": TABLE,
                "Item": _item("new", "pending"),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        },
        {
            "Update": {
                "TableName": TABLE,
                "Key": _key("p1"),
                "UpdateExpression": "SET #status = :accepted",
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": {":accepted": {"S": "accepted"}},
            }
        },
        {"Delete": {"TableName": TABLE, "Key": _key("p2")}},
        {
            "ConditionCheck": {
                "TableName": TABLE,
                "Key": _key("p3"),
                "ConditionExpression": condition_on_p3,
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        },
    ]


def test_local_patches_cancelled_transaction_leaves_items_index_and_stream_as_they_were(streamed: Any) -> None:
    table = dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION].tables[TABLE]
    before = _state(streamed)

    with pytest.raises(streamed.exceptions.TransactionCanceledException) as cancelled:
        streamed.transact_write_items(TransactItems=_transaction("attribute_not_exists(pk)"))

    assert _state(streamed) == before
    assert dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION].tables[TABLE] is table  # the same table, never a copy
    reasons = cancelled.value.response["CancellationReasons"]
    assert [reason["Code"] for reason in reasons] == ["None", "None", "None", "ConditionalCheckFailed"]
    assert reasons[3]["Item"] == _item("p3", "pending")  # moto's own answer: the item that failed the condition


def test_local_patches_committed_transaction_writes_each_item_once_with_a_stream_record(streamed: Any) -> None:
    before = _state(streamed)

    streamed.transact_write_items(TransactItems=_transaction("attribute_exists(pk)"))

    after = _state(streamed)
    pks = {item["pk"]["S"] for item in after["items"]}
    assert pks == {item["pk"]["S"] for item in before["items"]} - {"p2"} | {"new"}
    assert after["index"]["accepted"] == [_item("p1", "accepted")]
    assert after["stream"][len(before["stream"]) :] == [
        ("INSERT", _key("new")),
        ("MODIFY", _key("p1")),
        ("REMOVE", _key("p2")),
    ]


# --- SES: what moto keeps not, kept ---


def test_local_patches_sending_options_keep_tags_configuration_set_and_time(aws: None) -> None:
    sesv2 = boto3.client("sesv2", region_name=REGION)
    sesv2.create_configuration_set(ConfigurationSetName="set")

    with sending_options():
        sesv2.send_email(
            FromEmailAddress=SENDER,
            Destination={"ToAddresses": ["jane@example.com"]},
            Content={"Simple": {"Subject": {"Data": "Hi"}, "Body": {"Text": {"Data": "Hello"}}}},
            EmailTags=[{"Name": "invitation_id", "Value": "inv_1"}],
            ConfigurationSetName="set",
        )

    (message,) = ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages
    assert message.tags == {"invitation_id": "inv_1"}
    assert message.configuration_set == "set"
    assert message.sent_at.tzinfo is not None
