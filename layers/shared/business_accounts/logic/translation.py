"""Translations: each language's gettext catalog, the texts of a table in a locale, and dates as CLDR writes them.

Texts are written in English in the code, marked with `N_()` (models/languages.py) for extraction, and translated
where they are said (`translations(locale).gettext`). Each other language is one gettext catalog,
`locales/{tag}.po`, compiled to `.mo` when the layer is built (layers/shared/Makefile); in a source tree without
`.mo` files (tests, the local stack) a catalog is compiled in memory on first use, by the same Babel code.
"""

from __future__ import annotations

import gettext
import io
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from business_accounts.models.languages import DEFAULT, is_supported

if TYPE_CHECKING:
    from babel import Locale

CATALOGS = Path(__file__).parents[1] / "locales"


@cache
def translations(locale: str) -> gettext.NullTranslations:
    """The compiled catalog of `locale` (English, the source language, translates to itself)."""
    if locale == DEFAULT or not is_supported(locale):
        return gettext.NullTranslations()
    compiled = CATALOGS / f"{locale}.mo"
    if compiled.exists():
        with compiled.open("rb") as catalog:
            return gettext.GNUTranslations(catalog)
    return gettext.GNUTranslations(compile_catalog(CATALOGS / f"{locale}.po"))


def compile_catalog(source: Path) -> io.BytesIO:
    """A `.po` catalog compiled as `pybabel compile` does (fuzzy entries left out), in memory."""
    from babel.messages.mofile import write_mo  # noqa: PLC0415 - only a source tree compiles catalogs
    from babel.messages.pofile import read_po  # noqa: PLC0415

    with source.open("rb") as text:
        catalog = read_po(text)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return compiled


def translated(texts: Mapping[str, str], locale: str) -> dict[str, str]:
    """A table of texts (English, marked with N_) in `locale`."""
    say = translations(locale).gettext
    return {key: say(text) for key, text in texts.items()}


# English is British English, in its spelling ("licence") and in its dates ("3 December 2026"), in the emails and
# on the pages alike; every other language writes dates as its own tag's CLDR data does.
DATES_WRITTEN_AS = {DEFAULT: "en-GB"}


def date_locale(locale: str) -> str:
    """The CLDR locale whose dates and times `locale` writes (a BCP 47 tag, as the pages' `Intl` takes it)."""
    return DATES_WRITTEN_AS.get(locale, locale)


@cache
def cldr(locale: str) -> Locale:
    """Babel's CLDR data for the dates of `locale` (the layer keeps only the supported locales' data)."""
    from babel import Locale  # noqa: PLC0415 - only an email needs CLDR's dates; pages leave it unloaded

    return Locale.parse(date_locale(locale), sep="-")


def written_instant(instant: datetime, locale: str) -> str:
    """`instant` in UTC, as `locale` writes a date and a time, the zone named: CLDR's long date, its long time
    without the seconds, joined as CLDR joins them (`3 December 2026, 09:00 UTC`, `3. Dezember 2026, 09:00 UTC`,
    `2026年12月3日 9:00 UTC`)."""
    from babel.dates import format_date, format_time, get_datetime_format, get_time_format  # noqa: PLC0415

    data = cldr(locale)
    to_the_minute = re.sub(r"[:.]ss", "", get_time_format("long", data).pattern)
    time = format_time(instant.astimezone(UTC), to_the_minute, tzinfo=UTC, locale=data)
    date = format_date(instant.astimezone(UTC), "long", locale=data)
    return str(get_datetime_format("long", data)).replace("{1}", date).replace("{0}", time)
