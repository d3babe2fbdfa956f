"""A person in a real browser (headless Chromium): from the local inbox to an accepted, or renewed, invitation."""

from __future__ import annotations

import re
import shutil
import time
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browsing import (
    PORTAL,
    SCREENSHOTS,
    an_email,
    assert_accessible,
    assert_emails,
    capture,
    needs_chromium,
    open_newest_invitation,
    provision,
    reported,
)
from tests.e2e.conftest import LocalStack
from tools.functions import ROOT

pytestmark = needs_chromium


def test_browser_invitation_from_the_inbox_is_accepted(page: Page, stack: LocalStack, tmp_path: Path) -> None:
    company = f"ACME <b>{uuid.uuid4().hex[:6]}</b> & Sons"
    email = an_email("person")
    provision(stack, company, email, "reseller")

    open_newest_invitation(page, stack, email, company)

    expect(page.get_by_role("heading", name=f"Join {company}")).to_be_visible()
    expect(page.get_by_text(email).first).to_be_visible()
    expect(page).to_have_title(f"Join {company}")
    # Its expiry, written once: en-GB, in the browser's time zone (Berlin), its offset named.
    expect(page.locator("time")).to_have_text(re.compile(r"^\d{1,2} [A-Z][a-z]+ \d{4} at \d\d:\d\d GMT\+1$"))
    assert_accessible(page, "accept: pending")
    capture(page, "accept-pending", tmp_path)
    page.get_by_role("button", name="Accept invitation").click()
    expect(page.get_by_role("heading", name=f"You are now an administrator of {company}")).to_be_visible()
    expect(page.get_by_role("link", name="Go to your business account")).to_have_attribute("href", PORTAL)
    assert_accessible(page, "accept: accepted")
    capture(page, "accept-accepted", tmp_path)
    page.reload()  # the link has done its work
    expect(page.get_by_role("heading", name="This link has already been used")).to_be_visible()
    expect(page).to_have_title("This link has already been used")
    assert_accessible(page, "accept: already accepted")


def test_browser_expired_link_offers_a_new_invitation_that_works(
    page: Page, short_lived_stack: LocalStack, tmp_path: Path
) -> None:
    company = f"Expired {uuid.uuid4().hex[:6]} Ltd"
    email = an_email("person")
    provision(short_lived_stack, company, email, "reseller")
    time.sleep(2.5)  # let the two-second invitation expire (the local stack runs on the real clock)

    open_newest_invitation(page, short_lived_stack, email, company)

    expect(page.get_by_role("heading", name="This link has expired")).to_be_visible()
    assert_accessible(page, "accept: expired")
    capture(page, "accept-expired", tmp_path)
    page.get_by_role("button", name="Send me a new link").click()
    expect(page.get_by_role("heading", name="A new email is on its way")).to_be_visible()
    assert_emails(short_lived_stack, email, 2)
    assert_accessible(page, "accept: renewed")
    capture(page, "accept-renewed", tmp_path)


def test_browser_expired_link_to_a_complained_address_says_that_no_more_invitations_go_to_it(
    page: Page, short_lived_stack: LocalStack
) -> None:
    company = f"Complained {uuid.uuid4().hex[:6]} Ltd"
    email = f"complaint+{an_email('accept').split('@')[0]}@simulator.amazonses.com"
    account_id = provision(short_lived_stack, company, email, "reseller")
    reported(short_lived_stack, email, "complained", account_id)
    time.sleep(2.5)  # let the two-second invitation expire

    open_newest_invitation(page, short_lived_stack, email, company)
    renew = page.get_by_role("button", name="Send me a new link")
    renew.click()

    expect(page.get_by_role("status")).to_have_text(
        "Emails to this address are stopped because one of ours was marked as spam. "
        "Ask your company's administrator or our support team to lift this."
    )
    expect(page.get_by_role("heading", name="This link has expired")).to_be_visible()
    expect(renew).to_be_disabled()  # asking again cannot help: the words say who can
    assert_accessible(page, "accept: renew refused, complained")
    assert_emails(short_lived_stack, email, 1)  # nothing more was sent


def test_browser_replaced_confirmation_says_no_new_email_can_bring_it_back_and_to_register_again(
    page: Page, short_lived_stack: LocalStack
) -> None:
    email = an_email("registrant")
    numbers = []
    for count, company in enumerate(("Totally ACME", "ACME"), start=1):  # the address registered again: it replaces
        answer = short_lived_stack.post("/v1/accounts", {"email": email, "company_name": f"{company} {count}"})
        assert answer.status_code == 201, answer.text
        numbers.append(short_lived_stack.mail_to(email, count)["number"])

    page.goto(f"{short_lived_stack.api}/_local/inbox/{numbers[0]}")
    page.get_by_role("link", name="Confirm my email address").click()
    expect(page.get_by_role("heading", name="This link was replaced by a newer one")).to_be_visible()
    page.get_by_role("button", name="Send me a new link").click()

    expect(page.get_by_role("status")).to_have_text(
        "No new email was sent: the registration this link confirmed is no longer waiting. "
        "Register again where you started, and you will get a new email."
    )
    assert_accessible(page, "accept: renew of a replaced confirmation")
    assert_emails(short_lived_stack, email, 2)


@pytest.mark.parametrize("locale", ["en", "de", "ja"])
def test_browser_invitation_email_fits_a_phone_and_keeps_a_desktop_line_short(
    page: Page, stack: LocalStack, tmp_path: Path, locale: str
) -> None:
    company = f"Internationalisierungsgesellschaft {uuid.uuid4().hex[:6]} GmbH"
    email = an_email(f"email-{locale}")
    answer = stack.post(
        "/v1/internal/accounts",
        {"company_name": company, "administrator_email": email, "created_via": "sales", "locale": locale},
    )
    assert answer.status_code == 201, answer.text
    number = stack.mail_to(email)["number"]

    for width, name in ((360, "phone"), (1280, "desktop")):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{stack.api}/_local/inbox/{number}")
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        text_width = page.evaluate("Math.max(...[...document.querySelectorAll('p')].map(p => p.offsetWidth))")
        assert scroll_width <= width, f"{locale} at {width} px: the email is {scroll_width} px wide"
        assert text_width <= 600, f"{locale} at {width} px: its lines run {text_width} px"
        expect(page.locator("a[href*='#token=']").first).to_be_visible()  # the button, in the email's language
        if locale == "en":
            shot = tmp_path / f"email-{name}.png"
            page.screenshot(path=str(shot), full_page=True, animations="disabled")
            if SCREENSHOTS:
                shutil.copyfile(shot, ROOT / SCREENSHOTS / shot.name)
