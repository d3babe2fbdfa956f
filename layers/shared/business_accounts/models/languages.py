"""The languages the service speaks: the supported list, and the one a request asks for or an email keeps.

Texts are translated where they are said, from the catalogs (logic/translation.py); this module only names
the languages and chooses among them, so the field types can check a locale without loading a catalog.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# BCP 47 tags, as the API, the catalogs' file names and the pages' `lang` write them. To add a language: its
# catalog in locales/ (docs/design.md, "Adding a language") and its tag on this line.
SUPPORTED = ("en", "de", "fr", "es", "it", "ja", "zh-Hans", "pt-BR", "nl")
DEFAULT = "en"  # the language the texts are written in: it has no catalog
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


@dataclass(frozen=True)
class Language:
    """The language of an email, and whether someone chose it (a `locale`, an Accept-Language) or it is the default."""

    locale: str
    chosen: bool


def chosen(
    locale: str | None, *, kept: str | None = None, kept_chosen: bool | None = None, accepted: str | None = None
) -> Language:
    """The language of an email (SPEC, Languages): the request's own `locale`; else the one `kept` by the
    invitation being sent again, if someone chose it; else the request's Accept-Language (`accepted`, negotiated);
    else the kept default; else English. A default yields to the person's own Accept-Language, a choice is kept.

    `kept_chosen` None is a language stored before choices were told apart: English reads as the default then."""
    if locale:
        return Language(locale, chosen=True)
    if kept and (kept_chosen if kept_chosen is not None else kept != DEFAULT):
        return Language(kept, chosen=True)
    if accepted:
        return Language(accepted, chosen=True)
    return Language(kept or DEFAULT, chosen=False)
