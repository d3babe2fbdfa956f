"""Bad input through the handlers: 422 VALIDATION_ERROR naming the field; never a 5xx, a stack trace or internals."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.answers import assert_reveals_nothing_internal
from tests.support.api import Answer, Api, answer_of
from tests.support.aws import sent_emails, stored_account_ids
from tests.support.events import LambdaContext, api_event
from tests.support.story import JANE
from tools.functions import functions

VALID_TOKEN = "A" * 43
ACCOUNT_ID = "acc_01JDZ3K4Q6W8X9Y2Z3A4B5C6D7"

ROUTES_WITH_BODY = {
    "register": "/v1/accounts",
    "join": f"/v1/accounts/{ACCOUNT_ID}/join",
    "resend": "/v1/invitations/resend",
    "preview": "/v1/invitations/preview",
    "accept": "/v1/invitations/accept",
    "renew": "/v1/invitations/renew",
    "provision": "/v1/internal/accounts",
    "invite": f"/v1/internal/accounts/{ACCOUNT_ID}/invitations",
}
VALID_BODIES: dict[str, dict[str, str]] = {
    "register": {"email": JANE, "company_name": "ACME"},
    "join": {"email": JANE},
    "resend": {"email": JANE},
    "preview": {"token": VALID_TOKEN},
    "accept": {"token": VALID_TOKEN},
    "renew": {"token": VALID_TOKEN},
    "provision": {"company_name": "ACME", "administrator_email": JANE, "created_via": "sales"},
    "invite": {"email": JANE},
}


def fields_of(answer: Answer) -> list[str]:
    return [error["field"] for error in answer.body["errors"]]


def assert_validation_error(answer: Answer, *fields: str) -> None:
    assert answer.status == 422, answer.body
    assert answer.code == "VALIDATION_ERROR"
    assert isinstance(answer.body["message"], str)
    for error in answer.body["errors"]:
        assert set(error) == {"field", "message"}
        assert error["message"]
    assert sorted(set(fields_of(answer))) == sorted(fields)
    assert_reveals_nothing_internal(answer)


# --- Bodies that are not a JSON object ---


@pytest.mark.parametrize("route", ROUTES_WITH_BODY)
@pytest.mark.parametrize("raw", ["{not json", "{'email': 'jane@example.com'}", '{"email": '])
def test_bad_input_body_not_json_answers_client_error(api: Api, route: str, raw: str) -> None:
    answer = api.post(ROUTES_WITH_BODY[route], raw)

    assert answer.status in (400, 422), answer.body
    assert answer.code == "VALIDATION_ERROR"
    assert_reveals_nothing_internal(answer)


@pytest.mark.parametrize("route", ROUTES_WITH_BODY)
@pytest.mark.parametrize("raw", ["", None])
def test_bad_input_empty_body_answers_client_error(api: Api, route: str, raw: str | None) -> None:
    answer = api.post(ROUTES_WITH_BODY[route], raw)

    assert answer.status in (400, 422), answer.body
    assert answer.code == "VALIDATION_ERROR"
    assert_reveals_nothing_internal(answer)


@pytest.mark.parametrize("route", ROUTES_WITH_BODY)
@pytest.mark.parametrize("raw", ["[]", "null", "42", '"text"'])
def test_bad_input_body_not_an_object_answers_validation_error(api: Api, route: str, raw: str) -> None:
    answer = api.post(ROUTES_WITH_BODY[route], raw)

    assert answer.status == 422, answer.body
    assert answer.code == "VALIDATION_ERROR"
    assert answer.body["errors"]
    assert_reveals_nothing_internal(answer)


@pytest.mark.parametrize("route", ROUTES_WITH_BODY)
def test_bad_input_json_array_around_a_valid_body_answers_validation_error(api: Api, route: str) -> None:
    valid = VALID_BODIES[route]

    answer = api.post(ROUTES_WITH_BODY[route], json.dumps([valid]))

    assert answer.status == 422, answer.body
    assert answer.code == "VALIDATION_ERROR"
    assert sent_emails() == []


# --- Missing fields and wrong types ---


@pytest.mark.parametrize(
    ("route", "fields"),
    [
        ("register", ("email", "company_name")),
        ("join", ("email",)),
        ("resend", ("email",)),
        ("preview", ("token",)),
        ("accept", ("token",)),
        ("renew", ("token",)),
        ("provision", ("company_name", "administrator_email", "created_via")),
        ("invite", ("email",)),
    ],
)
def test_bad_input_missing_fields_answer_validation_error_naming_each(
    api: Api, route: str, fields: tuple[str, ...]
) -> None:
    answer = api.post(ROUTES_WITH_BODY[route], {})

    assert_validation_error(answer, *fields)


def test_bad_input_register_without_company_name_names_only_that_field(api: Api) -> None:
    answer = api.post("/v1/accounts", {"email": JANE})

    assert_validation_error(answer, "company_name")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": 42, "company_name": "ACME"}, "email"),
        ({"email": ["jane@example.com"], "company_name": "ACME"}, "email"),
        ({"email": None, "company_name": "ACME"}, "email"),
        ({"email": JANE, "company_name": 7}, "company_name"),
        ({"email": JANE, "company_name": {"name": "ACME"}}, "company_name"),
        ({"email": JANE, "company_name": "ACME", "country": 49}, "country"),
        ({"email": JANE, "company_name": "ACME", "first_name": ["Jane"]}, "first_name"),
        ({"email": JANE, "company_name": "ACME", "last_name": "x" * 101}, "last_name"),
    ],
)
def test_bad_input_register_wrong_type_answers_validation_error_naming_the_field(
    api: Api, body: dict[str, Any], field: str
) -> None:
    answer = api.post("/v1/accounts", body)

    assert_validation_error(answer, field)


@pytest.mark.parametrize("token", [123, None, ["x" * 43], {"token": "x" * 43}])
def test_bad_input_token_of_wrong_type_answers_validation_error(api: Api, token: Any) -> None:
    answer = api.post("/v1/invitations/preview", {"token": token})

    assert_validation_error(answer, "token")


def test_bad_input_provision_unknown_created_via_answers_validation_error(api: Api) -> None:
    answer = api.post(
        "/v1/internal/accounts",
        {"company_name": "ACME", "administrator_email": JANE, "created_via": "self_service"},
    )

    assert_validation_error(answer, "created_via")
    assert sent_emails() == []


# --- Invalid values ---


@pytest.mark.parametrize(
    "email",
    [
        "",
        "   ",
        "not-an-email",
        "jane@",
        "@example.com",
        "jane@example",
        "jane doe@example.com",
        "jane@@example.com",
        "jane@example..com",
        "j" * 250 + "@example.com",
    ],
)
def test_bad_input_invalid_email_answers_validation_error(api: Api, email: str) -> None:
    answer = api.post("/v1/accounts", {"email": email, "company_name": "ACME"})

    assert_validation_error(answer, "email")


def address_of_length(length: int) -> str:
    """`length` characters: the longest local part (64) at a domain of labels no longer than DNS allows (63)."""
    last_label = length - len("a" * 64 + "@") - 2 * len("b" * 63 + ".") - len(".com")
    return "a" * 64 + "@" + ".".join(["b" * 63, "c" * 63, "d" * last_label, "com"])


def test_bad_input_email_of_255_characters_with_a_local_part_of_64_answers_validation_error_and_writes_nothing(
    api: Api,
) -> None:
    too_long = address_of_length(255)
    assert (len(too_long), len(too_long.partition("@")[0])) == (255, 64)

    answer = api.post("/v1/accounts", {"email": too_long, "company_name": "ACME"})

    assert_validation_error(answer, "email")
    assert stored_account_ids() == set()
    assert sent_emails() == []


def test_bad_input_email_of_254_characters_is_registered_and_mailed_as_it_is(api: Api) -> None:
    longest = address_of_length(254)

    answer = api.post("/v1/accounts", {"email": longest, "company_name": "ACME"})

    assert answer.status == 201, answer.body
    assert answer.body["administrator_email"] == longest
    assert stored_account_ids() == {answer.body["account_id"]}
    assert [mail.to for mail in sent_emails()] == [[longest]]


@pytest.mark.parametrize("route", ["join", "resend", "invite"])
def test_bad_input_invalid_email_on_an_email_route_answers_validation_error_and_sends_nothing(
    api: Api, route: str
) -> None:
    answer = api.post(ROUTES_WITH_BODY[route], {"email": "not-an-email"})

    assert_validation_error(answer, "email")
    assert sent_emails() == []


def test_bad_input_company_name_of_201_characters_after_trim_answers_validation_error(api: Api) -> None:
    answer = api.post("/v1/accounts", {"email": JANE, "company_name": "  " + "C" * 201 + "  "})

    assert_validation_error(answer, "company_name")


@pytest.mark.parametrize("company_name", ["ACME\x00Ltd", "ACME\nLtd", "\x1b[31mACME"])
def test_bad_input_company_name_with_control_characters_answers_validation_error(api: Api, company_name: str) -> None:
    answer = api.post("/v1/accounts", {"email": JANE, "company_name": company_name})

    assert_validation_error(answer, "company_name")


@pytest.mark.parametrize("route", ["preview", "accept", "renew"])
@pytest.mark.parametrize(
    "token",
    [
        "",
        "short",
        "has spaces in the token value!",
        "x" * 129,
        "tok/with/slashes/0123456789",
        "tok+with+plus=0123456789",
    ],
)
def test_bad_input_malformed_token_answers_validation_error(api: Api, route: str, token: str) -> None:
    answer = api.post(ROUTES_WITH_BODY[route], {"token": token})

    assert_validation_error(answer, "token")


@pytest.mark.parametrize(
    "account_id",
    [
        "nope",
        "acc_123",
        "ACC_01JDZ3K4Q6W8X9Y2Z3A4B5C6D7",
        "acc_01jdz3k4q6w8x9y2z3a4b5c6d7",
        "inv_01JDZ3K4Q6W8X9Y2Z3A4B5C6D7",
    ],
)
def test_bad_input_malformed_account_id_on_join_answers_validation_error(api: Api, account_id: str) -> None:
    answer = api.post(f"/v1/accounts/{account_id}/join", {"email": JANE})

    assert_validation_error(answer, "account_id")


def test_bad_input_malformed_account_id_and_email_on_join_names_both(api: Api) -> None:
    answer = api.post("/v1/accounts/nope/join", {"email": "nope"})

    assert_validation_error(answer, "account_id", "email")


@pytest.mark.parametrize("path", ["/v1/internal/accounts/nope", "/v1/internal/accounts/nope/invitations"])
def test_bad_input_malformed_account_id_on_internal_reads_answers_validation_error(api: Api, path: str) -> None:
    answer = api.get(path)

    assert_validation_error(answer, "account_id")


def test_bad_input_malformed_invitation_id_on_revoke_answers_validation_error(api: Api) -> None:
    answer = api.delete(f"/v1/internal/accounts/{ACCOUNT_ID}/invitations/nope")

    assert_validation_error(answer, "invitation_id")


@pytest.mark.parametrize("query", ["status=unknown", "limit=0", "limit=101", "limit=ten", "next_token=%%%"])
def test_bad_input_invalid_list_query_answers_validation_error(api: Api, query: str) -> None:
    account_id = api.post("/v1/accounts", {"email": JANE, "company_name": "ACME"}).body["account_id"]

    answer = api.get(f"/v1/internal/accounts/{account_id}/invitations?{query}")

    assert_validation_error(answer, query.split("=", maxsplit=1)[0])


# --- Unknown fields, unknown routes ---


def test_bad_input_unknown_fields_are_ignored(api: Api) -> None:
    answer = api.post("/v1/accounts", {"email": JANE, "company_name": "ACME", "plan": "gold", "is_admin": True})

    assert answer.status == 201, answer.body
    assert "plan" not in answer.body


@pytest.mark.parametrize(
    ("function", "method", "path"),
    [
        ("RegisterFunction", "GET", "/v1/accounts"),
        ("RegisterFunction", "POST", "/v1/accounts/extra"),
        ("JoinFunction", "POST", "/v1/accounts/acc_01JDZ3K4Q6W8X9Y2Z3A4B5C6D7/leave"),
        ("InvitationTokenFunction", "POST", "/v1/invitations/reject"),
        ("InternalFunction", "PUT", "/v1/internal/accounts"),
    ],
)
def test_bad_input_unknown_route_answers_not_found_with_a_code(
    runtime: object, function: str, method: str, path: str
) -> None:
    handler = functions()[function].entry_point()

    raw = handler(api_event(method, path, body={"email": JANE}), LambdaContext(function_name=function))

    answer = answer_of(raw)
    assert answer.status == 404, answer.body
    assert isinstance(answer.code, str)
    assert answer.code
    assert_reveals_nothing_internal(answer)


# --- The body rule: a UTF-8 JSON object, sent as application/json (hostile bodies included) ---

HOSTILE_BODIES = {
    "invalid UTF-8": b'{"email":"\xff@x.com","company_name":"x"}',
    "Latin-1": '{"email":"jos\u00e9@x.com","company_name":"Caf\u00e9"}'.encode("latin-1"),
    "UTF-16 with BOM": '{"email":"jane@example.com","company_name":"ACME"}'.encode("utf-16"),
    "100 000 nested arrays": b"[" * 100_000,
    "100 000 nested objects": b'{"a":' * 100_000,
    "a 5000-digit number": b'{"email":"jane@example.com","company_name":' + b"9" * 5000 + b"}",
}


@pytest.mark.parametrize("route", ROUTES_WITH_BODY)
@pytest.mark.parametrize("body", HOSTILE_BODIES)
def test_bad_input_body_that_is_not_a_utf8_json_object_answers_validation_error_on_body(
    api: Api, route: str, body: str
) -> None:
    answer = api.post(ROUTES_WITH_BODY[route], raw_body=HOSTILE_BODIES[body])

    assert_validation_error(answer, "body")
    assert sent_emails() == []


@pytest.mark.parametrize("route", ROUTES_WITH_BODY)
@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "application/x-www-form-urlencoded",
        "multipart/form-data",
        "multipart/form-data; boundary=x",
        "text/plain",
        "text/plain; charset=utf-8",
        "application/json; charset=latin-1",
        "text/json",
        "application/xml",
        "",
    ],
)
def test_bad_input_post_other_than_json_answers_unsupported_media_type_and_does_nothing(
    api: Api, route: str, content_type: str | None
) -> None:
    """What a page on another site can make a browser post without a CORS preflight (a form, text/plain, or no
    Content-Type at all) is refused before anything is parsed, even when it would read as a valid request."""
    form = "email=jane%40example.com&company_name=ACME"
    body = form if content_type and "form-urlencoded" in content_type else '{"email":"jane@example.com"}'

    answer = api.post(ROUTES_WITH_BODY[route], body, headers={"Content-Type": content_type})

    assert answer.status == 415, answer.body
    assert answer.code == "UNSUPPORTED_MEDIA_TYPE"
    assert sent_emails() == []
    assert stored_account_ids() == set()


@pytest.mark.parametrize(
    "content_type", ["APPLICATION/JSON", "Application/Json; Charset=UTF-8", 'application/json;charset="utf-8"']
)
def test_bad_input_json_media_type_compares_case_insensitively(api: Api, content_type: str) -> None:
    answer = api.post("/v1/accounts", {"email": JANE, "company_name": "ACME"}, headers={"Content-Type": content_type})

    assert answer.status == 201, answer.body


# --- The mailbox grammar: one local@domain mailbox, on every email field ---

EMAIL_FIELDS = {
    "register": ("/v1/accounts", "email", {"company_name": "ACME"}),
    "join": (f"/v1/accounts/{ACCOUNT_ID}/join", "email", {}),
    "resend": ("/v1/invitations/resend", "email", {}),
    "provision": ("/v1/internal/accounts", "administrator_email", {"company_name": "ACME", "created_via": "sales"}),
    "invite": (f"/v1/internal/accounts/{ACCOUNT_ID}/invitations", "email", {}),
    "invite (invited_by)": (f"/v1/internal/accounts/{ACCOUNT_ID}/invitations", "invited_by", {"email": JANE}),
}
NOT_ONE_MAILBOX = {
    "NUL": "jane\x00@example.com",
    "a control character": "jane\x07@example.com",
    "a lone surrogate": "jane\ud800@example.com",
    "two addresses": "a,b@example.com",
    "a group": "grp:x@example.com",
    "an encoded word": "=?utf-8?q?ceo?=-x@example.com",
    "a display name": "Jane <jane@example.com>",
    "a quoted local part": '"jane doe"@example.com',
    "a comment": "jane(comment)@example.com",
    "a domain literal": "jane@[192.0.2.1]",
    "a non-ASCII local part": "jos\u00e9@example.com",
    "a right-to-left override": "jane\u202e@example.com",
}


@pytest.mark.parametrize("field", EMAIL_FIELDS)
@pytest.mark.parametrize("email", NOT_ONE_MAILBOX)
def test_bad_input_email_that_is_not_one_mailbox_answers_validation_error_and_writes_nothing(
    api: Api, field: str, email: str
) -> None:
    path, name, rest = EMAIL_FIELDS[field]

    answer = api.post(path, {**rest, name: NOT_ONE_MAILBOX[email]})

    assert_validation_error(answer, name)
    assert sent_emails() == []


def test_bad_input_internationalised_domain_is_stored_in_unicode_and_mailed_in_punycode(api: Api) -> None:
    answer = api.post(
        "/v1/internal/accounts",
        {"company_name": "Bücher GmbH", "administrator_email": "Jane@XN--BCHER-KVA.de", "created_via": "sales"},
    )

    assert answer.status == 201, answer.body
    assert answer.body["invitation"]["email"] == "jane@b\u00fccher.de"
    assert sent_emails()[-1].to == ["jane@xn--bcher-kva.de"]
    registered = api.post("/v1/accounts", {"email": "jane@B\u00fccher.de", "company_name": "Other"})
    assert registered.code == "PENDING_INVITATION", registered.body


# --- The name rule: one line of visible text, refused before anything is written ---

NOT_ONE_LINE = {
    "line separator": "Evil\u2028Ltd",
    "paragraph separator": "Evil\u2029Ltd",
    "next line": "Evil\x85Ltd",
    "right-to-left override": "ACME \u202eLtd",
    "zero-width space": "AC\u200bME",
    "byte order mark": "\ufeffACME",
}


@pytest.mark.parametrize("name", NOT_ONE_LINE)
@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/accounts", {"email": JANE}),
        ("/v1/internal/accounts", {"administrator_email": JANE, "created_via": "sales"}),
    ],
)
def test_bad_input_company_name_that_is_not_one_line_answers_validation_error_and_writes_nothing(
    api: Api, name: str, path: str, body: dict[str, str]
) -> None:
    answer = api.post(path, {**body, "company_name": NOT_ONE_LINE[name]})

    assert_validation_error(answer, "company_name")
    assert sent_emails() == []
    assert api.post("/v1/accounts", {"email": JANE, "company_name": "ACME"}).status == 201  # the email is still free


def test_bad_input_company_name_with_joiners_that_scripts_need_is_accepted(api: Api) -> None:
    answer = api.post(
        "/v1/accounts", {"email": JANE, "company_name": "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"}
    )

    assert answer.status == 201, answer.body
