"""The sample events in events/: well formed, one for every route, and answered sensibly by the function they target."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from business_accounts.logic.issuing import sent_event
from business_accounts.logic.services import Services
from business_accounts.logic.store import Issue
from business_accounts.logic.tokens import random_token, token_hash
from business_accounts.models.events import Actor
from business_accounts.models.items import Account, Invitation, MailLog, Suppression
from business_accounts.models.types import (
    Budget,
    CreatedVia,
    InvitationPurpose,
    InvitationStatus,
    normalise_email,
    sortable_id,
)
from tests.support.api import StreamOf
from tests.support.aws import sent_emails
from tests.support.events import EVENTS, LambdaContext, load_event
from tests.support.fakes import FakeClock
from tests.support.ses import rules_matching
from tools.functions import Function, functions
from tools.streams import consumers

SAMPLES = sorted(path.stem for path in EVENTS.glob("*.json"))
API_SAMPLES = [name for name in SAMPLES if "httpMethod" in load_event(name)]
SES_SAMPLES = [name for name in SAMPLES if load_event(name).get("source") == "aws.ses"]
# A stream's batch reaches every consumer whose filter takes it: the sample says which one it is for.
STREAM_SAMPLES = {"invitation_mail": "InvitationMailFunction", "events_publisher": "EventsPublisherFunction"}
SCHEDULE_TYPES = ("Schedule", "ScheduleV2")
ID_PATTERNS = {
    "account_id": re.compile(r"^acc_[0-9A-HJKMNP-TV-Z]{26}$"),
    "invitation_id": re.compile(r"^inv_[0-9A-HJKMNP-TV-Z]{26}$"),
    "email": re.compile(r"^[a-z0-9.+-]+@[a-z0-9.-]+\.[a-z]+$"),
}
API_EVENT_KEYS = {
    "resource",
    "path",
    "httpMethod",
    "headers",
    "multiValueHeaders",
    "queryStringParameters",
    "pathParameters",
    "requestContext",
    "body",
    "isBase64Encoded",
}


def template_routes() -> set[tuple[str, str]]:
    return {
        (event["Properties"]["Path"], event["Properties"]["Method"].upper())
        for function in functions().values()
        for event in function.properties.get("Events", {}).values()
        if event["Type"] == "Api"
    }


def target(event: dict[str, Any]) -> Function:
    """The function template.yaml sends this event to: by Api path and method, by schedule, or by EventBridge rule."""
    by_rule = {name.split(".")[0] for name in rules_matching(event)}

    def receives(function: str, properties: dict[str, Any], event_type: str) -> bool:
        if "httpMethod" in event:
            return (
                event_type == "Api"
                and properties["Path"] == event["resource"]
                and properties["Method"].upper() == event["httpMethod"]
            )
        if event_type == "EventBridgeRule":
            return function in by_rule
        return event_type in SCHEDULE_TYPES and event.get("source") == "aws.scheduler"

    found = [
        function
        for function in functions().values()
        for declared in function.properties.get("Events", {}).values()
        if receives(function.logical_id, declared.get("Properties", {}), declared["Type"])
    ]
    assert len(found) == 1, f"{len(found)} functions receive this event"
    return found[0]


def invoke(name: str) -> Any:
    event = load_event(name)
    function = functions()[STREAM_SAMPLES[name]] if name in STREAM_SAMPLES else target(event)
    return function.entry_point()(event, LambdaContext(function_name=function.logical_id))


def body_of(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(load_event(name)["body"])
    return body


def path_parameter(name: str, parameter: str) -> str:
    value: str = load_event(name)["pathParameters"][parameter]
    return value


def seed(
    runtime: Services,
    *,
    email: str = "seeded.admin@example.com",
    account_id: str | None = None,
    token: str | None = None,
    invitation_id: str | None = None,
    registered: bool = False,
) -> None:
    """An account with one pending invitation, written through the store, with the sample's own ids and token;
    `registered`: a self-service registration instead, waiting on its confirmation."""
    now = runtime.clock()
    email = normalise_email(email)
    account = Account(
        account_id=account_id or sortable_id("acc"),
        company_name="ACME Ltd",
        created_via=CreatedVia.SELF_SERVICE if registered else CreatedVia.SALES,
        created_at=now,
        verified=not registered,
    )
    budget, actor = (Budget.PUBLIC, Actor.SELF) if registered else (Budget.BACK_OFFICE, Actor.SALES)
    expires_at = now + timedelta(seconds=runtime.settings.invitation_ttl_seconds)
    invitation = Invitation(
        token_hash=token_hash(token or random_token()),
        invitation_id=invitation_id or sortable_id("inv"),
        account_id=account.account_id,
        company_name=account.company_name,
        created_via=account.created_via,
        email=email,
        status=InvitationStatus.PENDING,
        created_at=now,
        expires_at=expires_at,
        purpose=InvitationPurpose.CONFIRMATION if registered else InvitationPurpose.INVITATION,
    )
    mailed = MailLog(email=email, budget=budget, sent_at=(int(now.timestamp()),), version=1)
    reason = "registration" if registered else "provisioning"
    runtime.store.issue(
        Issue(
            invitation=invitation,
            mail_before=MailLog(email=email, budget=budget),
            mail_after=mailed,
            events=(sent_event(invitation, actor=actor, reason=reason, budget=budget),),
            new_account=account,
        )
    )


@dataclass(frozen=True)
class Scenario:
    """What to put in the tables before a sample runs, and the answer it should then get."""

    given: Callable[[Services, FakeClock], None]
    status: int
    code: str | None = None


def nothing(runtime: Services, clock: FakeClock) -> None:
    """Empty tables."""


def invited_email(name: str, field: str = "email") -> Callable[[Services, FakeClock], None]:
    def given(runtime: Services, clock: FakeClock) -> None:
        seed(runtime, email=body_of(name)[field])
        clock.advance(seconds=61)  # past the cooldown of the seeded invitation's email

    return given


def sample_account(name: str, email_field: str | None = None) -> Callable[[Services, FakeClock], None]:
    def given(runtime: Services, clock: FakeClock) -> None:
        email = body_of(name)[email_field] if email_field else "seeded.admin@example.com"
        seed(runtime, account_id=path_parameter(name, "account_id"), email=email)
        clock.advance(seconds=61)

    return given


def sample_registration(runtime: Services, clock: FakeClock) -> None:
    seed(runtime, account_id=path_parameter("registration", "account_id"), registered=True)


def sample_token(name: str, *, then: timedelta = timedelta(0)) -> Callable[[Services, FakeClock], None]:
    def given(runtime: Services, clock: FakeClock) -> None:
        seed(runtime, token=body_of(name)["token"])
        clock.advance(seconds=then.total_seconds())

    return given


def sample_invitation(runtime: Services, clock: FakeClock) -> None:
    seed(
        runtime,
        account_id=path_parameter("revoke", "account_id"),
        invitation_id=path_parameter("revoke", "invitation_id"),
    )


def suppressed_email(runtime: Services, clock: FakeClock) -> None:
    runtime.store.suppress(Suppression(email=path_parameter("lift_suppression", "email"), at=clock()), None)


def overdue_invitation(runtime: Services, clock: FakeClock) -> None:
    seed(runtime)
    clock.advance(days=8)


SEEDED: dict[str, Scenario] = {
    "register": Scenario(nothing, 201),
    "registration": Scenario(sample_registration, 200),
    "pending": Scenario(invited_email("pending"), 409, "PENDING_INVITATION"),
    "join": Scenario(sample_account("join", "email"), 202),
    "resend": Scenario(invited_email("resend"), 202),
    "preview": Scenario(sample_token("preview"), 200),
    "accept": Scenario(sample_token("accept"), 200),
    "renew": Scenario(sample_token("renew", then=timedelta(days=8)), 202),
    "openapi": Scenario(nothing, 200),
    "accept_page": Scenario(nothing, 200),
    "accept_page_head": Scenario(nothing, 200),
    "register_page": Scenario(nothing, 200),
    "register_page_head": Scenario(nothing, 200),
    "provision": Scenario(nothing, 201),
    "get_account": Scenario(sample_account("get_account"), 200),
    "invite": Scenario(sample_account("invite", "invited_by"), 201),
    "list_invitations": Scenario(sample_account("list_invitations"), 200),
    "list_events": Scenario(sample_account("list_events"), 200),
    "revoke": Scenario(sample_invitation, 204),
    "lift_suppression": Scenario(suppressed_email, 204),
}
# The documented answers when the ids and the token of the samples exist nowhere.
EMPTY: dict[str, tuple[int, str | None]] = {
    "register": (201, None),
    "registration": (404, "NOT_FOUND"),
    "pending": (201, None),
    "join": (404, "NOT_FOUND"),
    "resend": (202, None),
    "preview": (404, "INVITATION_NOT_FOUND"),
    "accept": (404, "INVITATION_NOT_FOUND"),
    "renew": (404, "INVITATION_NOT_FOUND"),
    "openapi": (200, None),
    "accept_page": (200, None),
    "accept_page_head": (200, None),
    "register_page": (200, None),
    "register_page_head": (200, None),
    "provision": (201, None),
    "get_account": (404, "NOT_FOUND"),
    "invite": (404, "NOT_FOUND"),
    "list_invitations": (404, "NOT_FOUND"),
    "list_events": (404, "NOT_FOUND"),
    "revoke": (404, "INVITATION_NOT_FOUND"),
    "lift_suppression": (204, None),  # lifting what is not there is not an error
}


def answer_of(raw: dict[str, Any]) -> tuple[int, Any]:
    headers = {name.lower(): values[-1] for name, values in (raw.get("multiValueHeaders") or {}).items()}
    headers |= {name.lower(): value for name, value in (raw.get("headers") or {}).items()}
    text = raw.get("body") or ""
    is_json = headers.get("content-type", "").startswith("application/json")
    return raw["statusCode"], json.loads(text) if text and is_json else text or None


# --- The files ---


def test_samples_cover_every_operation() -> None:
    assert set(SAMPLES) == {*SEEDED, *SES_SAMPLES, *STREAM_SAMPLES, "cleanup_schedule"}
    assert set(SAMPLES) == {*EMPTY, *SES_SAMPLES, *STREAM_SAMPLES, "cleanup_schedule"}


def test_every_api_route_in_the_template_has_a_sample_event() -> None:
    sampled = {(load_event(name)["resource"], load_event(name)["httpMethod"]) for name in API_SAMPLES}

    assert template_routes() - sampled == set()


def test_every_schedule_in_the_template_has_a_sample_event() -> None:
    scheduled = {
        function.logical_id
        for function in functions().values()
        for event in function.properties.get("Events", {}).values()
        if event["Type"] in SCHEDULE_TYPES
    }
    schedules = [name for name in SAMPLES if load_event(name).get("source") == "aws.scheduler"]
    sampled = {target(load_event(name)).logical_id for name in schedules}

    assert scheduled == sampled == {"CleanupFunction"}


@pytest.mark.parametrize("name", API_SAMPLES)
def test_api_sample_is_a_rest_proxy_event(name: str) -> None:
    event = load_event(name)

    assert set(event) >= API_EVENT_KEYS
    parameters = event["pathParameters"] or {}
    assert event["path"] == event["resource"].format(**parameters)
    for parameter, value in parameters.items():
        assert ID_PATTERNS[parameter].match(value), (parameter, value)
    context = event["requestContext"]
    assert {"requestId", "stage", "resourcePath", "identity", "httpMethod"} <= set(context)
    assert context["resourcePath"] == event["resource"]
    assert context["httpMethod"] == event["httpMethod"]
    assert context["path"] == f"/{context['stage']}{event['path']}"
    assert event["multiValueHeaders"] == {header: [value] for header, value in event["headers"].items()}
    assert event["isBase64Encoded"] is False
    if event["httpMethod"] in ("GET", "HEAD", "DELETE"):
        assert event["body"] is None
    else:
        assert isinstance(json.loads(event["body"]), dict)
        assert event["headers"]["Content-Type"] == "application/json"
    if query := event["queryStringParameters"]:
        assert event["multiValueQueryStringParameters"] == {key: [value] for key, value in query.items()}


def test_pending_sample_is_a_registration_with_another_body() -> None:
    register, pending = load_event("register"), load_event("pending")

    assert (pending["resource"], pending["httpMethod"]) == (register["resource"], register["httpMethod"])
    assert body_of("pending")["email"] != body_of("register")["email"]


def test_schedule_sample_is_an_eventbridge_scheduler_event() -> None:
    event = load_event("cleanup_schedule")

    assert event["source"] == "aws.scheduler"
    assert event["detail-type"] == "Scheduled Event"
    assert event["resources"][0].startswith("arn:aws:scheduler:")


# --- The samples, invoked on moto ---


@pytest.mark.parametrize("name", sorted(SEEDED))
def test_api_sample_on_its_data_answers_as_documented(runtime: Services, clock: FakeClock, name: str) -> None:
    scenario = SEEDED[name]
    scenario.given(runtime, clock)

    status, body = answer_of(invoke(name))

    assert status == scenario.status, body
    if scenario.code:
        assert body["code"] == scenario.code


def test_join_sample_sends_the_invitation_to_its_email(runtime: Services, clock: FakeClock) -> None:
    SEEDED["join"].given(runtime, clock)

    invoke("join")
    StreamOf().drain()  # the outbox sends it from the stream

    assert [set(mail.to) for mail in sent_emails()] == [{body_of("join")["email"]}]


def test_preview_sample_shows_the_seeded_invitation(runtime: Services, clock: FakeClock) -> None:
    SEEDED["preview"].given(runtime, clock)

    _, body = answer_of(invoke("preview"))

    assert body["status"] == "pending"
    assert body["company_name"] == "ACME Ltd"


def test_list_invitations_sample_lists_the_seeded_invitation(runtime: Services, clock: FakeClock) -> None:
    SEEDED["list_invitations"].given(runtime, clock)

    _, body = answer_of(invoke("list_invitations"))

    assert [item["status"] for item in body["items"]] == ["pending"]


def test_openapi_sample_answers_a_document_of_every_other_api_route(runtime: Services) -> None:
    _, body = answer_of(invoke("openapi"))

    assert body["openapi"].startswith("3.")
    documented = {(path, method.upper()) for path, operations in body["paths"].items() for method in operations}
    api_routes = {(path, method) for path, method in template_routes() if path.startswith("/v1/")}
    assert api_routes - {("/v1/openapi.json", "GET")} <= documented


@pytest.mark.parametrize("name", ["accept_page", "register_page"])
def test_page_sample_answers_the_page(runtime: Services, name: str) -> None:
    status, page = answer_of(invoke(name))

    assert status == 200
    assert "<html" in page.lower()


@pytest.mark.parametrize("name", sorted(EMPTY))
def test_api_sample_on_empty_tables_answers_documented_status(runtime: Services, name: str) -> None:
    expected_status, expected_code = EMPTY[name]

    status, body = answer_of(invoke(name))

    assert status == expected_status, body
    assert status < 500
    if expected_code:
        assert body["code"] == expected_code


def test_cleanup_schedule_sample_expires_overdue_invitations(runtime: Services, clock: FakeClock) -> None:
    overdue_invitation(runtime, clock)

    assert invoke("cleanup_schedule") == {"expired": 1, "remaining": False}
    assert invoke("cleanup_schedule") == {"expired": 0, "remaining": False}


def test_cleanup_schedule_sample_on_empty_tables_expires_nothing(runtime: Services) -> None:
    assert invoke("cleanup_schedule") == {"expired": 0, "remaining": False}


# --- The stream samples: a batch of the events table's stream, as its consumers get it (events/<consumer>.json) ---


def test_every_stream_consumer_of_the_template_has_a_sample_event_its_filter_takes() -> None:
    by_function = {consumer.function: consumer for consumer in consumers()}

    assert set(STREAM_SAMPLES.values()) == set(by_function)
    for name, function in STREAM_SAMPLES.items():
        records = load_event(name)["Records"]
        assert records
        assert all(by_function[function].wants(record) for record in records), name


@pytest.mark.parametrize("name", sorted(STREAM_SAMPLES))
def test_stream_sample_records_are_events_table_inserts_with_an_envelope(name: str) -> None:
    for record in load_event(name)["Records"]:
        assert (record["eventSource"], record["eventName"]) == ("aws:dynamodb", "INSERT")
        assert ":table/" in record["eventSourceARN"]
        assert "EventsTable" in record["eventSourceARN"]
        assert record["dynamodb"]["StreamViewType"] == "NEW_IMAGE"
        image = record["dynamodb"]["NewImage"]
        assert {"event_id", "type", "occurred_at", "account_id", "sequence", "actor", "data"} <= set(image)
        assert record["dynamodb"]["Keys"] == {"account_id": image["account_id"], "sequence": image["sequence"]}


def seed_for_mail(runtime: Services) -> None:
    """The invitation the outbox's sample asks to mail, with the token the stack mints from its id."""
    data = load_event("invitation_mail")["Records"][0]["dynamodb"]["NewImage"]["data"]["M"]
    invitation_id = data["invitation_id"]["S"]
    account_id = load_event("invitation_mail")["Records"][0]["dynamodb"]["NewImage"]["account_id"]["S"]
    seed(
        runtime,
        email=data["email"]["S"],
        account_id=account_id,
        invitation_id=invitation_id,
        token=runtime.mint(invitation_id),
    )


def test_invitation_mail_sample_on_its_invitation_sends_its_email_once(runtime: Services) -> None:
    seed_for_mail(runtime)

    first, again = invoke("invitation_mail"), invoke("invitation_mail")

    assert first == {"batchItemFailures": [], "sent": {"evt_01JDZ9A0000000000000000041": "sent"}}
    assert again == {"batchItemFailures": [], "sent": {"evt_01JDZ9A0000000000000000041": "already_sent"}}
    assert [set(mail.to) for mail in sent_emails()] == [{"jorge.souza@example.com"}]


def test_invitation_mail_sample_on_empty_tables_sends_nothing(runtime: Services) -> None:
    assert invoke("invitation_mail") == {"batchItemFailures": [], "sent": {"evt_01JDZ9A0000000000000000041": "skipped"}}
    assert sent_emails() == []


def test_events_publisher_sample_puts_every_event_on_the_bus(runtime: Services) -> None:
    assert invoke("events_publisher") == {"batchItemFailures": [], "published": 3}


# --- The SES samples: what SES publishes to EventBridge about an invitation email (events/ses_*.json) ---

DETAIL_TYPES = {
    "Delivery": "Email Delivered",
    "DeliveryDelay": "Email Delivery Delayed",
    "Bounce": "Email Bounced",
    "Complaint": "Email Complaint Received",
    "Reject": "Email Rejected",
}


def test_every_detail_type_the_template_rule_takes_has_a_sample_event() -> None:
    (pattern,) = [
        event["Properties"]["Pattern"]
        for function in functions().values()
        for event in function.properties.get("Events", {}).values()
        if event["Type"] == "EventBridgeRule"
    ]

    assert set(pattern["detail-type"]) == {load_event(name)["detail-type"] for name in SES_SAMPLES}


@pytest.mark.parametrize("name", SES_SAMPLES)
def test_ses_sample_is_an_eventbridge_event_from_ses_about_an_invitation_email(name: str) -> None:
    event = load_event(name)

    assert set(event) == {"version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"}
    assert event["detail-type"] == DETAIL_TYPES[event["detail"]["eventType"]]
    mail = event["detail"]["mail"]
    assert ID_PATTERNS["invitation_id"].match(mail["tags"]["invitation_id"][0])
    assert ID_PATTERNS["account_id"].match(mail["tags"]["account_id"][0])
    assert mail["tags"]["ses:configuration-set"] == ["InvitationConfigurationSet"]  # the local stack's set
    assert target(event).logical_id == "DeliveryEventsFunction"


def seed_for_report(runtime: Services, name: str) -> None:
    """The invitation the SES sample is about: its account, id and address as the sample's tags name them."""
    mail = load_event(name)["detail"]["mail"]
    seed(
        runtime,
        email=mail["destination"][0],
        account_id=mail["tags"]["account_id"][0],
        invitation_id=mail["tags"]["invitation_id"][0],
    )


@pytest.mark.parametrize("name", SES_SAMPLES)
def test_ses_sample_on_its_invitation_is_recorded_once(runtime: Services, name: str) -> None:
    seed_for_report(runtime, name)

    first, again = invoke(name), invoke(name)

    assert first["recorded"] is True
    assert first["delivery"] == STATUSES[load_event(name)["detail"]["eventType"]]
    assert again["recorded"] is False  # SES delivers at least once: a duplicate changes nothing
    assert first["suppressed"] is (name == "ses_complaint")


@pytest.mark.parametrize("name", SES_SAMPLES)
def test_ses_sample_on_empty_tables_records_nothing(runtime: Services, name: str) -> None:
    answer = invoke(name)

    assert answer["recorded"] is False
    assert answer["delivery"] == STATUSES[load_event(name)["detail"]["eventType"]]


STATUSES = {
    "Delivery": "delivered",
    "DeliveryDelay": "delayed",
    "Bounce": "bounced",
    "Complaint": "complained",
    "Reject": "rejected",
}
