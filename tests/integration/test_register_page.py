"""The registration page: a labelled form for POST /v1/accounts, the article's words, and a screen or a text for
every `code` the API can answer on the routes the page calls."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from business_accounts.models import errors
from business_accounts.models.api import RegisterRequest
from business_accounts.models.countries import COUNTRY_CODES
from business_accounts.web.page_texts import REGISTER_ANSWERS, REGISTER_PAGE
from tests.support.api import Api
from tests.support.pages import parse
from tools.functions import ROOT, template

PAGE = "/register"
# The routes the page calls, as the OpenAPI document names them.
CALLED = {"/v1/accounts": "post", "/v1/accounts/{account_id}/join": "post", "/v1/invitations/resend": "post"}
# Answers no route documents: the HTTP edge's last resort (http.py), whatever route raised.
UNDOCUMENTED = {"INTERNAL_ERROR"}


def _domain_errors(parent: type[errors.DomainError] = errors.DomainError) -> list[type[errors.DomainError]]:
    children = parent.__subclasses__()
    return children + [grandchild for child in children for grandchild in _domain_errors(child)]


def _documented_codes(document: dict[str, Any], paths: Iterable[tuple[str, str]]) -> set[str]:
    return {
        code
        for path, method in paths
        for response in document["paths"][path][method]["responses"].values()
        for code in re.findall(r"\b[A-Z][A-Z_]{3,}\b", response["description"])
    }


def codes_the_page_can_be_answered() -> set[str]:
    """Every code of the documented statuses of the called routes: named in the OpenAPI document, raised by a
    domain error of such a status that no route documents (so it could come from anywhere), or API Gateway's own
    (its GatewayResponses other than the DEFAULT_ ones). A code that only other routes document is theirs."""
    document = json.loads((ROOT / "functions" / "openapi" / "openapi.json").read_text())
    statuses = {
        int(status) for path, method in CALLED.items() for status in document["paths"][path][method]["responses"]
    }
    every_route = [(path, method) for path, methods in document["paths"].items() for method in methods]
    codes = set(UNDOCUMENTED) | _documented_codes(document, CALLED.items())
    documented_anywhere = _documented_codes(document, every_route)
    codes |= {error.code for error in _domain_errors() if error.status in statuses} - documented_anywhere
    return codes | gateway_codes()


def gateway_codes() -> set[str]:
    gateway = template()["Resources"]["BusinessAccountsApi"]["Properties"]["GatewayResponses"]
    return {name for name in gateway if not name.startswith("DEFAULT_")}


def test_register_page_answers_table_covers_every_code_the_called_routes_can_answer() -> None:
    codes = codes_the_page_can_be_answered()

    assert {"PENDING_INVITATION", "ALREADY_REGISTERED", "VALIDATION_ERROR", "RATE_LIMITED", "THROTTLED"} <= codes
    assert codes - set(REGISTER_ANSWERS) == set()


def test_register_page_answers_table_names_no_code_that_nothing_answers_any_more() -> None:
    answerable = {error.code for error in _domain_errors()} | gateway_codes() | UNDOCUMENTED

    assert set(REGISTER_ANSWERS) - answerable == set()
    assert "EMAIL_DELIVERY_FAILED" not in REGISTER_ANSWERS  # the outbox mails after the answer: no route says so


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

    assert set(page.screens) == {
        "form",
        "created",
        "pending",
        "sent",
        "suppressed",
        "registered",
        "rate_limited",
        "unavailable",
    }


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


def test_register_page_gives_its_script_the_cooldown_the_lifetime_and_the_countries_the_api_accepts(api: Api) -> None:
    page = parse(api.get(PAGE).body)

    assert page.data["cooldown_seconds"] == 60
    assert page.data["invitation_ttl_seconds"] == 604_800
    assert page.data["countries"] == sorted(COUNTRY_CODES)


def test_register_page_writes_english_dates_as_british_english_like_its_spelling(api: Api) -> None:
    page = parse(api.get(PAGE).body)

    assert page.data["date_locales"]["en"] == "en-GB"
    assert "organisation" in REGISTER_PAGE["label_company_name"]
    assert {locale: tag for locale, tag in page.data["date_locales"].items() if locale != "en"} == {
        locale: locale for locale in page.data["locales"] if locale != "en"
    }


def test_register_page_says_the_confirmation_screen_in_the_words_spec_gives_it() -> None:
    assert REGISTER_PAGE["created_heading"] == "Check your incoming emails to confirm your email address"
    assert "SPAM folder" in REGISTER_PAGE["created_text"]
    assert "{until}" in REGISTER_PAGE["created_next"]
    assert REGISTER_ANSWERS["EMAIL_SUPPRESSED"].screen == "suppressed"


def test_register_page_says_no_sentence_that_repeats_its_heading() -> None:
    for key, heading in REGISTER_PAGE.items():
        if key.endswith("_heading"):
            screen = key.removesuffix("_heading")
            sentences = [
                text for other, text in REGISTER_PAGE.items() if other.startswith(f"{screen}_") and other != key
            ]
            assert not [text for text in sentences if text.startswith(heading)], key


def test_register_page_does_not_depend_on_the_request(api: Api) -> None:
    plain = api.get(PAGE)

    # The email rides in the fragment, which never reaches a server; a query string changes nothing either.
    with_query = api.get(f"{PAGE}?email=mallory@example.com&company_name=Evil")

    assert with_query.status == 200
    assert with_query.body == plain.body
    assert "mallory" not in with_query.body
