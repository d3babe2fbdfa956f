"""Both web pages as their handlers serve them: strict headers, a CSP that matches the inline blocks, every text
filled in from the page's table, text inserted with textContent only, and no permissions."""

from __future__ import annotations

import json
import re

import pytest

from business_accounts.models.languages import SUPPORTED
from business_accounts.models.wording import WHY_THE_ACCOUNT_EXISTS
from business_accounts.web.page_texts import ACCEPT_PAGE, REGISTER_PAGE
from tests.support.api import Api, routes
from tests.support.pages import directives, parse, sha256_source
from tools.functions import ROOT, functions

PAGES = {  # path -> (function, its texts)
    "/invitations/accept": ("AcceptPageFunction", ACCEPT_PAGE),
    "/register": ("RegisterPageFunction", REGISTER_PAGE),
}
SECURITY_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}
each_page = pytest.mark.parametrize("path", sorted(PAGES))


@each_page
def test_page_get_returns_html_with_every_security_header(api: Api, path: str) -> None:
    answer = api.get(path)

    assert answer.status == 200
    assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
    assert isinstance(answer.body, str)
    assert answer.body.startswith("<!DOCTYPE html>")
    for name, value in SECURITY_HEADERS.items():
        assert answer.headers[name] == value, name
    assert "Access-Control-Allow-Origin" not in answer.headers


@each_page
def test_page_csp_allows_only_its_own_inline_script_and_style_by_hash(api: Api, path: str) -> None:
    answer = api.get(path)

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


@each_page
def test_page_head_returns_the_headers_and_no_body(api: Api, path: str) -> None:
    get = api.get(path)
    head = api.request("HEAD", path)

    assert head.status == 200
    assert head.body is None
    assert head.headers["Content-Type"] == "text/html; charset=utf-8"
    assert head.headers["Content-Security-Policy"] == get.headers["Content-Security-Policy"]
    for name, value in SECURITY_HEADERS.items():
        assert head.headers[name] == value, name


@each_page
def test_page_texts_all_come_from_its_table_and_every_screen_has_a_title(api: Api, path: str) -> None:
    _, texts = PAGES[path]

    body = api.get(path).body
    page = parse(body)

    assert "${" not in body.replace(page.scripts[0], ""), "a placeholder the server did not fill in"
    assert page.data["texts"]["en"] == texts
    assert set(page.data["texts"]) == set(SUPPORTED)
    assert set(page.text_keys) <= set(texts), set(page.text_keys) - set(texts)
    assert page.title in texts.values()
    for screen in page.screens:
        assert f"title_{screen}" in texts, screen
        assert re.search(rf'data-screen="{screen}" hidden>\s*<h1 tabindex="-1"', body), screen


@each_page
def test_page_has_a_favicon_a_noscript_message_and_one_status_region(api: Api, path: str) -> None:
    _, texts = PAGES[path]
    body = api.get(path).body

    page = parse(body)

    icons = [attributes for tag, attributes in page.elements if tag == "link" and attributes.get("rel") == "icon"]
    assert [str(icon["href"]).split(",")[0] for icon in icons] == ["data:image/svg+xml;base64"]
    assert re.search(rf"<noscript>\s*<h1>{re.escape(texts['noscript_heading'])}</h1>", body)
    spoken = [region.get("role") for region in page.live_regions if region.get("aria-live") != "off"]
    assert spoken == ["status"]
    assert all(timer.get("aria-live") == "off" for _, timer in page.with_attribute("role") if timer["role"] == "timer")


@each_page
def test_page_embeds_why_the_account_exists_in_the_mailer_wording_and_the_portal(api: Api, path: str) -> None:
    page = parse(api.get(path).body)

    assert page.data["why"]["en"] == {str(created_via): words for created_via, words in WHY_THE_ACCOUNT_EXISTS.items()}
    assert page.data["portal"] == "https://account.example.com"
    assert page.data["path"] == path


@each_page
def test_page_inserts_text_with_text_content_only(api: Api, path: str) -> None:
    script = parse(api.get(path).body).scripts[0]

    assert "textContent" in script
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in script, sink


@each_page
def test_page_reads_only_the_fragment_and_calls_the_api_beside_itself(api: Api, path: str) -> None:
    script = parse(api.get(path).body).scripts[0]

    assert "location.hash" in script
    for query_handling in ("location.search", "location.href", "document.referrer", "?token", "?email"):
        assert query_handling not in script, query_handling
    # The API base is the page's own path without the page's route (the stage prefix stays), never the root.
    assert "here.slice(0, here.length - data.path.length)" in script
    assert script.count("fetch(") == 1, "every call goes through pages.post"
    assert "fetch(`${apiBase}${path}`" in script


@each_page
def test_page_function_is_public_and_has_no_permissions(path: str) -> None:
    logical_id, _ = PAGES[path]

    page_routes = {(route.method, route.resource) for route in routes() if route.function.logical_id == logical_id}

    assert page_routes == {("GET", path), ("HEAD", path)}
    assert "Policies" not in functions()[logical_id].properties
    for event in functions()[logical_id].properties["Events"].values():
        assert "Auth" not in event["Properties"]


def test_pages_are_left_out_of_the_openapi_document() -> None:
    document = json.loads((ROOT / "functions" / "openapi" / "openapi.json").read_text())

    assert not set(PAGES) & set(document["paths"])
