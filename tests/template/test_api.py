"""The API as deployed: internal routes signed with IAM, public ones open but throttled, logs without bodies."""

from __future__ import annotations

import json
from typing import Any

from tools.functions import functions, template


def _api_events() -> list[tuple[str, str, dict[str, Any]]]:
    """Each `Api` event of the template's functions: its path, its method and its properties."""
    return [
        (event["Properties"]["Path"], event["Properties"]["Method"].upper(), event["Properties"])
        for function in functions().values()
        for event in function.properties.get("Events", {}).values()
        if event["Type"] == "Api"
    ]


def test_template_signs_every_internal_route_with_iam_and_no_public_route() -> None:
    routes = _api_events()
    internal = [(path, method, props) for path, method, props in routes if path.startswith("/v1/internal/")]
    public = [(path, method, props) for path, method, props in routes if not path.startswith("/v1/internal/")]

    assert len(internal) == 7  # SPEC's five internal routes, the timeline, and lifting a suppression
    assert public
    for path, method, props in internal:
        assert props.get("Auth", {}).get("Authorizer") == "AWS_IAM", (method, path)
    for path, method, props in public:
        assert props.get("Auth", {}).get("Authorizer") in (None, "NONE"), (method, path)
    api_properties = template()["Resources"]["BusinessAccountsApi"]["Properties"]
    assert api_properties.get("Auth", {}).get("DefaultAuthorizer") in (None, "NONE")
    assert "Api" not in template().get("Globals", {})


def test_api_compresses_what_is_larger_than_a_kilobyte_such_as_the_pages() -> None:
    assert template()["Resources"]["BusinessAccountsApi"]["Properties"]["MinimumCompressionSize"] == 1024


def test_internal_routes_are_aws_iam_in_the_transformed_api(transformed: dict[str, Any]) -> None:
    methods = [item for item in transformed["Resources"].values() if item["Type"] == "AWS::ApiGateway::RestApi"]
    paths = methods[0]["Properties"]["Body"]["paths"]

    for path, operations in paths.items():
        for method, operation in operations.items():
            if method == "options":  # CORS preflight, answered by API Gateway itself
                continue
            signed = any("AWS_IAM" in requirement for requirement in operation.get("security", []))
            assert signed == path.startswith("/v1/internal/"), (method, path)


def test_the_stage_throttles_every_route_and_logs_without_bodies(transformed: dict[str, Any]) -> None:
    stage = next(item for item in transformed["Resources"].values() if item["Type"] == "AWS::ApiGateway::Stage")
    settings = stage["Properties"]["MethodSettings"]

    catch_all = next(item for item in settings if item["ResourcePath"] == "/*" and item["HttpMethod"] == "*")
    assert catch_all["ThrottlingRateLimit"] == {"Ref": "ApiThrottlingRateLimit"}
    assert catch_all["ThrottlingBurstLimit"] == {"Ref": "ApiThrottlingBurstLimit"}
    assert catch_all.get("DataTraceEnabled") is False  # full request logging would write bodies (emails) to logs
    access_format = json.loads(stage["Properties"]["AccessLogSetting"]["Format"])
    assert not any("body" in str(value).lower() for value in access_format.values())
