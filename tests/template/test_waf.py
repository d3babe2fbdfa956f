"""Per-caller limits: an AWS WAF web ACL in front of the stage, rate-based per source IP on the public routes (lower
where an email can leave), answering 429 RATE_LIMITED, with its alarms, and nothing of it when switched off.

Which requests each rule counts is checked with a small model of the rules' statements (AWS WAF's documented
matching and text transformations), not with AWS WAF itself, which no offline test can run.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.aws import REGION
from tools.functions import ROOT, api_routes, template
from tools.template import Stack

RESOURCES: dict[str, Any] = template()["Resources"]
ACL = RESOURCES["PerCallerWebAcl"]
RULES: dict[str, dict[str, Any]] = {rule["Name"]: rule for rule in ACL["Properties"]["Rules"]}
LIMITS = ("EmailRequestsPerIp", "PublicRequestsPerIp")  # the rate-based rules
CONDITION = "HasPerIpLimits"
# The public routes that can send an email: a registration's confirmation, join, resend and renew.
EMAIL_ROUTES = {
    ("POST", "/v1/accounts"),
    ("POST", "/v1/accounts/{account_id}/join"),
    ("POST", "/v1/invitations/resend"),
    ("POST", "/v1/invitations/renew"),
}
# Where a route's path can start: the execute-api URL's stage, a custom domain mapped at its root or at a base path.
PREFIXES = ("/prod", "", "/accounts")
SAMPLE_PARAMETERS = {"account_id": "acct-1", "invitation_id": "inv-1", "email": "jane%40example.com"}


# --- A model of the web ACL's rules ---


def _normalize_path(path: str) -> str:
    """NORMALIZE_PATH: multiple slashes, self-references and back-references not at the beginning removed."""
    kept: list[str] = []
    for segment in re.sub(r"/{2,}", "/", path).split("/"):
        if segment == ".":
            continue
        if segment == ".." and kept and kept[-1] not in ("", ".."):
            kept.pop()
            continue
        kept.append(segment)
    return "/".join(kept)


_TRANSFORMATIONS = {"NONE": lambda value: value, "URL_DECODE": unquote, "NORMALIZE_PATH": _normalize_path}


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    labels: frozenset[str] = field(default_factory=frozenset)


def _inspected(request: Request, statement: dict[str, Any]) -> str:
    ((part, _),) = statement["FieldToMatch"].items()
    value = {"UriPath": request.path, "Method": request.method}[part]
    for transformation in sorted(statement["TextTransformations"], key=lambda item: item["Priority"]):
        value = _TRANSFORMATIONS[transformation["Type"]](value)
    return value


def _matches(statement: dict[str, Any], request: Request) -> bool:
    ((kind, body),) = statement.items()
    match kind:
        case "AndStatement":
            return all(_matches(item, request) for item in body["Statements"])
        case "OrStatement":
            return any(_matches(item, request) for item in body["Statements"])
        case "NotStatement":
            return not _matches(body["Statement"], request)
        case "LabelMatchStatement":
            assert body["Scope"] == "LABEL"
            return body["Key"] in request.labels
        case "ByteMatchStatement":
            value, search = _inspected(request, body), body["SearchString"]
            positions = {
                "EXACTLY": value == search,
                "STARTS_WITH": value.startswith(search),
                "ENDS_WITH": value.endswith(search),
                "CONTAINS": search in value,
            }
            return positions[body["PositionalConstraint"]]
        case "RegexMatchStatement":
            return re.search(body["RegexString"], _inspected(request, body)) is not None
    raise AssertionError(f"the model does not know {kind}")


def counted_by(method: str, path: str) -> set[str]:
    """The rate-based rules whose per-IP count the request adds to, after the rules before them labelled it."""
    request = Request(method, path)
    counted = set()
    for rule in sorted(RULES.values(), key=lambda item: item["Priority"]):
        statement = rule["Statement"]
        if "RateBasedStatement" in statement:
            scope = statement["RateBasedStatement"].get("ScopeDownStatement")
            if scope is None or _matches(scope, request):
                counted.add(rule["Name"])
        elif _matches(statement, request):
            assert rule["Action"] == {"Count": {}}, rule["Name"]  # nothing before the limits ends the evaluation
            labels = {label["Name"] for label in rule.get("RuleLabels", [])}
            request = Request(request.method, request.path, request.labels | labels)
    return counted


def _readings(path: str) -> set[str]:
    """The paths API Gateway might route a request by: as sent, normalised, decoded, in either order."""
    return {
        path,
        _normalize_path(path),
        unquote(path),
        _normalize_path(unquote(path)),
        unquote(_normalize_path(path)),
    }


def routes_reached(method: str, path: str) -> set[tuple[str, str]]:
    """Every route of the template that some reading of the path reaches, behind a stage (or base path) or not."""
    reached = set()
    for reading in _readings(path):
        for candidate in (reading, "/" + reading.lstrip("/").partition("/")[2]):
            reached |= {
                (route.method, route.resource)
                for route in api_routes()
                if route.method == method and route.pattern.match(candidate)
            }
    return reached


def _sample_path(resource: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda match: SAMPLE_PARAMETERS[match.group(1)], resource)


# --- The web ACL ---


def test_web_acl_is_regional_allows_what_no_rule_blocks_and_reports_every_rule() -> None:
    properties = ACL["Properties"]

    assert ACL["Type"] == "AWS::WAFv2::WebACL"
    assert properties["Scope"] == "REGIONAL"
    assert properties["DefaultAction"] == {"Allow": {}}
    for visibility in [properties["VisibilityConfig"], *(rule["VisibilityConfig"] for rule in RULES.values())]:
        assert visibility["CloudWatchMetricsEnabled"] is True
        assert visibility["SampledRequestsEnabled"] is True
    for name, rule in RULES.items():
        assert rule["VisibilityConfig"]["MetricName"] == name  # what the alarms' Rule dimension names


@pytest.mark.parametrize(
    ("rule", "parameter", "default"),
    [("PublicRequestsPerIp", "PerIpRequestLimit", 2000), ("EmailRequestsPerIp", "PerIpEmailRequestLimit", 100)],
)
def test_limit_is_a_rate_per_source_ip_over_five_minutes_set_by_its_parameter(
    rule: str, parameter: str, default: int
) -> None:
    statement = RULES[rule]["Statement"]["RateBasedStatement"]
    declared = template()["Parameters"][parameter]

    assert statement["AggregateKeyType"] == "IP"
    assert statement["EvaluationWindowSec"] == 300
    assert statement["Limit"] == {"Ref": parameter}
    assert declared["Type"] == "Number"
    assert declared["Default"] == default
    assert declared["Default"] >= 10  # AWS WAF's lowest limit
    assert "Block" in RULES[rule]["Action"]


def test_email_limit_is_below_the_limit_of_every_public_request() -> None:
    parameters = template()["Parameters"]

    assert parameters["PerIpEmailRequestLimit"]["Default"] < parameters["PerIpRequestLimit"]["Default"]


@pytest.mark.parametrize("rule", LIMITS)
def test_blocked_caller_gets_429_rate_limited_with_retry_after_and_cors(rule: str) -> None:
    response = RULES[rule]["Action"]["Block"]["CustomResponse"]
    headers = {header["Name"]: header["Value"] for header in response["ResponseHeaders"]}
    body = ACL["Properties"]["CustomResponseBodies"][response["CustomResponseBodyKey"]]

    assert response["ResponseCode"] == 429
    assert int(headers["Retry-After"]) > 0
    assert headers["Access-Control-Allow-Origin"] == {"Ref": "PortalOrigin"}  # as API Gateway's own answers
    assert body["ContentType"] == "APPLICATION_JSON"
    answer = json.loads(body["Content"])
    assert answer["code"] == "RATE_LIMITED"  # the service's own code for "wait Retry-After, then retry"
    assert set(answer) == {"code", "message"}
    assert answer["message"]


# --- Which requests each limit counts ---


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("route", api_routes(), ids=lambda route: f"{route.method} {route.resource}")
def test_each_route_counts_towards_the_limits_it_belongs_to(route: Any, prefix: str) -> None:
    counted = counted_by(route.method, prefix + _sample_path(route.resource))

    if route.resource.startswith("/v1/internal/"):
        assert counted == set()  # IAM-signed back-office calls: never limited per IP
    elif (route.method, route.resource) in EMAIL_ROUTES:
        assert counted == {"EmailRequestsPerIp", "PublicRequestsPerIp"}
    else:
        assert counted == {"PublicRequestsPerIp"}


@pytest.mark.parametrize("prefix", PREFIXES)
def test_cors_preflight_counts_towards_the_public_limit_only(prefix: str) -> None:
    assert counted_by("OPTIONS", f"{prefix}/v1/invitations/resend") == {"PublicRequestsPerIp"}


@pytest.mark.parametrize(
    "path",
    [
        "/prod/v1/internal/../accounts/acct-1/join",
        "/prod/v1/internal/%2e%2e/accounts/acct-1/join",
        "/prod/v1/internal/a%2Fb/../../accounts/acct-1/join",
        "/prod/v1/internal/x/..%2F..%2Finvitations/resend",
        "/v1/internal/./../invitations/renew",
    ],
)
def test_a_public_route_cannot_pass_for_an_internal_one(path: str) -> None:
    assert routes_reached("POST", path) & EMAIL_ROUTES  # some reading of it does reach an emailing route

    assert counted_by("POST", path) == {"EmailRequestsPerIp", "PublicRequestsPerIp"}


# What a path may pass for (the internal routes, the two routes that never email) and what may hide it.
_DISGUISES = ["/v1/internal", "/v1/internal/accounts", "/v1/invitations/preview", "/v1/invitations/accept", ""]
_SEGMENTS = ["x", "acct-1", "a%2Fb", ".", ""]
_BACK_REFERENCES = ["..", "%2e%2e", "%2E%2E", ".%2e"]
_TARGETS = sorted({_sample_path(route.resource) for route in api_routes()})


@st.composite
def detours(draw: st.DrawFn) -> str:
    """A route's path behind a disguise and back-references (plain or encoded) that cancel it in some reading."""
    stage = draw(st.sampled_from(["/prod", ""]))
    disguise = draw(st.sampled_from(_DISGUISES)).split("/")[1:]
    detour = [*disguise, *draw(st.lists(st.sampled_from(_SEGMENTS), max_size=2))]
    back = [draw(st.sampled_from(_BACK_REFERENCES)) for _ in range(draw(st.integers(0, len(detour) + 1)))]
    path = stage
    for segment in [*detour, *back]:
        path += draw(st.sampled_from(["/", "/", "%2F", "//"])) + segment
    return path + draw(st.sampled_from(_TARGETS))


@settings(max_examples=500)
@given(method=st.sampled_from(["POST", "GET"]), path=detours())
def test_no_reading_of_a_path_takes_a_public_route_past_its_limits(method: str, path: str) -> None:
    counted = counted_by(method, path)

    for reached in routes_reached(method, path):
        if not reached[1].startswith("/v1/internal/"):
            assert "PublicRequestsPerIp" in counted, reached
        if reached in EMAIL_ROUTES:
            assert "EmailRequestsPerIp" in counted, reached


def test_every_public_post_but_preview_and_accept_is_an_emailing_route() -> None:
    public_posts = {
        (route.method, route.resource)
        for route in api_routes()
        if route.method == "POST" and not route.resource.startswith("/v1/internal/")
    }

    assert public_posts - EMAIL_ROUTES == {("POST", "/v1/invitations/preview"), ("POST", "/v1/invitations/accept")}
    assert public_posts >= EMAIL_ROUTES


# --- In front of the stage, watched ---


def test_web_acl_is_associated_with_the_stage_and_waits_for_it(transformed: dict[str, Any]) -> None:
    resources = transformed["Resources"]
    association = resources["PerCallerWebAclAssociation"]["Properties"]
    arn = association["ResourceArn"]["Fn::Sub"]
    stage = re.fullmatch(
        r"arn:\$\{AWS::Partition\}:apigateway:\$\{AWS::Region\}::/restapis/\$\{BusinessAccountsApi\}/stages/\$\{(\w+)\}",
        arn,
    )

    assert association["WebACLArn"] == {"Fn::GetAtt": ["PerCallerWebAcl", "Arn"]}
    assert stage is not None, arn
    assert resources[stage.group(1)]["Type"] == "AWS::ApiGateway::Stage"  # a reference: created after the stage
    assert resources[stage.group(1)]["Properties"]["RestApiId"] == {"Ref": "BusinessAccountsApi"}


@pytest.mark.parametrize("rule", LIMITS)
def test_alarm_watches_what_each_limit_blocks(rule: str) -> None:
    alarm = RESOURCES[f"{rule}BlockedAlarm"]
    properties = alarm["Properties"]
    dimensions = {dimension["Name"]: dimension["Value"] for dimension in properties["Dimensions"]}

    assert alarm["Type"] == "AWS::CloudWatch::Alarm"
    assert properties["Namespace"] == "AWS/WAFV2"
    assert properties["MetricName"] == "BlockedRequests"
    assert dimensions == {"WebACL": ACL["Properties"]["Name"], "Rule": rule, "Region": {"Ref": "AWS::Region"}}
    assert properties["Statistic"] == "Sum"
    assert properties["TreatMissingData"] == "notBreaching"
    notify = {"Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]}
    assert properties["AlarmActions"] == properties["OKActions"] == notify


def test_output_names_the_web_acl() -> None:
    output = template()["Outputs"]["PerCallerWebAclArn"]

    assert output["Value"] == {"Fn::GetAtt": ["PerCallerWebAcl", "Arn"]}
    assert output["Condition"] == CONDITION


# --- Switched off ---


def _mentions_waf(item: Any) -> bool:
    text = json.dumps(item)
    return "AWS::WAFv2::" in text or "AWS/WAFV2" in text or "PerCallerWebAcl" in text


def test_nothing_of_waf_exists_when_the_limit_is_zero() -> None:
    waf = {name: item for name, item in RESOURCES.items() if _mentions_waf(item)}
    outputs = {name: item for name, item in template()["Outputs"].items() if _mentions_waf(item)}
    stack = Stack(template(), REGION, {"PerIpRequestLimit": "0"})

    assert set(waf) == {
        "PerCallerWebAcl",
        "PerCallerWebAclAssociation",
        "EmailRequestsPerIpBlockedAlarm",
        "PublicRequestsPerIpBlockedAlarm",
    }
    assert all(item.get("Condition") == CONDITION for item in [*waf.values(), *outputs.values()])
    assert stack.condition(CONDITION) is False
    assert Stack(template(), REGION).condition(CONDITION) is True
    assert template()["Parameters"]["PerIpRequestLimit"]["MinValue"] == 0


def test_dev_deploys_without_the_web_acl_and_prod_with_it() -> None:
    config = tomllib.loads((ROOT / "samconfig.toml").read_text(encoding="utf-8"))

    def overrides(environment: str) -> dict[str, str]:
        pairs = config[environment]["deploy"]["parameters"]["parameter_overrides"].split()
        return dict(pair.split("=", 1) for pair in pairs)

    assert overrides("dev")["PerIpRequestLimit"] == "0"
    assert overrides("prod").get("PerIpRequestLimit", "2000") != "0"
