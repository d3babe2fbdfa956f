"""The registration page: a labelled form for POST /v1/accounts, the article's words, and a screen or a text for
every `code` the API can answer on the routes the page calls."""

from __future__ import annotations

import json
import re

from business_accounts.models import errors
from business_accounts.models.api import RegisterRequest
from business_accounts.models.countries import COUNTRY_CODES
from business_accounts.web.page_texts import REGISTER_ANSWERS, REGISTER_PAGE
from tests.support.api import Api
from tests.support.pages import parse
from tools.functions import ROOT, template

PAGE = "/register"
# The routes the page calls, as the OpenAPI document names them.
CALLED = {"/v1/accounts": "post", "/v1/accounts/{account_id}/join": "post"}
# Answers no route documents: the HTTP edge's last resort (http.py), whatever route raised.
UNDOCUMENTED = {"INTERNAL_ERROR"}


def _domain_errors(parent: type[errors.DomainError] = errors.DomainError) -> list[type[errors.DomainError]]:
    children = parent.__subclasses__()
    return children + [grandchild for child in children for grandchild in _domain_errors(child)]


def codes_the_page_can_be_answered() -> set[str]:
    """Every code of the documented statuses of the called routes: named in the OpenAPI document, raised by a
    domain error of such a status, or API Gateway's own (its GatewayResponses other than the DEFAULT_ ones)."""
    document = json.loads((ROOT / "functions" / "openapi" / "openapi.json").read_text())
    codes, statuses = set(UNDOCUMENTED), set()
    for path, method in CALLED.items():
        for status, response in document["paths"][path][method]["responses"].items():
            statuses.add(int(status))
            codes |= set(re.findall(r"\b[A-Z][A-Z_]{3,}\b", response["description"]))
    codes |= {error.code for error in _domain_errors() if error.status in statuses}
    gateway = template()["Resources"]["BusinessAccountsApi"]["Properties"]["GatewayResponses"]
    return codes | {name for name in gateway if not name.startswith("DEFAULT_")}


def test_register_page_answers_table_covers_every_code_the_called_routes_can_answer() -> None:
    codes = codes_the_page_can_be_answered()

    assert {"PENDING_INVITATION", "ALREADY_REGISTERED", "VALIDATION_ERROR", "RATE_LIMITED", "THROTTLED"} <= codes
    assert codes - set(REGISTER_ANSWERS) == set()


def test_register_page_answers_table_names_only_screens_the_page_has_and_says_something_where_it_stays(
    api: Api,
) -> None:
    page = parse(api.get(PAGE).body)

    for code, answer in REGISTER_ANSWERS.items():
        assert answer.screen is None or answer.screen in page.screens, code
        if answer.screen in (None, "rate_limited", "unavailable", "form"):
            assert answer.text, f"{code} needs a text: its screen shows the reason"
    assert page.data["answers"] == {
        code: {"screen": answer.screen, "text": answer.text} for code, answer in REGISTER_ANSWERS.items()
    }
    assert set(page.data["fallbacks"]) == {"no_answer", "unavailable", "rate_limited", "unexpected"}


def test_register_page_has_a_screen_for_every_answer_of_the_story(api: Api) -> None:
    page = parse(api.get(PAGE).body)

    assert set(page.screens) == {"form", "created", "pending", "sent", "registered", "rate_limited", "unavailable"}


def test_register_page_form_labels_every_field_of_the_api_with_an_error_next_to_it(api: Api) -> None:
    page = parse(api.get(PAGE).body)
    controls = {
        str(attributes["id"]): attributes
        for tag, attributes in page.elements
        if tag in ("input", "select") and attributes.get("id") and attributes.get("id") != "language"
    }

    # The locale is the page's language (its switcher, outside the form), not a field of the form.
    assert set(controls) == set(RegisterRequest.model_fields) - {"locale"}
    for field, control in controls.items():
        assert page.labels[field] == REGISTER_PAGE[f"label_{field}"]
        assert control["name"] == field
        assert f"{field}-error" in str(control["aria-describedby"]).split()
        assert f"error_{field}" in REGISTER_PAGE
        assert ("required" in control) == (field in ("email", "company_name"))
    assert controls["email"]["type"] == "email"
    assert controls["email"]["autocomplete"] == "email"
    assert REGISTER_PAGE["create"] in page.buttons
    forms = [attributes for tag, attributes in page.elements if tag == "form"]
    assert len(forms) == 1
    assert "novalidate" in forms[0], "the API's answer decides what is wrong, in one place"


def test_register_page_speaks_the_knowledge_base_article_words() -> None:
    invited = "You have been invited to become an administrator of that business account."
    assert REGISTER_PAGE["pending_text"].endswith(invited)
    assert REGISTER_PAGE["pending_heading"] == "A business account for {company} already exists"
    assert REGISTER_PAGE["join"] == "Join {company}"
    assert REGISTER_PAGE["sent_text"] == (
        "Check your incoming emails for an invitation message. "
        "If you don't see the message, make sure to check your SPAM folder."
    )
    assert REGISTER_PAGE["create"] == "Create account"


def test_register_page_gives_its_script_the_cooldown_and_the_countries_the_api_accepts(api: Api) -> None:
    page = parse(api.get(PAGE).body)

    assert page.data["cooldown_seconds"] == 60
    assert page.data["countries"] == sorted(COUNTRY_CODES)


def test_register_page_does_not_depend_on_the_request(api: Api) -> None:
    plain = api.get(PAGE)

    # The email rides in the fragment, which never reaches a server; a query string changes nothing either.
    with_query = api.get(f"{PAGE}?email=mallory@example.com&company_name=Evil")

    assert with_query.status == 200
    assert with_query.body == plain.body
    assert "mallory" not in with_query.body
