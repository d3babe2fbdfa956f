"""The invitation accept page: served by its handler with strict security headers, and GET or HEAD change nothing."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser

from business_accounts.mailer import WHY_THE_ACCOUNT_EXISTS
from tests.support.api import Api, routes
from tests.support.aws import sent_emails
from tools.functions import ROOT, functions

PAGE = "/invitations/accept"
SECURITY_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


class PageParser(HTMLParser):
    """Collects what the checks need: inline <script> and <style> contents, buttons, sections and attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self.external: list[tuple[str, dict[str, str | None]]] = []
        self.buttons: list[str] = []
        self.states: list[str] = []
        self.attributes: list[tuple[str, str]] = []
        self.why: str | None = None
        self.live_regions: list[dict[str, str | None]] = []
        self._open: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.attributes += [(name, value or "") for name, value in attrs]
        if tag in ("script", "style", "button"):
            self._open, self._text = tag, []
        if tag == "script" and "src" in attributes:
            self.external.append((tag, attributes))
        if tag == "link" and attributes.get("rel") == "stylesheet":
            self.external.append((tag, attributes))
        if tag == "section" and attributes.get("data-state"):
            self.states.append(str(attributes["data-state"]))
        if attributes.get("data-why") is not None:
            self.why = attributes["data-why"]
        if attributes.get("aria-live"):
            self.live_regions.append(attributes)

    def handle_data(self, data: str) -> None:
        if self._open:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag != self._open:
            return
        text = "".join(self._text)
        {"script": self.scripts, "style": self.styles, "button": self.buttons}[tag].append(text)
        self._open = None


def parse(html: str) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    parser.close()
    return parser


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for directive in filter(None, (part.strip() for part in policy.split(";"))):
        name, *values = directive.split()
        assert name not in parsed, f"{name} appears twice"
        parsed[name] = values
    return parsed


def sha256_source(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def provision_invitation(api: Api) -> str:
    provisioned = api.post(
        "/v1/internal/accounts",
        {"company_name": "ACME Ltd", "administrator_email": "jane@example.com", "created_via": "upgrade_insurance"},
    )
    assert provisioned.status == 201, provisioned.body
    return sent_emails()[-1].token


def assert_still_pending(api: Api, token: str) -> None:
    preview = api.post("/v1/invitations/preview", {"token": token})
    assert preview.status == 200, preview.body
    assert preview.body["status"] == "pending"


def test_accept_page_get_returns_html_with_every_security_header(api: Api) -> None:
    answer = api.get(PAGE)

    assert answer.status == 200
    assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
    assert isinstance(answer.body, str)
    assert answer.body.startswith("<!DOCTYPE html>")
    for name, value in SECURITY_HEADERS.items():
        assert answer.headers[name] == value, name
    assert "Access-Control-Allow-Origin" not in answer.headers


def test_accept_page_csp_allows_only_its_own_inline_script_and_style_by_hash(api: Api) -> None:
    answer = api.get(PAGE)

    policy = directives(answer.headers["Content-Security-Policy"])
    page = parse(answer.body)

    assert policy["default-src"] == ["'none'"]
    assert policy["connect-src"] == ["'self'"]
    assert sorted(policy["img-src"]) == sorted(["'self'", "data:"])
    assert policy["base-uri"] == ["'none'"]
    assert policy["form-action"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["require-trusted-types-for"] == ["'script'"]
    assert len(page.scripts) == 1
    assert len(page.styles) == 1
    assert policy["script-src"] == [sha256_source(page.scripts[0])]
    assert policy["style-src"] == [sha256_source(page.styles[0])]
    assert not page.external, "the CSP allows no script or stylesheet files"
    inline_attributes = [name for name, _ in page.attributes if name == "style" or name.startswith("on")]
    assert not inline_attributes, "hash sources do not cover style= or on...= attributes"


def test_accept_page_has_the_accept_and_renew_buttons_and_a_message_for_every_state(api: Api) -> None:
    page = parse(api.get(PAGE).body)

    assert "Accept invitation" in page.buttons
    assert "Send me a new invitation" in page.buttons
    assert set(page.states) == {
        "pending",
        "accepted",
        "expired",
        "superseded",
        "renewed",
        "already-accepted",
        "revoked",
        "not-found",
        "unavailable",
    }
    assert [region.get("role") for region in page.live_regions] == ["status"]


def test_accept_page_embeds_why_the_account_exists_in_the_mailer_wording(api: Api) -> None:
    page = parse(api.get(PAGE).body)

    assert page.why is not None
    assert json.loads(page.why) == {str(created_via): words for created_via, words in WHY_THE_ACCOUNT_EXISTS.items()}


def test_accept_page_inserts_text_with_text_content_only(api: Api) -> None:
    script = parse(api.get(PAGE).body).scripts[0]

    assert "textContent" in script
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in script, sink


def test_accept_page_reads_the_token_from_the_fragment_and_calls_the_api_beside_itself(api: Api) -> None:
    script = parse(api.get(PAGE).body).scripts[0]

    assert "location.hash" in script
    for query_handling in ("location.search", "location.href", "?token", "document.referrer"):
        assert query_handling not in script, query_handling
    # The API base is the page's own path without /invitations/accept (the stage prefix stays), never the root.
    assert re.search(r"location\.pathname\.replace\(/\\/invitations\\/accept", script)
    assert "`${apiBase}/v1/invitations/${action}`" in script
    assert not re.search(r"[\"'`]/v1/", script), "an API path hard-coded at the root"


def test_accept_page_head_returns_the_headers_and_no_body(api: Api) -> None:
    get = api.get(PAGE)
    head = api.request("HEAD", PAGE)

    assert head.status == 200
    assert head.body is None
    assert head.headers["Content-Type"] == "text/html; charset=utf-8"
    assert head.headers["Content-Security-Policy"] == get.headers["Content-Security-Policy"]
    for name, value in SECURITY_HEADERS.items():
        assert head.headers[name] == value, name


def test_accept_page_get_and_head_with_a_real_token_change_nothing(api: Api) -> None:
    token = provision_invitation(api)
    emails_before = len(sent_emails())
    plain = api.get(PAGE)

    # A mail scanner may open the link (the fragment never reaches the server) or even a mangled ?token= form.
    with_query = api.get(f"{PAGE}?token={token}")
    head = api.request("HEAD", f"{PAGE}?token={token}")

    assert with_query.status == 200
    assert head.status == 200
    assert with_query.body == plain.body, "the page does not depend on the request"
    assert token not in with_query.body
    assert len(sent_emails()) == emails_before
    assert_still_pending(api, token)
    assert api.post("/v1/invitations/accept", {"token": token}).status == 200


def test_accept_page_function_is_public_and_has_no_permissions() -> None:
    page_function = functions()["AcceptPageFunction"]

    page_routes = {
        (route.method, route.resource) for route in routes() if route.function.logical_id == "AcceptPageFunction"
    }

    assert page_routes == {("GET", PAGE), ("HEAD", PAGE)}
    assert "Policies" not in page_function.properties
    for event in page_function.properties["Events"].values():
        assert "Auth" not in event["Properties"]


def test_accept_page_is_left_out_of_the_openapi_document() -> None:
    document = json.loads((ROOT / "functions" / "openapi" / "openapi.json").read_text())

    assert PAGE not in document["paths"]
