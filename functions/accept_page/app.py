"""GET and HEAD /invitations/accept: the page an invitation link opens, to preview, accept or renew the invitation."""

from functools import cache
from pathlib import Path
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from business_accounts.adapters import snapshot
from business_accounts.models.languages import SUPPORTED
from business_accounts.observability import logger
from business_accounts.web.page_texts import ACCEPT_PAGE
from business_accounts.web.pages import Page, page_app, render

PATH = "/invitations/accept"


@cache
def page(locale: str) -> Page:
    """accept.html with its CSS, JS and words, in `locale` (and every other language, for its switcher)."""
    return render(
        Path(__file__).parent / "accept", path=PATH, opens_on="checking", texts=ACCEPT_PAGE, data={}, locale=locale
    )


app = page_app(PATH, page)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)


# SnapStart: what a first request would build is built before the snapshot (adapters/snapshot.py).
snapshot.prepare(app, calls_aws=False, warm=lambda: [page(locale) for locale in SUPPORTED])
