"""The languages: every catalog complete and true to the template, the template true to the code, a request's
language chosen as documented, and dates written the way each language writes them."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from business_accounts.logic import translation
from business_accounts.logic.translation import CATALOGS, written_instant
from business_accounts.models.languages import DEFAULT, SUPPORTED, Language, chosen, closest, negotiate

TRANSLATED = (
    "logic/invitation_email.py",
    "models/wording.py",
    "web/page_texts.py",
)  # as the Makefile's `catalogs` target extracts them
OTHERS = [locale for locale in SUPPORTED if locale != DEFAULT]
SPEC_LANGUAGES = ("en", "de", "fr", "es", "it", "ja", "zh-Hans", "pt-BR")  # SPEC, Languages: "at least" these
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def read(name: str) -> Catalog:
    with (CATALOGS / name).open("rb") as source:
        return read_po(source)


def template_ids() -> list[str]:
    return [str(message.id) for message in read("messages.pot") if message.id]


def test_supported_languages_hold_at_least_the_eight_the_spec_names_each_by_its_own_tag() -> None:
    assert [locale for locale in SPEC_LANGUAGES if locale not in SUPPORTED] == []
    assert [closest(locale) for locale in SPEC_LANGUAGES] == list(SPEC_LANGUAGES)
    assert DEFAULT == "en"


def test_catalogs_exist_for_every_supported_language_but_the_source_one_and_for_no_other() -> None:
    catalogs = {path.stem for path in CATALOGS.glob("*.po")}

    assert catalogs == set(OTHERS)


def test_catalogs_template_holds_exactly_the_texts_the_code_marks() -> None:
    marked = {
        str(message)
        for name in TRANSLATED
        for _, message, _, _ in extract_from_file("python", str(CATALOGS.parent / name), keywords={"N_": None})
    }

    assert set(template_ids()) == marked, "run `make catalogs`, then translate what it adds"


@pytest.mark.parametrize("locale", OTHERS)
def test_catalog_translates_every_text_of_the_template_with_the_same_placeholders(locale: str) -> None:
    catalog = read(f"{locale}.po")

    for message_id in template_ids():
        message = catalog.get(message_id)
        assert message is not None, f"{locale} lacks {message_id!r}"
        assert message.string, f"{locale} has no translation of {message_id!r}"
        assert not message.fuzzy, f"{locale}: the translation of {message_id!r} is fuzzy (not reviewed)"
        assert sorted(PLACEHOLDER.findall(str(message.string))) == sorted(PLACEHOLDER.findall(message_id)), (
            f"{locale}: {message.string!r} and {message_id!r} differ in placeholders"
        )
    assert not catalog.obsolete, f"{locale} keeps texts the code no longer says"
    assert not list(catalog.check()), f"{locale}: Babel's own checks fail"


@pytest.mark.parametrize("locale", OTHERS)
def test_catalog_compiled_says_every_text_in_its_own_words(locale: str) -> None:
    say = translation.translations(locale).gettext

    untranslated = [message_id for message_id in template_ids() if say(message_id) == message_id]

    assert untranslated == [], f"{locale} says these in English: {untranslated}"


@pytest.mark.parametrize(
    ("header", "locale"),
    [
        ("de-CH,de;q=0.9,en;q=0.8", "de"),
        ("ja", "ja"),
        ("fr-FR", "fr"),
        ("PT-br", "pt-BR"),
        ("pt-PT,pt;q=0.9", "pt-BR"),
        ("zh-CN,zh;q=0.9", "zh-Hans"),
        ("zh-Hans-CN", "zh-Hans"),
        ("zh-TW,zh-Hant;q=0.9,en;q=0.5", "en"),
        ("ru,it;q=0.4,es;q=0.6", "es"),
        ("en;q=0.1,ja;q=0.9", "ja"),
        ("*", None),
        ("", None),
        (None, None),
        ("ru,uk", None),
        ("de;q=0", None),
        ("de;q=x,ja", "ja"),
        (";;,,,=q", None),
    ],
)
def test_negotiate_accept_language_picks_the_preferred_supported_language(
    header: str | None, locale: str | None
) -> None:
    assert negotiate(header) == locale


def test_closest_of_an_unsupported_language_is_none_and_of_a_supported_one_itself() -> None:
    assert closest("ru-RU") is None
    assert all(closest(locale) == locale for locale in SUPPORTED)


def test_chosen_language_is_the_request_s_then_a_kept_choice_then_the_accepted_one_then_a_kept_default() -> None:
    assert chosen("fr", kept="de", kept_chosen=True, accepted="ja") == Language("fr", chosen=True)
    assert chosen(None, kept="de", kept_chosen=True, accepted="ja") == Language("de", chosen=True)
    assert chosen(None, kept="en", kept_chosen=False, accepted="ja") == Language("ja", chosen=True)
    assert chosen(None, kept="en", kept_chosen=False) == Language("en", chosen=False)
    assert chosen(None, kept=None, accepted="ja") == Language("ja", chosen=True)
    assert chosen(None) == Language("en", chosen=False)


def test_chosen_language_stored_before_choices_were_told_apart_keeps_all_but_english() -> None:
    assert chosen(None, kept="de", accepted="ja") == Language("de", chosen=True)
    assert chosen(None, kept="en", accepted="ja") == Language("ja", chosen=True)  # English was the default then


@pytest.mark.parametrize(
    ("locale", "written"),
    [
        ("en", "3 December 2026, 09:05 UTC"),  # British English, as the texts spell it ("licence")
        ("de", "3. Dezember 2026, 09:05 UTC"),
        ("fr", "3 décembre 2026, 09:05 TU"),  # French CLDR names UTC "temps universel": TU
        ("es", "3 de diciembre de 2026, 9:05 UTC"),
        ("it", "3 dicembre 2026 09:05 UTC"),
        ("ja", "2026年12月3日 9:05 UTC"),
        ("zh-Hans", "2026年12月3日 UTC 09:05"),
        ("pt-BR", "3 de dezembro de 2026 09:05 UTC"),
    ],
)
def test_written_instant_is_the_language_s_long_date_and_time_to_the_minute_with_the_zone_named(
    locale: str, written: str
) -> None:
    assert written_instant(datetime(2026, 12, 3, 9, 5, 59, tzinfo=UTC), locale) == written


def test_written_instant_speaks_every_supported_language() -> None:
    instant = datetime(2027, 1, 31, 23, 59, tzinfo=UTC)

    for locale in SUPPORTED:
        assert re.search(r"\b(UTC|TU)\b", written_instant(instant, locale)), locale
