"""What the real-browser tests check on every screen: accessibility (axe-core), layout shifts, CSP errors, and the
screenshots that docs/pages.md shows."""

from __future__ import annotations

import os
import shutil
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from tools.functions import ROOT

if TYPE_CHECKING:
    from tests.e2e.conftest import LocalStack

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="needs Debian's chromium (`make browser` installs it; .ci/run does)"
)
# `make screenshots` sets it to docs/pages, so the documentation shows what these tests see.
SCREENSHOTS = os.environ.get("PAGES_SCREENSHOTS")
SERIOUS = {"serious", "critical"}
PORTAL = "https://account.example.com"  # the template's PortalOrigin default, which the local stack uses
_AXE = Axe()
# Installed before the page's own script on every navigation: the page's CSP does not apply to it.
OBSERVE_LAYOUT_SHIFTS = """
window.__layoutShifts = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) window.__layoutShifts.push(entry.value);
}).observe({ type: "layout-shift", buffered: true });
"""


def assert_accessible(page: Page, screen: str) -> None:
    """axe-core finds nothing serious or critical on the screen as it is now."""
    results = _AXE.run(page).response
    serious = [
        f"{violation['id']} ({violation['impact']}): {[node['target'] for node in violation['nodes']]}"
        for violation in results["violations"]
        if violation["impact"] in SERIOUS
    ]
    assert not serious, f"{screen}: {serious}"


def layout_shift(page: Page) -> float:
    """How far the page's content has moved on its own since it loaded (CLS, input-caused shifts included)."""
    return float(page.evaluate("window.__layoutShifts.reduce((sum, value) => sum + value, 0)"))


def capture(page: Page, name: str, folder: Path) -> Path:
    """The page's card as `name`.png in `folder`, and in the documentation's folder when it is being refreshed."""
    path = folder / f"{name}.png"
    page.locator("main").screenshot(path=str(path), animations="disabled", caret="hide")
    if SCREENSHOTS:
        shutil.copyfile(path, ROOT / SCREENSHOTS / path.name)
    return path


def an_email(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:8]}@example.com"


def provision(stack: LocalStack, company: str, email: str, created_via: str = "sales") -> str:
    """Sales (or another back office) creates the account, which emails `email` an invitation: its account id."""
    answer = stack.post(
        "/v1/internal/accounts", {"company_name": company, "administrator_email": email, "created_via": created_via}
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["account_id"])


def mails_to(stack: LocalStack, email: str) -> list[dict[str, object]]:
    return [mail for mail in stack.inbox() if email in mail["to"]]


def assert_emails(stack: LocalStack, email: str, count: int) -> None:
    """Exactly `count` emails to `email`: so many have come (the outbox mails after the answer), and after a second
    (by which the outbox would have sent one more) there are no more."""
    stack.mail_to(email, count)
    time.sleep(1)
    assert len(mails_to(stack, email)) == count


def reported(stack: LocalStack, email: str, status: str, account_id: str) -> None:
    """Wait until SES's report on the invitation email to `email` (the local simulator's) has been recorded, as the
    internal account view shows it (public answers tell of a bounce at most, never of a complaint)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        account = stack.get(f"/v1/internal/accounts/{account_id}").json()
        found = [admin for admin in account["administrators"] if admin["email"] == email]
        delivery = (found[0].get("invitation") or {}).get("delivery") if found else None
        if (delivery or {}).get("status") == status:
            return
        time.sleep(0.5)
    raise AssertionError(f"no {status} report for {email}")


def open_newest_email(page: Page, stack: LocalStack, email: str, button: str, count: int = 1) -> None:
    """Inbox -> the newest email to `email`, once `count` have come (the outbox sends them after the answer) -> its
    `button` (the link that carries the token), as a person would click through."""
    mail = stack.mail_to(email, count)
    page.goto(f"{stack.api}/_local/inbox")
    page.locator(f'a[href="/_local/inbox/{mail["number"]}"]').click()
    page.get_by_role("link", name=button).click()


def open_newest_invitation(page: Page, stack: LocalStack, email: str, company: str, count: int = 1) -> None:
    """The newest invitation email to `email` (once `count` have come), and its Join button."""
    open_newest_email(page, stack, email, f"Join {company}", count)
