"""The events table's two stream consumers as Lambda reads for them: the outbox (one email per `invitation.sent`)
and the bus publisher (every event, in each account's order), each retried, dead-lettered and alarmed."""

from __future__ import annotations

from typing import Any

import pytest

from tools.functions import FunctionEvent, events
from tools.streams import consumers
from tools.template import template

RESOURCES: dict[str, Any] = template()["Resources"]
OUTBOX, PUBLISHER = "InvitationMailFunction", "EventsPublisherFunction"
STREAM_RETENTION_SECONDS = 86_400  # DynamoDB Streams keeps a record 24 hours

# Each consumer's choices, and why.
SETTINGS: dict[str, dict[str, Any]] = {
    OUTBOX: {
        "DeadLetterQueue": "InvitationMailDeadLetterQueue",
        # A failing email is retried alone, its batch halved; 20 retries over up to six hours (docs/design.md).
        "BisectBatchOnFunctionError": True,
        "MaximumRetryAttempts": 20,
        "MaximumRecordAgeInSeconds": 21_600,
    },
    PUBLISHER: {
        "DeadLetterQueue": "EventsPublisherDeadLetterQueue",
        # A raised error is the bus failing, never one event's: halving would add only calls. A refused event is
        # retried with all after it, in order, as long as the stream keeps it.
        "BisectBatchOnFunctionError": False,
        "MaximumRetryAttempts": -1,
        "MaximumRecordAgeInSeconds": STREAM_RETENTION_SECONDS,
    },
}


def _stream_event(function: str) -> FunctionEvent:
    (event,) = [event for event in events("DynamoDB") if event.function.logical_id == function]
    return event


def _record(event_name: str, image: dict[str, Any] | None) -> dict[str, Any]:
    """A record of the events table's stream (NEW_IMAGE) as Lambda matches a filter against it."""
    dynamodb: dict[str, Any] = {"Keys": {"account_id": {"S": "acc_1"}, "sequence": {"N": "1"}}}
    if image is not None:
        dynamodb["NewImage"] = image
    return {"eventName": event_name, "eventSource": "aws:dynamodb", "dynamodb": dynamodb}


def _event(kind: str) -> dict[str, Any]:
    return {"account_id": {"S": "acc_1"}, "sequence": {"N": "1"}, "type": {"S": kind}}


HEAD = {"account_id": {"S": "acc_1"}, "sequence": {"N": "0"}, "last_sequence": {"N": "1"}}
RECORDS = {  # what the stream carries, and whom it is for
    "invitation.sent put": (_record("INSERT", _event("invitation.sent")), {OUTBOX, PUBLISHER}),
    "account.created put": (_record("INSERT", _event("account.created")), {PUBLISHER}),
    "a head's first number": (_record("INSERT", HEAD), set()),
    "a head moved on": (_record("MODIFY", HEAD), set()),
    "an event gone after 400 days": (_record("REMOVE", None), set()),
}


def test_the_events_table_stream_has_exactly_the_outbox_and_the_publisher() -> None:
    read = {event.function.logical_id: event.properties["Stream"] for event in events("DynamoDB")}

    assert read == {function: {"Fn::GetAtt": ["EventsTable", "StreamArn"]} for function in SETTINGS}
    assert RESOURCES["EventsTable"]["Properties"]["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}


@pytest.mark.parametrize("function", sorted(SETTINGS))
def test_stream_consumer_reports_each_failed_record_and_starts_at_the_oldest(function: str) -> None:
    properties = _stream_event(function).properties

    assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert properties["StartingPosition"] == "TRIM_HORIZON"  # nothing written before the mapping is skipped


@pytest.mark.parametrize("function", sorted(SETTINGS))
def test_stream_consumer_retries_as_chosen_within_the_streams_retention(function: str) -> None:
    properties, expected = _stream_event(function).properties, SETTINGS[function]

    for setting in ("BisectBatchOnFunctionError", "MaximumRetryAttempts", "MaximumRecordAgeInSeconds"):
        assert properties[setting] == expected[setting], setting
    assert properties["MaximumRetryAttempts"] == -1 or properties["MaximumRetryAttempts"] >= 1
    assert 60 <= properties["MaximumRecordAgeInSeconds"] <= STREAM_RETENTION_SECONDS


def test_the_publisher_reads_one_batch_of_a_shard_at_a_time_so_each_account_stays_in_order() -> None:
    # An account's events are in one shard: one batch of it at a time reaches the bus in `sequence` order.
    assert _stream_event(PUBLISHER).properties["ParallelizationFactor"] == 1


@pytest.mark.parametrize("function", sorted(SETTINGS))
def test_stream_consumer_dead_letters_into_its_encrypted_queue_under_an_alarm(function: str) -> None:
    queue = SETTINGS[function]["DeadLetterQueue"]
    on_failure = _stream_event(function).properties["DestinationConfig"]["OnFailure"]
    alarms = [
        item["Properties"]
        for item in RESOURCES.values()
        if item["Type"] == "AWS::CloudWatch::Alarm"
        and item["Properties"].get("Dimensions")
        == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}]
    ]

    assert on_failure == {"Type": "SQS", "Destination": {"Fn::GetAtt": [queue, "Arn"]}}
    assert RESOURCES[queue]["Type"] == "AWS::SQS::Queue"
    assert RESOURCES[queue]["Properties"]["SqsManagedSseEnabled"] is True
    assert RESOURCES[queue]["Properties"]["MessageRetentionPeriod"] == 14 * 86_400  # SQS's longest
    (alarm,) = alarms
    assert (alarm["MetricName"], alarm["Statistic"], alarm["Threshold"]) == (
        "ApproximateNumberOfMessagesVisible",
        "Maximum",
        0,
    )
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"


@pytest.mark.parametrize("function", sorted(SETTINGS))
def test_stream_consumer_is_alarmed_when_it_falls_behind_the_stream(function: str) -> None:
    (alarm,) = [
        item["Properties"]
        for item in RESOURCES.values()
        if item["Type"] == "AWS::CloudWatch::Alarm"
        and item["Properties"]["MetricName"] == "IteratorAge"
        and {"Name": "FunctionName", "Value": {"Fn::Sub": f"${{{function}}}"}} in item["Properties"]["Dimensions"]
    ]

    assert (alarm["Namespace"], alarm["Statistic"], alarm["Threshold"]) == ("AWS/Lambda", "Maximum", 60_000)


@pytest.mark.parametrize("record", sorted(RECORDS))
def test_stream_consumers_filters_hand_each_record_to_those_it_is_for(record: str) -> None:
    sample, wanted_by = RECORDS[record]

    assert {consumer.function for consumer in consumers() if consumer.wants(sample)} == wanted_by
    assert all(consumer.patterns for consumer in consumers())  # Lambda filters: no invocation for a head
