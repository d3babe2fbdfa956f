"""Languages through the handlers, on moto: a request's locale (or its Accept-Language) picks the email's language,
the invitation keeps it through renew, resend, join and the cleanup, and an unsupported locale is refused."""

from __future__ import annotations

from typing import Any

import pytest

from business_accounts.logic.cleanup import expire_overdue
from business_accounts.logic.services import Services
from business_accounts.models.languages import SUPPORTED
from tests.support.api import Api
from tests.support.aws import SentEmail, sent_emails
from tests.support.fakes import FakeClock
from tests.support.pages import parse
from tests.support.story import JANE

# What each language's email says, to tell them apart: its subject's opening and how it writes the expiry.
GERMAN = ("Sie sind eingeladen, das Geschäftskonto von ACME Ltd zu verwalten", "Dezember 2026")
JAPANESE = ("ACME Ltd のビジネスアカウントの管理者として招待されています", "2026年12月")
FRENCH = ("Vous êtes invité à administrer le compte professionnel de ACME Ltd", "décembre 2026")
ENGLISH = ("You are invited to administer the ACME Ltd business account", "December")


def provision(api: Api, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> Any:
    answer = api.post(
        "/v1/internal/accounts",
        {"company_name": "ACME Ltd", "administrator_email": JANE, "created_via": "sales", **(body or {})},
        headers=headers,
    )
    assert answer.status == 201, answer.body
    return answer.body


def in_language(email: SentEmail, language: tuple[str, str]) -> bool:
    subject, month = language
    return email.subject == subject and month in email.text and month in email.html


def test_invitation_created_in_german_is_renewed_and_resent_in_german(api: Api, clock: FakeClock) -> None:
    provision(api, {"locale": "de"})
    assert in_language(sent_emails()[-1], GERMAN)
    clock.advance(days=8)  # the link has expired

    renewed = api.post("/v1/invitations/renew", {"token": sent_emails()[-1].token})
    clock.advance(seconds=61)
    resent = api.post("/v1/invitations/resend", {"email": JANE})

    assert (renewed.status, resent.status) == (202, 202), (renewed.body, resent.body)
    assert [in_language(email, GERMAN) for email in sent_emails()] == [True, True, True]
    assert "Dieses Konto wurde für Ihr Unternehmen angelegt" in sent_emails()[-1].html


def test_invitation_keeps_its_language_when_the_cleanup_expires_it_and_join_renews_it(
    api: Api, clock: FakeClock, runtime: Services
) -> None:
    account_id = provision(api, {"locale": "ja"})["account_id"]
    clock.advance(days=8)
    assert expire_overdue(runtime, seconds_left=lambda: 300.0).expired == 1

    joined = api.post(f"/v1/accounts/{account_id}/join", {"email": JANE})
    preview = api.post("/v1/invitations/preview", {"token": sent_emails()[-1].token})

    assert joined.status == 202, joined.body
    assert in_language(sent_emails()[-1], JAPANESE)
    assert preview.body["locale"] == "ja"


def test_join_with_a_locale_speaks_it_from_then_on(api: Api, clock: FakeClock) -> None:
    account_id = provision(api)["account_id"]  # neither a locale nor Accept-Language: English
    clock.advance(seconds=61)

    api.post(f"/v1/accounts/{account_id}/join", {"email": JANE, "locale": "fr"})
    clock.advance(seconds=61)
    api.post("/v1/invitations/resend", {"email": JANE})

    languages = (ENGLISH, FRENCH, FRENCH)
    assert all(in_language(email, language) for email, language in zip(sent_emails(), languages, strict=True))


def test_accept_language_japanese_picks_japanese(api: Api) -> None:
    provision(api, headers={"Accept-Language": "ja-JP,ja;q=0.9,en;q=0.5"})

    email = sent_emails()[-1]

    assert in_language(email, JAPANESE)
    assert '<html lang="ja">' in email.html
    assert api.post("/v1/invitations/preview", {"token": email.token}).body["locale"] == "ja"


def test_locale_in_the_body_wins_over_accept_language(api: Api) -> None:
    provision(api, {"locale": "de"}, headers={"Accept-Language": "ja"})

    assert in_language(sent_emails()[-1], GERMAN)


def test_accept_language_naming_no_supported_language_speaks_english(api: Api) -> None:
    provision(api, headers={"Accept-Language": "ru-RU, uk;q=0.8, *;q=0.1"})

    assert in_language(sent_emails()[-1], ENGLISH)


def test_colleague_invitation_speaks_its_own_locale(api: Api) -> None:
    account_id = provision(api, {"locale": "de"})["account_id"]

    invited = api.post(
        f"/v1/internal/accounts/{account_id}/invitations", {"email": "colleague@example.com", "locale": "ja"}
    )

    assert invited.status == 201, invited.body
    assert in_language(sent_emails()[-1], JAPANESE)


@pytest.mark.parametrize(
    ("route", "body"),
    [
        ("/v1/accounts", {"email": JANE, "company_name": "ACME Ltd"}),
        ("/v1/accounts/acc_01JDZ3K4Q6W8X9Y2Z3A4B5C6D7/join", {"email": JANE}),
        ("/v1/invitations/resend", {"email": JANE}),
        ("/v1/internal/accounts", {"company_name": "ACME Ltd", "administrator_email": JANE, "created_via": "sales"}),
        ("/v1/internal/accounts/acc_01JDZ3K4Q6W8X9Y2Z3A4B5C6D7/invitations", {"email": JANE}),
    ],
)
@pytest.mark.parametrize("locale", ["ru", "DE", "pt_BR", "pt-br", "zh", "", 7])
def test_unsupported_locale_is_a_validation_error_that_lists_the_supported_ones(
    api: Api, route: str, body: dict[str, Any], locale: object
) -> None:
    answer = api.post(route, {**body, "locale": locale})

    assert answer.status == 422, answer.body
    assert answer.body["code"] == "VALIDATION_ERROR"
    [error] = answer.body["errors"]
    assert error["field"] == "locale"
    if isinstance(locale, str):
        assert ", ".join(SUPPORTED) in error["message"]
    assert sent_emails() == []


def test_register_keeps_the_account_s_language(api: Api) -> None:
    registered = api.post(
        "/v1/accounts", {"email": JANE, "company_name": "ACME Ltd"}, headers={"Accept-Language": "pt-BR"}
    )

    account = api.get(f"/v1/internal/accounts/{registered.body['account_id']}")

    assert account.body["locale"] == "pt-BR"


@pytest.mark.parametrize(
    ("path", "heading"),
    [("/register", "Geschäftskonto anlegen"), ("/invitations/accept", "Ihr Link wird geprüft")],
)
def test_page_is_served_in_the_accept_language_s_language_with_every_language_for_its_switcher(
    api: Api, path: str, heading: str
) -> None:
    answer = api.get(path, headers={"Accept-Language": "de-AT,de;q=0.9"})
    page = parse(answer.body)

    assert answer.headers["Content-Language"] == "de"
    assert '<html lang="de">' in answer.body
    assert "Diese Seite benötigt JavaScript" in answer.body
    assert heading in answer.body
    assert page.data["locale"] == "de"
    assert page.data["locales"] == list(SUPPORTED)
    assert set(page.data["texts"]) == set(SUPPORTED) == set(page.data["why"])
    assert page.data["texts"]["ja"]["brand"] != page.data["texts"]["en"]["brand"]


def test_colleague_invitation_without_a_locale_speaks_the_accept_language(api: Api) -> None:
    account_id = provision(api, {"locale": "de"})["account_id"]

    invited = api.post(
        f"/v1/internal/accounts/{account_id}/invitations",
        {"email": "colleague@example.com"},
        headers={"Accept-Language": "fr-CH, fr;q=0.9"},
    )

    assert invited.status == 201, invited.body
    assert in_language(sent_emails()[-1], FRENCH)


def test_join_and_resend_keep_the_invitation_s_language_over_the_accept_language(api: Api, clock: FakeClock) -> None:
    account_id = provision(api, {"locale": "de"})["account_id"]
    clock.advance(seconds=61)

    joined = api.post(f"/v1/accounts/{account_id}/join", {"email": JANE}, headers={"Accept-Language": "ja"})
    clock.advance(seconds=61)
    resent = api.post("/v1/invitations/resend", {"email": JANE}, headers={"Accept-Language": "fr"})

    assert (joined.status, resent.status) == (202, 202)
    assert [in_language(email, GERMAN) for email in sent_emails()] == [True, True, True]


@pytest.mark.parametrize("route", ["join", "resend", "renew"])
def test_a_defaulted_language_yields_to_the_person_s_accept_language_which_is_kept_from_then_on(
    api: Api, clock: FakeClock, route: str
) -> None:
    account_id = provision(api)["account_id"]  # nobody chose: English by default
    clock.advance(days=8 if route == "renew" else 0, seconds=61)
    japanese = {"Accept-Language": "ja-JP, ja;q=0.9, en;q=0.5"}  # what the RAS console sends in Japanese

    if route == "join":
        answer = api.post(f"/v1/accounts/{account_id}/join", {"email": JANE}, headers=japanese)
    elif route == "resend":
        answer = api.post("/v1/invitations/resend", {"email": JANE}, headers=japanese)
    else:
        answer = api.post("/v1/invitations/renew", {"token": sent_emails()[-1].token}, headers=japanese)
    clock.advance(seconds=61)
    again = api.post("/v1/invitations/resend", {"email": JANE}, headers={"Accept-Language": "fr"})
    preview = api.post("/v1/invitations/preview", {"token": sent_emails()[-1].token})

    assert (answer.status, again.status) == (202, 202), (answer.body, again.body)
    languages = (ENGLISH, JAPANESE, JAPANESE)
    assert [in_language(email, language) for email, language in zip(sent_emails(), languages, strict=True)] == [
        True,
        True,
        True,
    ]
    assert preview.body["locale"] == "ja"  # chosen now: the later French Accept-Language does not take it over


def test_register_and_resend_with_a_locale_in_the_body(api: Api, clock: FakeClock) -> None:
    registered = api.post(
        "/v1/accounts", {"email": "owner@example.com", "company_name": "ACME Ltd", "locale": "zh-Hans"}
    )
    provision(api)  # English
    clock.advance(seconds=61)
    resent = api.post("/v1/invitations/resend", {"email": JANE, "locale": "fr"})

    account = api.get(f"/v1/internal/accounts/{registered.body['account_id']}")
    assert account.body["locale"] == "zh-Hans"
    assert resent.status == 202
    assert in_language(sent_emails()[-1], FRENCH)


def test_api_messages_stay_english_whatever_the_language_asked_for(api: Api) -> None:
    refused = api.post(
        "/v1/accounts",
        {"email": "not an email", "company_name": "ACME Ltd", "locale": "de"},
        headers={"Accept-Language": "de"},
    )
    unknown = api.post("/v1/invitations/preview", {"token": "t" * 43}, headers={"Accept-Language": "ja"})

    assert (refused.status, refused.body["message"]) == (422, "The request is not valid.")
    assert refused.body["errors"][0]["message"].startswith("must be an email address such as")
    assert (unknown.status, unknown.body["message"]) == (404, "This invitation link is not valid.")
