"""The template operates: logs kept, alarms on every function, tables protected, the schedule retried."""

from __future__ import annotations

from typing import Any

import pytest

from tools.functions import functions
from tools.template import ACCOUNT_ID, STACK_NAME, Stack, template, written_template

RESOURCES: dict[str, Any] = template()["Resources"]


def _of_type(kind: str) -> dict[str, Any]:
    return {name: item for name, item in RESOURCES.items() if item["Type"] == kind}


@pytest.mark.parametrize("function", sorted(functions()))
def test_every_function_has_its_log_group_with_retention_and_alarms_on_its_errors_and_throttles(function: str) -> None:
    groups = [
        item["Properties"]
        for item in _of_type("AWS::Logs::LogGroup").values()
        if item["Properties"].get("LogGroupName") == {"Fn::Sub": f"/aws/lambda/${{{function}}}"}
    ]
    alarmed = [
        item["Properties"]["MetricName"]
        for item in _of_type("AWS::CloudWatch::Alarm").values()
        if {"Name": "FunctionName", "Value": {"Fn::Sub": f"${{{function}}}"}}
        in item["Properties"].get("Dimensions", [])
        and item["Properties"]["Threshold"] == 0
    ]

    assert len(groups) == 1
    assert groups[0]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert sorted(alarmed) == ["Errors", "Throttles"]


def test_every_function_is_in_the_templates_per_function_loop() -> None:
    _, listed, _ = written_template()["Resources"]["Fn::ForEach::EveryFunction"]

    assert sorted(listed) == sorted(functions())


@pytest.mark.parametrize("table", sorted(_of_type("AWS::DynamoDB::Table")))
def test_every_table_is_on_demand_recoverable_encrypted_expiring_and_retained(table: str) -> None:
    resource = RESOURCES[table]
    properties = resource["Properties"]

    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert properties["SSESpecification"]["SSEEnabled"] is True
    assert properties["TimeToLiveSpecification"]["Enabled"] is True
    expected_ttl = "expiration" if table == "IdempotencyTable" else "ttl"  # Powertools' name; ours
    assert properties["TimeToLiveSpecification"]["AttributeName"] == expected_ttl
    assert properties["DeletionProtectionEnabled"] == {"Fn::If": ["IsProd", True, False]}
    assert resource["DeletionPolicy"] == resource["UpdateReplacePolicy"] == "Retain"


def test_cleanup_runs_hourly_on_scheduler_with_retries_and_dead_letters() -> None:
    events = functions()["CleanupFunction"].properties["Events"]
    (schedule,) = events.values()

    assert schedule["Type"] == "ScheduleV2"
    assert schedule["Properties"]["ScheduleExpression"] == "rate(1 hour)"
    assert schedule["Properties"]["RetryPolicy"]["MaximumRetryAttempts"] >= 1
    assert schedule["Properties"]["DeadLetterConfig"]["Arn"] == {"Fn::GetAtt": ["CleanupDeadLetterQueue", "Arn"]}


def test_functions_time_out_before_api_gateway_does() -> None:
    globals_ = template()["Globals"]["Function"]
    for function in functions().values():
        if any(event["Type"] == "Api" for event in function.properties.get("Events", {}).values()):
            assert function.properties.get("Timeout", globals_["Timeout"]) < 29


def test_outputs_name_the_api_the_accept_page_and_the_tables() -> None:
    outputs = template()["Outputs"]

    for name in ("ApiUrl", "AcceptPageUrl", "AccountsTableName", "InvitationsTableName", "IdempotencyTableName"):
        assert name in outputs


def test_outputs_name_the_event_bus_the_publisher_puts_on_and_its_arn() -> None:
    outputs = template()["Outputs"]
    stack = Stack()
    publisher = stack.properties("EventsPublisherFunction")
    put_events = [
        statement["Resource"]
        for policy in stack.properties("EventsPublisherFunctionRole")["Policies"]
        for statement in policy["PolicyDocument"]["Statement"]
        if statement["Action"] == "events:PutEvents"
    ]

    assert RESOURCES["EventBus"]["Type"] == "AWS::Events::EventBus"
    assert outputs["EventBusName"]["Value"] == {"Ref": "EventBus"}
    assert outputs["EventBusArn"]["Value"] == {"Fn::GetAtt": ["EventBus", "Arn"]}
    assert "Condition" not in outputs["EventBusName"]  # every stage names its bus
    assert "Condition" not in outputs["EventBusArn"]
    # Deployed, they name the bus the publisher puts every event on, which is the one its role may put on
    bus = stack.resolve(outputs["EventBusName"]["Value"])
    assert bus == publisher["Environment"]["Variables"]["EVENT_BUS_NAME"] == f"{STACK_NAME}-events"
    assert put_events == [stack.resolve(outputs["EventBusArn"]["Value"])]
    assert put_events == [f"arn:aws:events:{stack.region}:{ACCOUNT_ID}:event-bus/{bus}"]
