"""The least-privilege table checked against behaviour: every AWS action a function really makes is granted, the
stream consumers' included (the outbox's SendEmail, the token key's GenerateMac, the bus's PutEvents)."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from typing import Any

import boto3
import pytest

from business_accounts.adapters.environment import load_settings
from business_accounts.adapters.wiring import (
    build_services,
    dynamodb_client,
    events_client,
    kms_client,
    services,
    sesv2_client,
)
from business_accounts.logic.invitation_email import MailRefused
from business_accounts.logic.services import Services
from tests.support.api import Api, StreamOf, routes
from tests.support.environment import EVENT_BUS, REGION, SENDER, TABLE_NAMES, TOKEN_KEY
from tests.support.events import LambdaContext
from tests.support.fakes import FakeClock
from tests.support.ses import COMPLAINED, DELIVERED, deliver_report, report
from tests.support.story import latest_token
from tests.template.test_permissions import (
    _STREAM,
    CLEANUP_ALIAS,
    CONFIGURATION_SET,
    DEAD_LETTERS,
    DELIVERY_DEAD_LETTERS,
    IDEMPOTENCY,
    MAIL_DEAD_LETTERS,
    PUBLISHER_DEAD_LETTERS,
    SENDER_IDENTITIES,
    USES,
)
from tools.functions import functions

_ITEM_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}
# What IAM calls each client's service.
_IAM_PREFIX = {"dynamodb": "dynamodb", "kms": "kms", "events": "events", "sesv2": "ses"}
_TABLES = {name: logical_id for logical_id, name in TABLE_NAMES.items()}
CONFIGURATION_SET_NAME = "invitations"


class Recorder:
    """(function, action, resource) for every AWS call, attributed to the function being invoked."""

    def __init__(self) -> None:
        self.function = ""
        self.used: dict[str, set[tuple[str, str]]] = defaultdict(set)

    def attach(self, client: Any) -> None:
        client.meta.events.register("provide-client-params", self)

    def __call__(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        action = f"{_IAM_PREFIX[model.service_model.service_name]}:{model.name}"
        for resource in self._resources(model.name, params):
            self.used[self.function].add((action if model.name != "TransactWriteItems" else resource[0], resource[1]))

    def _resources(self, operation: str, params: dict[str, Any]) -> list[tuple[str, str]]:
        """What IAM authorises the call on, in the words of the least-privilege table (the action, per resource)."""
        if operation == "TransactWriteItems":  # authorised per item, by each item's own action
            return [
                (f"dynamodb:{_ITEM_ACTIONS[kind]}", _TABLES[request["TableName"]])
                for item in params["TransactItems"]
                for kind, request in item.items()
            ]
        if operation == "BatchGetItem":
            return [("", _TABLES[table]) for table in params["RequestItems"]]
        if operation == "GenerateMac":
            assert params["KeyId"] == TOKEN_KEY
            return [("", "InvitationTokenKey")]
        if operation == "PutEvents":
            assert {entry["EventBusName"] for entry in params["Entries"]} == {EVENT_BUS}
            return [("", "EventBus")]
        if operation == "SendEmail":
            assert params["FromEmailAddress"] == SENDER
            assert params["ConfigurationSetName"] == CONFIGURATION_SET_NAME
            return [("", SENDER_IDENTITIES), ("", CONFIGURATION_SET)]
        table = _TABLES[params["TableName"]]
        return [("", f"{table}/index/{params['IndexName']}" if "IndexName" in params else table)]


class Refusing:
    """A mailer that SES refuses every email of, so the outbox's undo (rejected, count given back) runs too."""

    def send(self, email: Any) -> None:
        raise MailRefused("MessageRejected")


class RecordingStream(StreamOf):
    """The stream consumers, each call attributed to the consumer while it runs."""

    def __init__(self, recorder: Recorder) -> None:
        super().__init__()
        self._recorder = recorder

    def invoke(self, logical_id: str, event: dict[str, Any]) -> Any:  # type: ignore[override]
        caller, self._recorder.function = self._recorder.function, logical_id
        try:
            return super().invoke(logical_id, event)
        finally:
            self._recorder.function = caller


class RecordingApi(Api):
    def __init__(self, recorder: Recorder) -> None:
        super().__init__(stream=RecordingStream(recorder))
        self._recorder = recorder
        self.answers: list[tuple[str, str, int, str | None]] = []  # method, path, status, code: what each step did

    def request(self, method: str, path: str, **options: Any) -> Any:
        for route in routes():
            if route.method == method and route.pattern.match(path.partition("?")[0]):
                self._recorder.function = route.function.logical_id
        answer = super().request(method, path, **options)
        self.answers.append((method, path, answer.status, answer.code))
        return answer


@pytest.fixture
def recorder(runtime: Services) -> Recorder:
    recorder = Recorder()
    for client in (dynamodb_client(), kms_client(), events_client(), sesv2_client()):
        recorder.attach(client)
    return recorder


@pytest.fixture
def configured(runtime: Services, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> Services:
    """The runtime sending with a configuration set, as deployed (SendEmail is then authorised on it too)."""
    boto3.client("sesv2", region_name=REGION).create_configuration_set(ConfigurationSetName=CONFIGURATION_SET_NAME)
    monkeypatch.setenv("SES_CONFIGURATION_SET", CONFIGURATION_SET_NAME)
    load_settings.cache_clear()
    wired = dataclasses.replace(build_services(load_settings()), clock=clock)
    services.use(wired)
    return wired


# What a function's role is granted for Lambda to use, not its code: the event source mapping reads the stream and
# sends to the on-failure destination, asynchronous invocations dead-letter; and what this story cannot make happen.
_NOT_MADE_BY_THE_CODE = {
    # This story's cleanup finishes in one run, so it hands nothing on (tests/integration/test_cleanup.py does).
    "CleanupFunction": {("sqs:SendMessage", DEAD_LETTERS), ("lambda:InvokeFunction", CLEANUP_ALIAS)},
    "DeliveryEventsFunction": {("sqs:SendMessage", DELIVERY_DEAD_LETTERS)},
    "InvitationMailFunction": _STREAM | {("sqs:SendMessage", MAIL_DEAD_LETTERS)},
    "EventsPublisherFunction": _STREAM | {("sqs:SendMessage", PUBLISHER_DEAD_LETTERS)},
    # Powertools reads a key's record only when DynamoDB's refused put did not return it (older boto3).
    "RegisterFunction": {("dynamodb:GetItem", IDEMPOTENCY)},
}


def test_every_dynamodb_action_a_function_makes_is_in_its_policy(
    recorder: Recorder, configured: Services, clock: FakeClock
) -> None:
    """Every AWS action of each function's code, DynamoDB, KMS, SES and EventBridge alike, the stream consumers'
    included: each is granted, and each grant is used (but those Lambda itself uses, _NOT_MADE_BY_THE_CODE)."""
    api = RecordingApi(recorder)
    provisioning = {
        "company_name": "A",
        "administrator_email": "a@example.com",
        "created_via": "sales",
        "external_reference": "crm-1",
    }
    services.use(dataclasses.replace(configured, mailer=Refusing()))
    account = api.post("/v1/internal/accounts", provisioning).body["account_id"]  # its email refused: undone
    services.use(configured)
    api.post("/v1/internal/accounts", provisioning)  # the retry: no email of it left, so one more is due
    api.post("/v1/accounts", {"email": "a@example.com", "company_name": "A"}, headers={"Idempotency-Key": "taken"})
    api.post("/v1/accounts", {"email": "new@example.com", "company_name": "N"}, headers={"Idempotency-Key": "k"})
    clock.advance(minutes=2)
    api.post("/v1/accounts", {"email": "new@example.com", "company_name": "M"})  # replaces the unconfirmed claim
    for refusing in (False, True):  # each sending route's email once taken by SES and once refused (undone)
        services.use(dataclasses.replace(configured, mailer=Refusing() if refusing else configured.mailer))
        clock.advance(minutes=2)
        api.post(f"/v1/accounts/{account}/join", {"email": "a@example.com"})
        clock.advance(minutes=2)
        api.post("/v1/invitations/resend", {"email": "a@example.com"})
        api.post("/v1/invitations/resend", {"email": "nobody@example.com"})
        clock.advance(minutes=2)
        api.post("/v1/invitations/renew", {"token": latest_token()})
        api.post(f"/v1/internal/accounts/{account}/invitations", {"email": f"colleague{int(refusing)}@example.com"})
    services.use(configured)
    api.post(f"/v1/internal/accounts/{account}/invitations", {"email": "leaving@example.com"})
    api.post("/v1/invitations/preview", {"token": latest_token()})
    listed = api.get(f"/v1/internal/accounts/{account}/invitations").body["items"]
    leaving = next(item for item in listed if item["email"] == "leaving@example.com")
    api.delete(f"/v1/internal/accounts/{account}/invitations/{leaving['invitation_id']}")
    api.get(f"/v1/internal/accounts/{account}")
    recorder.function = "DeliveryEventsFunction"
    colleague = next(item for item in listed if item["email"] == "colleague0@example.com")
    for sample in (DELIVERED, COMPLAINED):  # a report on the invitation and its email, and a suppression
        deliver_report(
            report(
                sample,
                invitation_id=colleague["invitation_id"],
                account_id=account,
                email=colleague["email"],
                at=clock(),
            )
        )
    api.stream.drain()  # what the reports told reaches the bus
    api.post(f"/v1/accounts/{account}/join", {"email": colleague["email"]})  # refused: suppressed
    api.delete(f"/v1/internal/suppressions/{colleague['email']}")
    api.post(f"/v1/accounts/{account}/join", {"email": colleague["email"]})
    api.post("/v1/invitations/accept", {"token": latest_token()})
    api.get(f"/v1/internal/accounts/{account}/events?limit=5")
    clock.advance(days=8)
    recorder.function = "CleanupFunction"
    functions()["CleanupFunction"].entry_point()({}, LambdaContext(function_name="CleanupFunction"))
    api.stream.drain()  # the expiries reach the bus

    # Every step did what it is there for, so each write (and each undo) was made and recorded
    sent, created = (202, None), (201, None)
    assert [(status, code) for _, _, status, code in api.answers] == [
        created,  # provisioning; the outbox's email refused
        created,  # its retry, mailed again
        (409, "PENDING_INVITATION"),  # with an Idempotency-Key: its record deleted again
        created,  # with an Idempotency-Key
        created,  # the unconfirmed claim replaced
        *[sent, sent, sent, sent, created] * 2,  # join, resend, resend (nobody), renew, colleague; then refused
        created,  # the colleague whose invitation is revoked
        (200, None),  # preview
        (200, None),  # list
        (204, None),  # revoke
        (200, None),  # the account
        (409, "EMAIL_SUPPRESSED"),
        (204, None),  # lifted
        sent,  # join once more
        (200, None),  # accepted
        (200, None),  # the timeline
    ]
    for function, used in recorder.used.items():
        assert used <= USES[function], {function: used - USES[function]}
    unused = {function: USES[function] - recorder.used[function] for function in USES}
    assert {function: grants for function, grants in unused.items() if grants} == _NOT_MADE_BY_THE_CODE
