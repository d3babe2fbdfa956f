"""The web pages the stack serves: one HTML document each, with its CSS, JS and texts inlined, and strict headers.

A page is three files in its function's folder, `{name}.html` (its screens), `{name}.css` and `{name}.js`,
and a table of texts (`page_texts.py`). What every page shares is in `page_assets/`: the HTML shell around the
screens, base styles and script helpers (which go first in the inline `<style>` and `<script>`), the favicon.
The Content-Security-Policy allows exactly those two inline blocks, by their SHA-256, computed from the same
bytes that are served, so the policy cannot drift from the code.

In a page's HTML:

- `{key}` is a text of the page's table in the request's language (so it reads without JavaScript); the HTML is
  MarkupSafe's Markup, whose `format` escapes every value, so whatever a page shows is escaped by construction; the
  element that holds it also names it as `data-text="key"`, so the language switcher can change it;
- a `section data-screen="name"` is a screen, hidden until the script shows it; `title_<name>` names the tab;
- `data-text="key"` marks an element whose text, with `{placeholders}`, the script fills in when its screen shows;
- `data-field="name"` marks an element that shows a value from the API, always with `textContent`.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from markupsafe import Markup

from business_accounts.adapters.environment import load_settings
from business_accounts.logic.translation import date_locale, translated
from business_accounts.models.languages import DEFAULT, SUPPORTED, negotiate
from business_accounts.models.wording import WHY_THE_ACCOUNT_EXISTS
from business_accounts.web.http import create_app

ASSETS = Path(__file__).parent / "page_assets"
HTML = "text/html; charset=utf-8"
# The URL fragment may carry a token or an email: no Referer, no cache, no framing, no sniffing.
HEADERS = {
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


@dataclass(frozen=True)
class Page:
    html: str
    headers: dict[str, str]


def sha256_source(text: str) -> str:
    """A CSP hash source for an inline block: `'sha256-<base64 of the UTF-8 bytes' digest>'`."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def content_security_policy(script: str, style: str) -> str:
    """Nothing but the page's own inline script and style, calls to its own origin, and data: images (the icon)."""
    policy = {
        "default-src": "'none'",
        "script-src": sha256_source(script),
        "style-src": sha256_source(style),
        "connect-src": "'self'",
        "img-src": "'self' data:",
        "base-uri": "'none'",
        "form-action": "'none'",
        "frame-ancestors": "'none'",
        "require-trusted-types-for": "'script'",
    }
    return "; ".join(f"{name} {value}" for name, value in policy.items())


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def favicon() -> str:
    """The icon as a data: URL, so it costs no request and needs no route."""
    return "data:image/svg+xml;base64," + base64.b64encode((ASSETS / "favicon.svg").read_bytes()).decode("ascii")


def shared_data(texts: Mapping[str, str]) -> dict[str, Any]:
    """What every page's script needs: its texts in every supported language (for the language switcher), the
    portal to link onward to, why an account exists (`created_via` in the invitation email's words), and the CLDR
    locale each language writes its dates in (the email's: English as en-GB)."""
    why = {str(created_via): words for created_via, words in WHY_THE_ACCOUNT_EXISTS.items()}
    return {
        "locales": list(SUPPORTED),
        "texts": {locale: translated(texts, locale) for locale in SUPPORTED},
        "why": {locale: translated(why, locale) for locale in SUPPORTED},
        "date_locales": {locale: date_locale(locale) for locale in SUPPORTED},
        "portal": load_settings().portal_origin,
    }


def _template(path: Path) -> Markup:
    """An HTML file of ours as Markup: `format` escapes every value that fills its `{placeholders}`."""
    return Markup(_read(path))  # noqa: S704


def render(
    files: Path, *, path: str, opens_on: str, texts: Mapping[str, str], data: Mapping[str, Any], locale: str = DEFAULT
) -> Page:
    """The page whose screens are `files`.html (with its .css and .js), served at `path`, in the words of `texts`
    said in `locale`.

    The screens go into the shell every page shares (`page_assets/page.html`: head, brand line, language
    switcher, noscript message, status line); the tab is named after the screen the page `opens_on`. `data`
    reaches the script as JSON in `data-page`, with the texts in every language (for the screens it fills in
    and the switcher), the language the server chose, and the path (so that it finds the API beside itself,
    under any stage prefix).
    """
    style = _read(ASSETS / "page.css") + _read(files.with_suffix(".css"))
    script = _read(ASSETS / "page.js") + _read(files.with_suffix(".js"))
    page_data = {"path": path, "locale": locale, "opens_on": opens_on, **shared_data(texts), **data}
    words = translated(texts, locale)
    html = _template(ASSETS / "page.html").format(
        **words,
        lang=locale,
        name=files.name,
        title=words[f"title_{opens_on}"],
        screens=_template(files.with_suffix(".html")).format(**words),
        # The page's own CSS and JS, inlined as written: code of this repository, not text from anyone.
        style=Markup(style),  # noqa: S704
        script=Markup(script),  # noqa: S704
        favicon=favicon(),
        data=json.dumps(page_data, ensure_ascii=False),
    )
    headers = {"Content-Security-Policy": content_security_policy(script, style), **HEADERS}
    return Page(html=html, headers=headers | {"Content-Language": locale, "Vary": "Accept-Language"})


def page_app(path: str, page: Callable[[str], Page]) -> APIGatewayRestResolver:
    """A resolver that answers GET `path` with the page in the request's language (its Accept-Language, else
    English), and HEAD with its headers (link checkers send HEAD).

    The page stays out of the OpenAPI document (that describes the JSON API, of which the page is a browser
    client) and sends no CORS headers (nobody calls it cross-origin).
    """
    app = create_app()

    def requested() -> Page:
        return page(negotiate(app.current_event.headers.get("accept-language")) or DEFAULT)

    @app.get(path, cors=False, include_in_schema=False)
    def get_page() -> Response[str]:
        served = requested()
        return Response(status_code=200, content_type=HTML, body=served.html, headers=served.headers)

    @app.head(path, cors=False, include_in_schema=False)
    def head_page() -> Response[str]:
        return Response(status_code=200, content_type=HTML, body="", headers=requested().headers)

    return app
