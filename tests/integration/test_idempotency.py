"""POST /v1/accounts with an Idempotency-Key: a retry returns the first answer and creates nothing new."""

from __future__ import annotations

import time
from typing import Any

import boto3
import pytest

from tests.support.api import Answer, Api
from tests.support.aws import TABLE_NAMES, sent_emails
from tests.support.story import JANE

BODY = {"email": JANE, "company_name": "ACME Ltd", "country": "DE"}


def register(api: Api, body: Any = None, key: str | None = None, header: str = "Idempotency-Key") -> Answer:
    headers = {header: key} if key is not None else None
    return api.post("/v1/accounts", BODY if body is None else body, headers=headers)


def confirm(api: Api) -> None:
    """The registrant confirms through the newest email's link: the account is then theirs."""
    assert api.post("/v1/invitations/accept", {"token": sent_emails()[-1].token}).status == 200


def test_idempotency_same_key_and_body_answers_the_first_account_again(api: Api) -> None:
    first = register(api, key="retry-1")

    again = register(api, key="retry-1")

    assert first.status == 201, first.body
    assert again.status == 201, again.body
    assert again.body == first.body


def test_idempotency_same_key_and_body_creates_one_account_only(api: Api) -> None:
    first = register(api, key="retry-1")
    register(api, key="retry-1")
    confirm(api)

    plain = register(api)

    assert plain.status == 409, plain.body
    assert plain.code == "ALREADY_REGISTERED"
    assert plain.body["account"]["account_id"] == first.body["account_id"]
    account = api.get(f"/v1/internal/accounts/{first.body['account_id']}")
    assert account.body["administrators"] == [{"email": JANE, "state": "active"}]
    assert len(sent_emails()) == 1  # one confirmation: the retry sent nothing


def test_idempotency_many_retries_answer_the_same_account(api: Api) -> None:
    answers = [register(api, key="retry-many") for _ in range(4)]

    assert {answer.status for answer in answers} == {201}
    assert len({answer.body["account_id"] for answer in answers}) == 1


def test_idempotency_same_key_with_another_body_answers_key_reused(api: Api) -> None:
    register(api, key="retry-1")

    answer = register(api, {**BODY, "company_name": "Another Company"}, key="retry-1")

    assert answer.status == 422, answer.body
    assert answer.code == "IDEMPOTENCY_KEY_REUSED"


def test_idempotency_same_key_with_another_email_answers_key_reused_and_creates_nothing(api: Api) -> None:
    register(api, key="retry-1")

    answer = register(api, {**BODY, "email": "bob@example.com"}, key="retry-1")

    assert answer.code == "IDEMPOTENCY_KEY_REUSED", answer.body
    assert register(api, {**BODY, "email": "bob@example.com"}).status == 201


@pytest.mark.parametrize("header", ["idempotency-key", "IDEMPOTENCY-KEY", "Idempotency-key"])
def test_idempotency_header_name_in_any_case_replays_the_first_answer(api: Api, header: str) -> None:
    first = register(api, key="retry-case")

    again = register(api, key="retry-case", header=header)

    assert again.status == 201, again.body
    assert again.body == first.body


@pytest.mark.parametrize("header", ["idempotency-key", "IDEMPOTENCY-KEY"])
def test_idempotency_header_name_in_any_case_detects_key_reuse(api: Api, header: str) -> None:
    register(api, key="retry-case")

    answer = register(api, {**BODY, "company_name": "Another Company"}, key="retry-case", header=header)

    assert answer.code == "IDEMPOTENCY_KEY_REUSED", answer.body


def test_idempotency_different_keys_with_the_same_body_register_once(api: Api) -> None:
    first = register(api, key="key-a")
    confirm(api)

    second = register(api, key="key-b")

    assert first.status == 201, first.body
    assert second.status == 409, second.body
    assert second.code == "ALREADY_REGISTERED"
    assert second.body["account"]["account_id"] == first.body["account_id"]


def test_idempotency_without_key_registers_normally_then_answers_already_registered(api: Api) -> None:
    first = register(api)
    confirm(api)

    second = register(api)

    assert first.status == 201, first.body
    assert second.status == 409, second.body
    assert second.code == "ALREADY_REGISTERED"


def test_idempotency_key_of_a_conflict_does_not_replay_it_after_the_email_is_freed(api: Api) -> None:
    provisioned = api.post(
        "/v1/internal/accounts", {"company_name": "ACME Ltd", "administrator_email": JANE, "created_via": "sales"}
    ).body
    conflict = register(api, key="retry-conflict")
    api.delete(
        f"/v1/internal/accounts/{provisioned['account_id']}/invitations/{provisioned['invitation']['invitation_id']}"
    )

    retry = register(api, key="retry-conflict")

    assert conflict.code == "PENDING_INVITATION", conflict.body
    assert retry.status == 201, retry.body


def test_idempotency_key_of_255_characters_is_accepted(api: Api) -> None:
    answer = register(api, key="k" * 255)

    assert answer.status == 201, answer.body


def test_idempotency_key_over_255_characters_answers_validation_error(api: Api) -> None:
    answer = register(api, key="k" * 256)

    assert answer.status == 422, answer.body
    assert answer.code == "VALIDATION_ERROR"
    assert [error["field"].lower() for error in answer.body["errors"]] == ["idempotency-key"]


@pytest.mark.parametrize("key", ["has space", "tab\tkey", "caf\u00e9"])
def test_idempotency_key_with_characters_outside_printable_ascii_answers_validation_error(api: Api, key: str) -> None:
    answer = register(api, key=key)

    assert answer.status == 422, answer.body
    assert answer.code == "VALIDATION_ERROR"


def test_idempotency_key_over_255_characters_creates_no_account(api: Api) -> None:
    register(api, key="k" * 256)

    assert register(api).status == 201


def _idempotency_records() -> list[dict[str, Any]]:
    table = boto3.resource("dynamodb").Table(TABLE_NAMES["IdempotencyTable"])
    items: list[dict[str, Any]] = table.scan()["Items"]
    return items


def test_idempotency_record_is_kept_for_one_hour(api: Api) -> None:
    before = int(time.time())

    register(api, key="hour-1")

    (record,) = _idempotency_records()
    assert before + 3600 <= int(record["expiration"]) <= int(time.time()) + 3600


def test_idempotency_after_the_hour_the_key_is_forgotten(api: Api) -> None:
    first = register(api, key="hour-1")
    confirm(api)
    table = boto3.resource("dynamodb").Table(TABLE_NAMES["IdempotencyTable"])
    for record in _idempotency_records():  # an hour passes for the idempotency store
        table.update_item(
            Key={"id": record["id"]},
            UpdateExpression="SET expiration = :past",
            ExpressionAttributeValues={":past": int(time.time()) - 1},
        )

    again = register(api, key="hour-1")
    other = register(api, {"email": "other@example.com", "company_name": "Other"}, key="hour-1")

    assert first.status == 201
    assert again.code == "ALREADY_REGISTERED"  # decided afresh: the account exists now
    assert other.status == 201  # the key no longer belongs to the first body


def test_idempotency_store_shares_the_service_dynamodb_client(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[str] = []
    real_client = boto3.session.Session.client

    def counted(session: boto3.session.Session, service: str, *args: Any, **kwargs: Any) -> Any:
        built.append(service)
        return real_client(session, service, *args, **kwargs)

    monkeypatch.setattr(boto3.session.Session, "client", counted)

    answer = register(api, key="key-one-client")

    assert answer.status == 201, answer.body
    assert built.count("dynamodb") == 1, built  # a keyed registration builds one DynamoDB client, not two
