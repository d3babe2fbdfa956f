"""The languages the service speaks: the supported list, the one a request asks for, its catalog and its dates.

Texts are written in English in the code, marked with `N_()` for extraction, and translated where they are said
(`translations(locale).gettext`). Each other language is one gettext catalog, `locales/{tag}.po`, compiled to
`.mo` when the layer is built (layers/shared/Makefile); in a source tree without `.mo` files (tests, the local
stack) a catalog is compiled in memory on first use, by the same Babel code.
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

if TYPE_CHECKING:
    from babel import Locale

# BCP 47 tags, as the API, the catalogs' file names and the pages' `lang` write them. To add a language: its
# catalog in locales/ (docs/design.md, "Adding a language") and its tag on this line.
SUPPORTED = ("en", "de", "fr", "es", "it", "ja", "zh-Hans", "pt-BR", "nl")
DEFAULT = "en"  # the language the texts are written in: it has no catalog
CATALOGS = Path(__file__).parents[1] / "locales"
# Chinese written in Traditional characters: Simplified is not what such a reader asked for.
_TRADITIONAL_CHINESE = re.compile(r"^zh-(hant|tw|hk|mo)(-|$)")


def N_(message: str) -> str:  # noqa: N802 - gettext's own name for "mark for extraction, translate later"
    """Marks `message` for the catalogs; it is translated where it is said, in the locale of that moment."""
    return message


def is_supported(locale: str) -> bool:
    return locale in SUPPORTED


def closest(tag: str) -> str | None:
    """The supported locale for one language tag: itself (any case), else the one of its language (`de-CH` ->
    `de`, `pt-PT` -> `pt-BR`, `zh-CN` -> `zh-Hans`); None when none fits."""
    wanted = tag.strip().replace("_", "-").lower()
    for locale in SUPPORTED:
        if locale.lower() == wanted:
            return locale
    if _TRADITIONAL_CHINESE.match(wanted):
        return None
    language = wanted.split("-")[0]
    return next((locale for locale in SUPPORTED if locale.split("-")[0].lower() == language), None)


def negotiate(accept_language: str | None) -> str | None:
    """The supported locale an `Accept-Language` header prefers (by its q-values, then its order); None when it
    names none. Any header is read without error: a malformed part is skipped."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")[:20]):
        tag, _, parameters = part.partition(";")
        quality = 1.0
        if parameters.strip().lower().startswith("q="):
            try:
                quality = float(parameters.strip()[2:])
            except ValueError:
                continue
        if tag.strip() and 0 < quality <= 1:
            ranked.append((-quality, position, tag.strip()))
    for _, _, tag in sorted(ranked):
        if locale := closest(tag):
            return locale
    return None


def chosen(locale: str | None, *, kept: str | None = None, accepted: str | None = None) -> str:
    """The language of an email: the request's own `locale`, else the one `kept` (the language of the invitation
    being sent again), else the one `accepted` (the request's Accept-Language, negotiated), else English."""
    return locale or kept or accepted or DEFAULT


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


@cache
def cldr(locale: str) -> Locale:
    """Babel's CLDR data for `locale` (the layer keeps only the supported locales' data)."""
    from babel import Locale  # noqa: PLC0415 - only an email needs CLDR's dates; pages leave it unloaded

    return Locale.parse(locale, sep="-")


def written_instant(instant: datetime, locale: str) -> str:
    """`instant` in UTC, as `locale` writes a date and a time, the zone named: CLDR's long date, its long time
    without the seconds, joined as CLDR joins them (`3. Dezember 2026, 09:00 UTC`, `2026年12月3日 9:00 UTC`)."""
    from babel.dates import format_date, format_time, get_datetime_format, get_time_format  # noqa: PLC0415

    data = cldr(locale)
    to_the_minute = re.sub(r"[:.]ss", "", get_time_format("long", data).pattern)
    time = format_time(instant.astimezone(UTC), to_the_minute, tzinfo=UTC, locale=data)
    date = format_date(instant.astimezone(UTC), "long", locale=data)
    return str(get_datetime_format("long", data)).replace("{1}", date).replace("{0}", time)
