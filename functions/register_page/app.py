"""GET and HEAD /register: the portal's business-account registration page, as the knowledge-base article walks it."""

from functools import cache
from pathlib import Path
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from business_accounts.adapters import snapshot
from business_accounts.adapters.environment import load_settings
from business_accounts.models.countries import COUNTRY_CODES
from business_accounts.models.languages import SUPPORTED
from business_accounts.observability import logger
from business_accounts.web.page_texts import REGISTER_PAGE, register_answers
from business_accounts.web.pages import Page, page_app, render

PATH = "/register"


@cache
def page(locale: str) -> Page:
    """register.html with its CSS, JS and words in `locale` (and every other language, for its switcher); the
    script gets what it needs to answer every API `code`."""
    settings = load_settings()
    return render(
        Path(__file__).parent / "register",
        path=PATH,
        opens_on="form",
        texts=REGISTER_PAGE,
        locale=locale,
        data={
            # The screens after an email wait this long before offering another (the API would answer 429 sooner).
            "cooldown_seconds": settings.invite_cooldown_seconds,
            # A confirmation sent again works this long from the moment it is sent (resend answers no expiry).
            "invitation_ttl_seconds": settings.invitation_ttl_seconds,
            "countries": sorted(COUNTRY_CODES),
            **register_answers(),
        },
    )


app = page_app(PATH, page)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)


# SnapStart: what a first request would build is built before the snapshot (adapters/snapshot.py).
snapshot.prepare(app, calls_aws=False, warm=lambda: [page(locale) for locale in SUPPORTED])
