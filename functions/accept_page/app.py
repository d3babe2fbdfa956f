"""GET and HEAD /invitations/accept: the page an invitation link opens, to preview, accept or renew the invitation."""

import base64
import hashlib
import json
from dataclasses import dataclass
from functools import cache
from html import escape
from pathlib import Path
from string import Template
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from business_accounts.http import create_app
from business_accounts.observability import logger
from business_accounts.wording import WHY_THE_ACCOUNT_EXISTS

HERE = Path(__file__).parent
app = create_app()


@dataclass(frozen=True)
class Page:
    html: str
    headers: dict[str, str]


def _sha256_source(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


@cache
def page() -> Page:
    """The page with its CSS and JS inlined, and a CSP that allows exactly those two blocks, by hash."""
    style = (HERE / "accept.css").read_text(encoding="utf-8")
    script = (HERE / "accept.js").read_text(encoding="utf-8")
    why = json.dumps({str(created_via): words for created_via, words in WHY_THE_ACCOUNT_EXISTS.items()})
    html = Template((HERE / "accept.html").read_text(encoding="utf-8")).substitute(
        style=style, script=script, why=escape(why, quote=True)
    )
    policy = {
        "default-src": "'none'",
        "script-src": _sha256_source(script),
        "style-src": _sha256_source(style),
        "connect-src": "'self'",
        "img-src": "'self' data:",
        "base-uri": "'none'",
        "form-action": "'none'",
        "frame-ancestors": "'none'",
        "require-trusted-types-for": "'script'",
    }
    headers = {
        "Content-Security-Policy": "; ".join(f"{name} {value}" for name, value in policy.items()),
        # The URL fragment carries the token: no Referer, no cache, no framing, no sniffing.
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
    }
    return Page(html=html, headers=headers)


# Out of the OpenAPI document: that describes the JSON API, and this page is one of its browser clients.
@app.get("/invitations/accept", cors=False, include_in_schema=False)
def accept_page() -> Response[str]:
    return Response(status_code=200, content_type="text/html; charset=utf-8", body=page().html, headers=page().headers)


@app.head("/invitations/accept", cors=False, include_in_schema=False)
def accept_page_head() -> Response[str]:
    return Response(status_code=200, content_type="text/html; charset=utf-8", body="", headers=page().headers)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
