"""A person in a real browser (headless Chromium): from the local inbox to an accepted, or renewed, invitation."""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.e2e.conftest import LocalStack, start_stack, stop_stack

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="needs Debian's chromium (`make browser` installs it; .ci/run does)"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    opened = context.new_page()
    yield opened
    context.close()


def provision(stack: LocalStack, company: str) -> str:
    email = f"person-{uuid.uuid4().hex[:8]}@example.com"
    answer = stack.post(
        "/v1/internal/accounts", {"company_name": company, "administrator_email": email, "created_via": "reseller"}
    )
    assert answer.status_code == 201, answer.text
    return email


def open_newest_invitation(page: Page, stack: LocalStack, company: str) -> None:
    """Inbox -> the newest email -> its Join button, as a person would click through."""
    page.goto(f"{stack.api}/_local/inbox")
    page.get_by_role("link", name=f"You are invited to administer the {company} business account").first.click()
    page.get_by_role("link", name=f"Join {company}").click()


def test_browser_invitation_from_the_inbox_is_accepted(page: Page, stack: LocalStack) -> None:
    company = f"ACME <b>{uuid.uuid4().hex[:6]}</b> & Sons"
    email = provision(stack, company)

    open_newest_invitation(page, stack, company)

    expect(page.get_by_role("heading", name=f"Join {company}")).to_be_visible()
    expect(page.get_by_text(email).first).to_be_visible()
    page.get_by_role("button", name="Accept invitation").click()
    expect(page.get_by_role("heading", name=f"You are now an administrator of {company}")).to_be_visible()
    page.reload()  # the link has done its work
    expect(page.get_by_role("heading", name="This invitation has already been accepted")).to_be_visible()


@pytest.fixture(scope="module")
def short_lived_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """Invitations that expire in two seconds, and no cooldown, so renewing can be tried at once."""
    overrides = {"Parameters": {"INVITATION_TTL_SECONDS": "2", "INVITE_COOLDOWN_SECONDS": "0"}}
    started = start_stack(tmp_path_factory.mktemp("short"), overrides)
    yield started
    stop_stack(started)


def test_browser_expired_link_offers_a_new_invitation_that_works(
    page: Page, short_lived_stack: LocalStack, tmp_path: Path
) -> None:
    company = f"Expired {uuid.uuid4().hex[:6]} Ltd"
    email = provision(short_lived_stack, company)
    time.sleep(2.5)  # let the two-second invitation expire (the local stack runs on the real clock)

    open_newest_invitation(page, short_lived_stack, company)

    expect(page.get_by_role("heading", name="This invitation has expired")).to_be_visible()
    page.get_by_role("button", name="Send me a new invitation").click()
    expect(page.get_by_role("heading", name="A new invitation is on its way")).to_be_visible()
    mails_to_person = [mail for mail in short_lived_stack.inbox() if email in mail["to"]]
    assert len(mails_to_person) == 2
    page.screenshot(path=str(tmp_path / "renewed.png"))
