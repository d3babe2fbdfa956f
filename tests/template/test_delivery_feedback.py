"""The template's delivery feedback: the configuration set and its EventBridge destination, the rule that takes
this set's reports to DeliveryEventsFunction, its retries and dead letters, the SES reputation alarms."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from local.ses_events import destinations, rules
from tests.support.aws import REGION
from tests.support.events import load_event
from tests.support.ses import SAMPLES
from tools.functions import functions, template
from tools.template import Stack

RESOURCES: dict[str, Any] = template()["Resources"]
# The one set the stack's emails go with: the parameter's, when it names one, else the stack's own.
CONFIGURATION_SET = {
    "Fn::If": ["HasConfigurationSet", {"Ref": "SesConfigurationSet"}, {"Ref": "InvitationConfigurationSet"}]
}
REPORTS = {"delivery", "deliveryDelay", "bounce", "complaint", "reject"}
DETAIL_TYPES = {
    "Email Delivered",
    "Email Delivery Delayed",
    "Email Bounced",
    "Email Complaint Received",
    "Email Rejected",
}


def the_rule() -> dict[str, Any]:
    (event,) = functions()["DeliveryEventsFunction"].properties["Events"].values()
    assert event["Type"] == "EventBridgeRule"
    properties: dict[str, Any] = event["Properties"]
    return properties


def test_configuration_set_is_the_stacks_own_unless_the_parameter_names_one() -> None:
    configuration_set = RESOURCES["InvitationConfigurationSet"]
    conditions = template()["Conditions"]

    assert configuration_set["Type"] == "AWS::SES::ConfigurationSet"
    assert configuration_set["Condition"] == "CreatesConfigurationSet"
    assert conditions["CreatesConfigurationSet"] == {"Fn::Not": [{"Condition": "HasConfigurationSet"}]}
    assert configuration_set["Properties"]["ReputationOptions"] == {"ReputationMetricsEnabled": True}
    assert "Name" not in configuration_set["Properties"]  # generated: dev and prod can share an account


def test_every_use_of_the_configuration_set_names_the_same_one() -> None:
    variables = template()["Globals"]["Function"]["Environment"]["Variables"]
    (sending,) = RESOURCES["InvitationEmailPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    set_resource = sending["Resource"][1]["Fn::Sub"]

    assert variables["SES_CONFIGURATION_SET"] == CONFIGURATION_SET
    assert set_resource[1] == {"Name": CONFIGURATION_SET}
    assert set_resource[0].endswith(":configuration-set/${Name}")
    assert RESOURCES["DeliveryEventsDestination"]["Properties"]["ConfigurationSetName"] == CONFIGURATION_SET
    assert the_rule()["Pattern"]["detail"]["mail"]["tags"]["ses:configuration-set"] == [CONFIGURATION_SET]
    assert template()["Outputs"]["ConfigurationSetName"]["Value"] == CONFIGURATION_SET


def test_destination_publishes_the_five_reports_to_eventbridges_default_bus() -> None:
    destination = RESOURCES["DeliveryEventsDestination"]

    assert destination["Type"] == "AWS::SES::ConfigurationSetEventDestination"
    properties = destination["Properties"]["EventDestination"]
    assert properties["Enabled"] is True
    assert set(properties["MatchingEventTypes"]) == REPORTS
    assert properties["EventBridgeDestination"]["EventBusArn"] == {
        "Fn::Sub": "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default"
    }


def test_rule_pattern_takes_the_five_reports_from_ses_on_the_default_bus() -> None:
    rule = the_rule()

    assert "EventBusName" not in rule
    assert rule["Pattern"]["source"] == ["aws.ses"]
    assert set(rule["Pattern"]["detail-type"]) == DETAIL_TYPES


@pytest.mark.parametrize("sample", SAMPLES)
def test_rule_matches_each_documented_report_of_this_stacks_set_and_no_other_sets(sample: str) -> None:
    stack = Stack(template(), REGION)
    (rule,) = rules(stack)
    event = load_event(sample)
    elsewhere = copy.deepcopy(event)
    elsewhere["detail"]["mail"]["tags"]["ses:configuration-set"] = ["another-stacks-set"]

    assert rule.function == "DeliveryEventsFunction"
    assert rule.matches(event)
    assert not rule.matches(elsewhere)


def test_rule_ignores_the_reports_it_does_not_record() -> None:
    (rule,) = rules(Stack(template(), REGION))
    event = load_event("ses_delivery")

    for other in ("Email Sent", "Email Opened", "Email Clicked"):
        assert not rule.matches({**event, "detail-type": other})


def test_local_stack_reads_the_same_destination_and_set_as_the_rule() -> None:
    stack = Stack(template(), REGION)

    (destination,) = destinations(stack)

    assert destination.configuration_set == "InvitationConfigurationSet"
    assert destination.event_types == {"Delivery", "DeliveryDelay", "Bounce", "Complaint", "Reject"}


def test_rule_retries_and_then_dead_letters_into_the_queue_the_function_fails_into() -> None:
    rule = the_rule()
    function = functions()["DeliveryEventsFunction"].properties
    queue = {"Fn::GetAtt": ["DeliveryEventsDeadLetterQueue", "Arn"]}

    assert rule["RetryPolicy"]["MaximumRetryAttempts"] >= 1
    assert rule["DeadLetterConfig"] == {"Arn": queue}
    assert function["EventInvokeConfig"]["MaximumRetryAttempts"] >= 1
    assert function["EventInvokeConfig"]["DestinationConfig"]["OnFailure"] == {"Type": "SQS", "Destination": queue}


def test_dead_letter_queue_takes_messages_from_this_rule_only(transformed: dict[str, Any]) -> None:
    (statement,) = RESOURCES["DeliveryEventsDeadLetterQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"]

    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    assert statement["Resource"] == {"Fn::GetAtt": ["DeliveryEventsDeadLetterQueue", "Arn"]}
    rule_arn = statement["Condition"]["ArnEquals"]["aws:SourceArn"]
    assert rule_arn == {"Fn::GetAtt": ["DeliveryEventsFunctionSesReports", "Arn"]}
    assert transformed["Resources"]["DeliveryEventsFunctionSesReports"]["Type"] == "AWS::Events::Rule"


def _alarm(name: str) -> dict[str, Any]:
    properties: dict[str, Any] = RESOURCES[name]["Properties"]
    return properties


@pytest.mark.parametrize(
    ("alarm", "metric", "threshold"),
    [
        ("SesBounceRateAlarm", "Reputation.BounceRate", 0.05),
        ("SesComplaintRateAlarm", "Reputation.ComplaintRate", 0.001),
    ],
)
def test_ses_reputation_alarm_fires_where_ses_reviews_the_account(alarm: str, metric: str, threshold: float) -> None:
    properties = _alarm(alarm)

    assert (properties["Namespace"], properties["MetricName"]) == ("AWS/SES", metric)
    assert "Dimensions" not in properties  # the account's rate: what SES judges
    assert properties["Threshold"] == threshold
    assert properties["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert properties["AlarmActions"] == {
        "Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]
    }


def test_dead_letters_of_delivery_reports_raise_an_alarm() -> None:
    properties = _alarm("DeliveryEventsDeadLetterAlarm")

    assert (properties["Namespace"], properties["MetricName"]) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible")
    assert properties["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["DeliveryEventsDeadLetterQueue", "QueueName"]}}
    ]
    assert (properties["Threshold"], properties["ComparisonOperator"]) == (0, "GreaterThanThreshold")


def test_sender_domain_identity_with_easy_dkim_only_when_a_domain_is_given() -> None:
    identity = RESOURCES["SenderDomainIdentity"]
    output = template()["Outputs"]["SenderDomainDkimRecords"]

    assert identity["Type"] == "AWS::SES::EmailIdentity"
    assert identity["Condition"] == output["Condition"] == "HasSenderDomain"
    assert template()["Parameters"]["SenderDomain"]["Default"] == ""
    assert identity["Properties"]["EmailIdentity"] == {"Ref": "SenderDomain"}
    assert identity["Properties"]["DkimSigningAttributes"] == {"NextSigningKeyLength": "RSA_2048_BIT"}
    assert identity["DeletionPolicy"] == "Retain"  # DNS records point at it
