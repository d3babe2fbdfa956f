"""Reading a served web page as the checks need it: its inline blocks, screens, texts, controls and CSP."""

from __future__ import annotations

import base64
import hashlib
import json
from html.parser import HTMLParser
from typing import Any


class PageParser(HTMLParser):
    """Collects inline <script> and <style> contents, buttons, labels, screens, text keys and attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self.external: list[tuple[str, dict[str, str | None]]] = []
        self.buttons: list[str] = []
        self.labels: dict[str, str] = {}
        self.screens: list[str] = []
        self.text_keys: list[str] = []
        self.attributes: list[tuple[str, str]] = []
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.data: dict[str, Any] = {}
        self.title = ""
        self.live_regions: list[dict[str, str | None]] = []
        self._open: tuple[str, dict[str, str | None]] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.elements.append((tag, attributes))
        self.attributes += [(name, value or "") for name, value in attrs]
        if tag in ("script", "style", "button", "label", "title"):
            self._open, self._text = (tag, attributes), []
        if tag == "script" and "src" in attributes:
            self.external.append((tag, attributes))
        if tag == "link" and attributes.get("rel") == "stylesheet":
            self.external.append((tag, attributes))
        if tag == "section" and attributes.get("data-screen"):
            self.screens.append(str(attributes["data-screen"]))
        if attributes.get("data-text"):
            self.text_keys.append(str(attributes["data-text"]))
        if attributes.get("data-page") is not None:
            self.data = json.loads(str(attributes["data-page"]))
        if attributes.get("aria-live"):
            self.live_regions.append(attributes)

    def handle_data(self, data: str) -> None:
        if self._open:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._open is None or tag != self._open[0]:
            return
        text, attributes = "".join(self._text), self._open[1]
        if tag == "label":
            self.labels[str(attributes.get("for"))] = text.strip()
        elif tag == "title":
            self.title = text
        else:
            {"script": self.scripts, "style": self.styles, "button": self.buttons}[tag].append(text)
        self._open = None

    def with_attribute(self, name: str) -> list[tuple[str, dict[str, str | None]]]:
        return [(tag, attributes) for tag, attributes in self.elements if name in attributes]


def parse(html: str) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    parser.close()
    return parser


def directives(policy: str) -> dict[str, list[str]]:
    """A Content-Security-Policy as {directive: [values]}; a directive may appear once."""
    parsed = {}
    for directive in filter(None, (part.strip() for part in policy.split(";"))):
        name, *values = directive.split()
        assert name not in parsed, f"{name} appears twice"
        parsed[name] = values
    return parsed


def sha256_source(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"
