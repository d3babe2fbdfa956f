"""Published versions and SnapStart, as CloudFormation gets them: every caller invokes the `live` alias, every change
of code, layer or parameter publishes a new version, and SnapStart is the API functions' per stage."""

from __future__ import annotations

import tomllib
from typing import Any

from tests.template.conftest import translate
from tools.functions import ROOT, functions, template

ALIAS = "live"
# Nobody waits on their cold start: the schedule, the SES reports and the events stream's two consumers.
QUIET = {"CleanupFunction", "DeliveryEventsFunction", "InvitationMailFunction", "EventsPublisherFunction"}


def _of_type(resources: dict[str, Any], kind: str) -> dict[str, Any]:
    return {logical_id: resource for logical_id, resource in resources.items() if resource["Type"] == kind}


def _alias(function: str) -> dict[str, str]:
    return {"Ref": f"{function}Alias{ALIAS}"}


def _versions(resources: dict[str, Any]) -> dict[str, str]:
    """Each function's version resource, by function."""
    versions = _of_type(resources, "AWS::Lambda::Version")
    return {function: next(v for v in versions if v.startswith(f"{function}Version")) for function in functions()}


def test_every_function_has_the_live_alias_on_a_version_deleted_once_replaced(transformed: dict[str, Any]) -> None:
    resources = transformed["Resources"]
    aliases = _of_type(resources, "AWS::Lambda::Alias")

    for function, version in _versions(resources).items():
        alias = aliases[f"{function}Alias{ALIAS}"]["Properties"]
        assert alias["Name"] == ALIAS
        assert alias["FunctionVersion"] == {"Fn::GetAtt": [version, "Version"]}
        assert resources[version]["DeletionPolicy"] == "Delete", function


def test_api_gateway_invokes_the_alias_of_every_route_and_may_invoke_nothing_else(
    transformed: dict[str, Any],
) -> None:
    resources = transformed["Resources"]
    body = next(iter(_of_type(resources, "AWS::ApiGateway::RestApi").values()))["Properties"]["Body"]
    uris = [
        operation["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"]
        for path in body["paths"].values()
        for method, operation in path.items()
        if method != "options"
    ]
    permissions = [permission["Properties"] for permission in _of_type(resources, "AWS::Lambda::Permission").values()]

    assert uris
    assert all(uri.endswith(f"Alias{ALIAS}}}/invocations") for uri in uris), uris
    invoked = {p["FunctionName"]["Ref"] for p in permissions if p["Principal"] == "apigateway.amazonaws.com"}
    assert invoked == {_alias(function)["Ref"] for function in functions() if function not in QUIET}


def test_the_schedule_and_the_ses_rule_invoke_the_alias_and_retry_on_it(transformed: dict[str, Any]) -> None:
    resources = transformed["Resources"]
    schedule = next(iter(_of_type(resources, "AWS::Scheduler::Schedule").values()))["Properties"]
    rule = next(iter(_of_type(resources, "AWS::Events::Rule").values()))["Properties"]
    retries = {
        config["Properties"]["FunctionName"]["Ref"]: config["Properties"]["Qualifier"]
        for config in _of_type(resources, "AWS::Lambda::EventInvokeConfig").values()
    }

    assert schedule["Target"]["Arn"] == _alias("CleanupFunction")
    assert rule["Targets"][0]["Arn"] == _alias("DeliveryEventsFunction")
    assert retries == {"CleanupFunction": ALIAS, "DeliveryEventsFunction": ALIAS}


def test_the_stream_consumers_event_source_mappings_invoke_the_alias(transformed: dict[str, Any]) -> None:
    mappings = _of_type(transformed["Resources"], "AWS::Lambda::EventSourceMapping").values()

    invoked = {mapping["Properties"]["FunctionName"]["Ref"] for mapping in mappings}
    assert invoked == {_alias(function)["Ref"] for function in ("InvitationMailFunction", "EventsPublisherFunction")}


def test_snapstart_is_the_api_functions_choice_per_stage_off_unless_asked_and_on_in_prod(
    transformed: dict[str, Any],
) -> None:
    parameter = template()["Parameters"]["SnapStart"]
    prod = tomllib.loads((ROOT / "samconfig.toml").read_text(encoding="utf-8"))["prod"]["deploy"]["parameters"]

    assert parameter["Default"] == "None"
    assert "SnapStart=PublishedVersions" in prod["parameter_overrides"].split()
    for function in functions():
        expected = "None" if function in QUIET else {"Ref": "SnapStart"}
        assert transformed["Resources"][function]["Properties"]["SnapStart"]["ApplyOn"] == expected, function


def test_every_api_function_version_carries_the_configuration_and_snapstart_so_a_parameter_change_replaces_it(
    transformed: dict[str, Any],
) -> None:
    resources = transformed["Resources"]
    configuration = resources["FunctionConfiguration"]["Properties"]["Value"]["Fn::Join"][1]
    variables = template()["Globals"]["Function"]["Environment"]["Variables"]
    parameters = set(template()["Parameters"])

    def parameters_in(value: Any) -> set[str]:
        if isinstance(value, dict):
            found = {value["Ref"]} if isinstance(value.get("Ref"), str) and value["Ref"] in parameters else set()
            return found.union(*(parameters_in(item) for item in value.values()))
        if isinstance(value, list):
            return set().union(*(parameters_in(item) for item in value))
        return set()

    # Every parameter the environment is made of is in the configuration line (a version cannot change its own).
    assert parameters_in(variables) <= parameters_in(configuration)
    for function, version in _versions(resources).items():
        description = resources[version]["Properties"]["Description"]
        if function in QUIET:
            assert description == {"Fn::GetAtt": ["FunctionConfiguration", "Value"]}, function
        else:
            assert description == {"Fn::Sub": "${FunctionConfiguration.Value} ${SnapStart}"}, function


def test_a_new_layer_publishes_a_new_version_of_every_function() -> None:
    before = _versions(translate()["Resources"])
    after = _versions(translate(uploaded={"SharedLayer": "s3://artifacts/layer-of-another-build"})["Resources"])

    assert all(before[function] != after[function] for function in functions())
