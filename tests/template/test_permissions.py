"""Least privilege: every function may do exactly what its code does, on exactly what it touches."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

from tools.template import template

ACCOUNTS = "AccountsTable"
INVITATIONS = "InvitationsTable"
IDEMPOTENCY = "IdempotencyTable"
EVENTS = "EventsTable"
EVENTS_STREAM = "EventsTable/stream"
BY_ACCOUNT = "InvitationsTable/index/by-account"
PENDING_BY_EXPIRY = "InvitationsTable/index/pending-by-expiry"
TOKEN_KEY = "InvitationTokenKey"
BUS = "EventBus"
SENDER_IDENTITIES = "ses:identity/*"
CONFIGURATION_SET = "ses:configuration-set"
DEAD_LETTERS = "CleanupDeadLetterQueue"
DELIVERY_DEAD_LETTERS = "DeliveryEventsDeadLetterQueue"
MAIL_DEAD_LETTERS = "InvitationMailDeadLetterQueue"
PUBLISHER_DEAD_LETTERS = "EventsPublisherDeadLetterQueue"
CLEANUP_ALIAS = "CleanupFunction:live"  # its own alias, by the name the template gives it (no cycle through GetAtt)

# What each function's code does (see the call-budget tests and adapters/dynamodb_store.py), as (action, resource)
# pairs. A transaction is authorised per item, by each item's own action.
_TIMELINE = {  # the head read and moved on, the event put: every write tells of itself
    ("dynamodb:GetItem", EVENTS),
    ("dynamodb:PutItem", EVENTS),
    ("dynamodb:UpdateItem", EVENTS),
}
_ISSUING = {  # the email's record read, the token minted, the invitation put and the one it replaces updated
    ("dynamodb:Query", ACCOUNTS),
    ("dynamodb:PutItem", ACCOUNTS),  # the ownership, the mail log, the administrator
    ("dynamodb:PutItem", INVITATIONS),
    ("dynamodb:UpdateItem", INVITATIONS),
    ("kms:GenerateMac", TOKEN_KEY),
}
_CHECKS = {("dynamodb:ConditionCheckItem", ACCOUNTS)}  # an invitation's address is not suppressed, its account is
_STREAM = {  # what Lambda's event source mapping reads the stream with, on the function's role
    ("dynamodb:DescribeStream", EVENTS_STREAM),
    ("dynamodb:GetRecords", EVENTS_STREAM),
    ("dynamodb:GetShardIterator", EVENTS_STREAM),
    ("dynamodb:ListStreams", EVENTS_STREAM),
}
_SENDING = {
    ("ses:SendEmail", SENDER_IDENTITIES),
    ("ses:SendEmail", CONFIGURATION_SET),
}
_PUBLIC_REISSUE = _ISSUING | _CHECKS | _TIMELINE  # join, resend: a fresh invitation to the account it waits on
USES: dict[str, set[tuple[str, str]]] = {
    # A confirmation, never checked against suppressions; replacing an unverified claim deletes its account.
    "RegisterFunction": _ISSUING
    | _TIMELINE
    | {
        ("dynamodb:DeleteItem", ACCOUNTS),
        ("dynamodb:GetItem", IDEMPOTENCY),
        ("dynamodb:PutItem", IDEMPOTENCY),
        ("dynamodb:UpdateItem", IDEMPOTENCY),
        ("dynamodb:DeleteItem", IDEMPOTENCY),
    },
    "JoinFunction": _PUBLIC_REISSUE,
    "ResendFunction": _PUBLIC_REISSUE,
    # Preview and accept read the invitation by its token's hash; accept updates the ownership, the administrator
    # and a confirmation's account; renew reissues.
    "InvitationTokenFunction": _PUBLIC_REISSUE | {("dynamodb:UpdateItem", ACCOUNTS), ("dynamodb:GetItem", INVITATIONS)},
    "InternalFunction": _ISSUING
    | _CHECKS
    | _TIMELINE
    | {
        ("dynamodb:GetItem", ACCOUNTS),
        ("dynamodb:BatchGetItem", ACCOUNTS),  # the account view: what its invited administrators wait on
        ("dynamodb:DeleteItem", ACCOUNTS),  # revoke, lift a suppression, discard an unverified claim
        ("dynamodb:GetItem", INVITATIONS),  # a provisioning retry reads its invitation again
        ("dynamodb:Query", BY_ACCOUNT),
        ("dynamodb:Query", EVENTS),  # the timeline
    },
    "CleanupFunction": _TIMELINE
    | {
        ("dynamodb:Query", PENDING_BY_EXPIRY),
        ("dynamodb:UpdateItem", INVITATIONS),
        ("dynamodb:DeleteItem", ACCOUNTS),  # an expired confirmation's claim: ownership, administrator, account
        ("sqs:SendMessage", DEAD_LETTERS),
        ("lambda:InvokeFunction", CLEANUP_ALIAS),  # a backlog handed on to runs of its own
    },
    # Finds the invitation by the tags of its email, records the report there and on the email's ownership, and
    # stops invitation emails to an address that complained (a suppression item).
    "DeliveryEventsFunction": _TIMELINE
    | {
        ("dynamodb:Query", BY_ACCOUNT),
        ("dynamodb:UpdateItem", INVITATIONS),
        ("dynamodb:UpdateItem", ACCOUNTS),
        ("dynamodb:PutItem", ACCOUNTS),
        ("sqs:SendMessage", DELIVERY_DEAD_LETTERS),
    },
    # The outbox: reads the email's record and the invitation again, mints the link's token, sends, and records
    # the delivery (or gives the mail log's count back: GetItem, PutItem).
    "InvitationMailFunction": _STREAM
    | _SENDING
    | _TIMELINE
    | {
        ("dynamodb:Query", ACCOUNTS),
        ("dynamodb:GetItem", ACCOUNTS),
        ("dynamodb:PutItem", ACCOUNTS),
        ("dynamodb:UpdateItem", ACCOUNTS),
        ("dynamodb:GetItem", INVITATIONS),
        ("dynamodb:UpdateItem", INVITATIONS),
        ("kms:GenerateMac", TOKEN_KEY),
        ("sqs:SendMessage", MAIL_DEAD_LETTERS),
    },
    "EventsPublisherFunction": _STREAM | {("events:PutEvents", BUS), ("sqs:SendMessage", PUBLISHER_DEAD_LETTERS)},
    "OpenApiFunction": set(),
    # The pages serve their own files; the browser calls the API.
    "AcceptPageFunction": set(),
    "RegisterPageFunction": set(),
}

# AWS managed policies a function may carry, each with why nothing narrower is used.
MANAGED = {
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole": "writing its own logs (SAM's default)",
    "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess": "X-Ray segments have no resource ARN to scope to",
}


def _resource_name(resource: Any) -> str:
    """A statement's resource in the words above: a table, an index, the SES identity or configuration set."""
    if isinstance(resource, dict) and "Fn::GetAtt" in resource:
        logical_id, attribute = resource["Fn::GetAtt"]
        return f"{logical_id}/stream" if attribute == "StreamArn" else str(logical_id)
    if isinstance(resource, dict) and "Fn::Sub" in resource:
        text = resource["Fn::Sub"] if isinstance(resource["Fn::Sub"], str) else resource["Fn::Sub"][0]
        if text.startswith("${") and ".Arn}" in text:
            return text.replace("${", "").replace(".Arn}", "")
        if ":identity/*" in text:
            return SENDER_IDENTITIES
        if ":configuration-set/" in text:
            return CONFIGURATION_SET
        if text.endswith(":function:${AWS::StackName}-cleanup:live"):
            return CLEANUP_ALIAS
    if isinstance(resource, dict) and "Fn::If" in resource:
        return _resource_name(resource["Fn::If"][1])
    raise AssertionError(f"unexpected resource {resource!r}: name it precisely or explain it here")


def _statements(transformed: dict[str, Any], function: str) -> list[dict[str, Any]]:
    resources = transformed["Resources"]
    role = resources[resources[function]["Properties"]["Role"]["Fn::GetAtt"][0]]["Properties"]
    statements = [
        statement for policy in role.get("Policies", []) for statement in policy["PolicyDocument"]["Statement"]
    ]
    for managed in role.get("ManagedPolicyArns", []):
        if isinstance(managed, dict) and "Ref" in managed:
            statements += resources[managed["Ref"]]["Properties"]["PolicyDocument"]["Statement"]
        else:  # SAM writes the partition out; a role of our own names it (a stream consumer's)
            arn = managed["Fn::Sub"].replace("${AWS::Partition}", "aws") if isinstance(managed, dict) else managed
            assert arn in MANAGED, f"{function} carries {managed}, which nobody explained"
    return statements


def _granted(statements: list[dict[str, Any]]) -> set[tuple[str, str]]:
    granted = set()
    for statement in statements:
        assert statement["Effect"] == "Allow"
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        for action in actions:
            assert "*" not in action, f"wildcard action {action}"
            granted |= {(action, _resource_name(resource)) for resource in resources}
    return granted


@pytest.mark.parametrize("function", sorted(USES))
def test_function_policy_grants_exactly_what_its_code_uses(transformed: dict[str, Any], function: str) -> None:
    granted = _granted(_statements(transformed, function))

    assert granted == USES[function], {"missing": USES[function] - granted, "extra": granted - USES[function]}


def test_every_function_is_covered_by_the_least_privilege_check(transformed: dict[str, Any]) -> None:
    functions = {name for name, item in transformed["Resources"].items() if item["Type"] == "AWS::Lambda::Function"}

    assert functions <= set(USES)


def test_sending_is_limited_to_the_sender_address(transformed: dict[str, Any]) -> None:
    sending = {
        function: [statement for statement in _statements(transformed, function) if "ses:" in str(statement["Action"])]
        for function in USES
    }

    # Only the outbox sends (no request waits on SES), and only from SenderEmail
    assert {function for function, statements in sending.items() if statements} == {"InvitationMailFunction"}
    for statement in sending["InvitationMailFunction"]:
        assert statement["Condition"]["StringEqualsIgnoreCase"]["ses:FromAddress"] == {"Ref": "SenderEmail"}


def test_no_statement_grants_a_wildcard_resource_but_the_explained_ones(transformed: dict[str, Any]) -> None:
    wildcards: dict[str, set[str]] = defaultdict(set)
    for function in USES:
        for statement in _statements(transformed, function):
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            for resource in resources:
                if "*" in str(resource):
                    wildcards[function].add(_resource_name(resource))

    assert all(found == {SENDER_IDENTITIES} for found in wildcards.values()), dict(wildcards)


def test_a_role_of_our_own_is_assumed_by_lambda_alone(transformed: dict[str, Any]) -> None:
    resources = transformed["Resources"]
    roles = {resources[name]["Properties"]["Role"]["Fn::GetAtt"][0] for name in USES if name in resources}
    own = roles & set(template()["Resources"])  # written in the template, not made by SAM: the stream consumers'
    lambda_alone = {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}

    assert own == {"InvitationMailFunctionRole", "EventsPublisherFunctionRole"}
    for role in own:
        assert resources[role]["Properties"]["AssumeRolePolicyDocument"]["Statement"] == [lambda_alone]
