"""Least privilege: every function may do exactly what its code does, on exactly what it touches."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

ACCOUNTS = "AccountsTable"
INVITATIONS = "InvitationsTable"
IDEMPOTENCY = "IdempotencyTable"
BY_ACCOUNT = "InvitationsTable/index/by-account"
PENDING_BY_EXPIRY = "InvitationsTable/index/pending-by-expiry"
SENDER_IDENTITIES = "ses:identity/*"
CONFIGURATION_SET = "ses:configuration-set"
DEAD_LETTERS = "CleanupDeadLetterQueue"
DELIVERY_DEAD_LETTERS = "DeliveryEventsDeadLetterQueue"

# What each function's code does (see the call-budget tests and store.py), as (action, resource) pairs.
_SENDING = {
    ("ses:SendEmail", SENDER_IDENTITIES),
    ("ses:SendEmail", CONFIGURATION_SET),
}
USES: dict[str, set[tuple[str, str]]] = {
    "RegisterFunction": {
        ("dynamodb:PutItem", ACCOUNTS),
        ("dynamodb:Query", ACCOUNTS),
        ("dynamodb:GetItem", IDEMPOTENCY),
        ("dynamodb:PutItem", IDEMPOTENCY),
        ("dynamodb:UpdateItem", IDEMPOTENCY),
        ("dynamodb:DeleteItem", IDEMPOTENCY),
    },
    "JoinFunction": {
        ("dynamodb:Query", ACCOUNTS),
        ("dynamodb:PutItem", ACCOUNTS),
        ("dynamodb:DeleteItem", ACCOUNTS),
        ("dynamodb:ConditionCheckItem", ACCOUNTS),  # the address is not suppressed
        ("dynamodb:PutItem", INVITATIONS),
        ("dynamodb:UpdateItem", INVITATIONS),
        ("dynamodb:DeleteItem", INVITATIONS),
        *_SENDING,
    },
    "InvitationTokenFunction": {
        ("dynamodb:Query", ACCOUNTS),
        ("dynamodb:PutItem", ACCOUNTS),
        ("dynamodb:UpdateItem", ACCOUNTS),
        ("dynamodb:DeleteItem", ACCOUNTS),
        ("dynamodb:ConditionCheckItem", ACCOUNTS),  # the address is not suppressed
        ("dynamodb:GetItem", INVITATIONS),
        ("dynamodb:PutItem", INVITATIONS),
        ("dynamodb:UpdateItem", INVITATIONS),
        ("dynamodb:DeleteItem", INVITATIONS),
        *_SENDING,
    },
    "InternalFunction": {
        ("dynamodb:GetItem", ACCOUNTS),
        ("dynamodb:BatchGetItem", ACCOUNTS),  # the account view: what its invited administrators wait on
        ("dynamodb:Query", ACCOUNTS),
        ("dynamodb:PutItem", ACCOUNTS),
        ("dynamodb:DeleteItem", ACCOUNTS),
        ("dynamodb:ConditionCheckItem", ACCOUNTS),
        ("dynamodb:PutItem", INVITATIONS),
        ("dynamodb:UpdateItem", INVITATIONS),
        ("dynamodb:DeleteItem", INVITATIONS),
        ("dynamodb:Query", BY_ACCOUNT),
        *_SENDING,
    },
    "CleanupFunction": {
        ("dynamodb:Query", PENDING_BY_EXPIRY),
        ("dynamodb:UpdateItem", INVITATIONS),
        ("sqs:SendMessage", DEAD_LETTERS),
    },
    # Finds the invitation by the tags of its email, records the report there and on the email's ownership, and
    # stops invitation emails to an address that complained (a suppression item).
    "DeliveryEventsFunction": {
        ("dynamodb:Query", BY_ACCOUNT),
        ("dynamodb:UpdateItem", INVITATIONS),
        ("dynamodb:UpdateItem", ACCOUNTS),
        ("dynamodb:PutItem", ACCOUNTS),
        ("sqs:SendMessage", DELIVERY_DEAD_LETTERS),
    },
    "OpenApiFunction": set(),
    # The pages serve their own files; the browser calls the API.
    "AcceptPageFunction": set(),
    "RegisterPageFunction": set(),
}
USES["ResendFunction"] = USES["JoinFunction"]

# AWS managed policies a function may carry, each with why nothing narrower is used.
MANAGED = {
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole": "writing its own logs (SAM's default)",
    "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess": "X-Ray segments have no resource ARN to scope to",
}


def _resource_name(resource: Any) -> str:
    """A statement's resource in the words above: a table, an index, the SES identity or configuration set."""
    if isinstance(resource, dict) and "Fn::GetAtt" in resource:
        return str(resource["Fn::GetAtt"][0])
    if isinstance(resource, dict) and "Fn::Sub" in resource:
        text = resource["Fn::Sub"] if isinstance(resource["Fn::Sub"], str) else resource["Fn::Sub"][0]
        if text.startswith("${") and ".Arn}" in text:
            return text.replace("${", "").replace(".Arn}", "")
        if ":identity/*" in text:
            return SENDER_IDENTITIES
        if ":configuration-set/" in text:
            return CONFIGURATION_SET
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
        else:
            assert managed in MANAGED, f"{function} carries {managed}, which nobody explained"
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
    sending = [
        statement
        for statement in _statements(transformed, "JoinFunction")
        if "ses:SendEmail" in str(statement["Action"])
    ]

    assert sending
    for statement in sending:
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
