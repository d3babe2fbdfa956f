"""The least-privilege table checked against behaviour: every DynamoDB action a function really makes is granted."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from typing import Any

import pytest

from business_accounts.adapters.wiring import dynamodb_client, services
from business_accounts.logic.invitation_email import MailDeliveryError
from business_accounts.logic.services import Services
from tests.support.api import Api, routes
from tests.support.events import LambdaContext
from tests.support.fakes import FakeClock
from tests.support.ses import COMPLAINED, DELIVERED, deliver_report, report
from tests.support.story import latest_token
from tests.template.test_permissions import USES
from tools.functions import functions

_ITEM_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}


class Recorder:
    """(function, action, resource) for every DynamoDB call, attributed to the function being invoked."""

    def __init__(self) -> None:
        self.function = ""
        self.used: dict[str, set[tuple[str, str]]] = defaultdict(set)

    def __call__(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        if model.name == "TransactWriteItems":
            for item in params["TransactItems"]:
                ((operation, request),) = item.items()
                self._add(_ITEM_ACTIONS[operation], request["TableName"], None)
        elif model.name == "BatchGetItem":
            for table in params["RequestItems"]:
                self._add(model.name, table, None)
        else:
            self._add(model.name, params.get("TableName", ""), params.get("IndexName"))

    def _add(self, action: str, table: str, index: str | None) -> None:
        self.used[self.function].add((f"dynamodb:{action}", f"{table}/index/{index}" if index else table))


class Failing:
    """A mailer that fails every email, so the undo path of every sending route runs too."""

    def send(self, email: Any) -> None:
        raise MailDeliveryError("MessageRejected")


@pytest.fixture
def recorder(runtime: Services) -> Recorder:
    recorder = Recorder()
    dynamodb_client().meta.events.register("provide-client-params.dynamodb.*", recorder)
    return recorder


class RecordingApi(Api):
    def __init__(self, recorder: Recorder) -> None:
        super().__init__()
        self._recorder = recorder
        self.answers: list[tuple[str, str, int, str | None]] = []  # method, path, status, code: what each step did

    def request(self, method: str, path: str, **options: Any) -> Any:
        for route in routes():
            if route.method == method and route.pattern.match(path.partition("?")[0]):
                self._recorder.function = route.function.logical_id
        answer = super().request(method, path, **options)
        self.answers.append((method, path, answer.status, answer.code))
        return answer


def test_every_dynamodb_action_a_function_makes_is_in_its_policy(
    recorder: Recorder, runtime: Services, clock: FakeClock
) -> None:
    api = RecordingApi(recorder)
    services.use(dataclasses.replace(runtime, mailer=Failing()))
    api.post(
        "/v1/internal/accounts", {"company_name": "A", "administrator_email": "a@example.com", "created_via": "sales"}
    )
    services.use(runtime)

    account = api.post(
        "/v1/internal/accounts", {"company_name": "A", "administrator_email": "a@example.com", "created_via": "sales"}
    ).body["account_id"]
    api.post("/v1/accounts", {"email": "a@example.com", "company_name": "A"})
    api.post("/v1/accounts", {"email": "new@example.com", "company_name": "N"}, headers={"Idempotency-Key": "k"})
    for failing in (False, True):  # each sending route once on its happy path and once where SES fails (undo)
        services.use(dataclasses.replace(runtime, mailer=Failing() if failing else runtime.mailer))
        clock.advance(minutes=2)
        api.post(f"/v1/accounts/{account}/join", {"email": "a@example.com"})
        clock.advance(minutes=2)
        api.post("/v1/invitations/resend", {"email": "a@example.com"})
        api.post("/v1/invitations/resend", {"email": "nobody@example.com"})
        clock.advance(minutes=2)
        api.post("/v1/invitations/renew", {"token": latest_token()})
        api.post(f"/v1/internal/accounts/{account}/invitations", {"email": f"colleague{int(failing)}@example.com"})
    services.use(runtime)
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
    api.post(f"/v1/accounts/{account}/join", {"email": colleague["email"]})  # refused: suppressed
    api.delete(f"/v1/internal/suppressions/{colleague['email']}")
    api.post(f"/v1/accounts/{account}/join", {"email": colleague["email"]})
    api.post("/v1/invitations/accept", {"token": latest_token()})
    clock.advance(days=8)
    recorder.function = "CleanupFunction"
    functions()["CleanupFunction"].entry_point()({}, LambdaContext(function_name="CleanupFunction"))

    # Every step did what it is there for, so each write (and each undo) was made and recorded
    sent, failed = (202, None), (503, "EMAIL_DELIVERY_FAILED")
    sending = {
        False: [sent, sent, sent, sent, (201, None)],  # join, resend, resend (nobody), renew, colleague
        True: [failed, failed, sent, failed, failed],  # the same with SES failing: each undone
    }
    assert [(status, code) for _, _, status, code in api.answers] == [
        failed,  # provisioning, undone
        (201, None),
        (409, "PENDING_INVITATION"),
        (201, None),  # with an Idempotency-Key
        *sending[False],
        *sending[True],
        (201, None),  # the colleague whose invitation is revoked
        (200, None),  # preview
        (200, None),  # list
        (204, None),  # revoke
        (200, None),  # the account
        (409, "EMAIL_SUPPRESSED"),
        (204, None),  # lifted
        sent,  # join once more
        (200, None),  # accepted
    ]
    names = {"AccountsTable", "InvitationsTable", "IdempotencyTable"}
    for function, used in recorder.used.items():
        assert {resource.split("/")[0] for _, resource in used} <= names
        granted = {(action, resource) for action, resource in USES[function] if action.startswith("dynamodb:")}
        assert used <= granted, {function: used - granted}
    assert set(recorder.used) >= {"RegisterFunction", "JoinFunction", "ResendFunction", "InvitationTokenFunction"}
    assert set(recorder.used) >= {"InternalFunction", "CleanupFunction", "DeliveryEventsFunction"}
