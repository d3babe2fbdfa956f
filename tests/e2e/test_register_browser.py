"""The knowledge-base article in a real browser (headless Chromium): a registration confirmed from its email; the
pending invitation, Join, the email, acceptance; and every other screen of the registration page, each checked with
axe-core."""

from __future__ import annotations

import re
import time
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from business_accounts.models.types import CreatedVia
from business_accounts.models.wording import WHY_THE_ACCOUNT_EXISTS
from tests.e2e.browsing import (
    PORTAL,
    an_email,
    assert_accessible,
    assert_emails,
    capture,
    layout_shift,
    needs_chromium,
    open_newest_email,
    open_newest_invitation,
    provision,
    reported,
)
from tests.e2e.conftest import PACED_COOLDOWN_SECONDS, LocalStack

pytestmark = needs_chromium
COMPANY = "ACME Ltd"
SPAM_ADVICE = (
    "Check your incoming emails for an invitation message. "
    "If you don't see the message, make sure to check your SPAM folder."
)
CONFIRM_HEADING = "Check your incoming emails to confirm your email address"
# en-GB, as the page writes English dates: once, in the browser's time zone (Berlin), its offset named.
WRITTEN = r"\d{1,2} [A-Z][a-z]+ \d{4} at \d\d:\d\d GMT\+1"


def register(page: Page, stack: LocalStack, email: str, company: str = COMPANY) -> None:
    """The form, filled in and sent as a person does: Create account."""
    page.goto(f"{stack.api}/register")
    page.get_by_label("Work email").fill(email)
    page.get_by_label("Company or organisation name").fill(company)
    page.get_by_role("button", name="Create account").click()


def registered_and_confirmed(stack: LocalStack, email: str, company: str) -> None:
    """A registration through the API, confirmed from its email: the address is the account's active administrator."""
    assert stack.post("/v1/accounts", {"email": email, "company_name": company}).status_code == 201
    accepted = stack.post("/v1/invitations/accept", {"token": stack.last_token(email)})
    assert accepted.status_code == 200, accepted.text


def expect_pending(page: Page, email: str, status: str = "pending") -> None:
    expect(page.get_by_role("heading", name=f"A business account for {COMPANY} already exists")).to_be_visible()
    expect(page).to_have_title(f"Join {COMPANY}")
    expect(
        page.get_by_text(f"It uses the same email address you specified on the registration form, {email}.")
    ).to_be_visible()
    valid, expired = (
        page.get_by_text("Your current invitation is valid until"),
        page.get_by_text("Your last invitation expired on"),
    )
    expect(valid if status == "pending" else expired).to_be_visible()
    expect(expired if status == "pending" else valid).to_be_hidden()


def test_register_browser_own_registration_is_confirmed_from_its_email_and_then_registered(
    page: Page, paced_stack: LocalStack, tmp_path: Path
) -> None:
    email, company = an_email("newcomer"), f"Newcomer {uuid.uuid4().hex[:6]} Ltd"

    register(page, paced_stack, email, company)

    expect(page.get_by_role("heading", name=CONFIRM_HEADING)).to_be_focused()
    expect(page).to_have_title("Confirm your email address")
    expect(
        page.get_by_text(
            f"We sent a confirmation message to {email}. If you don't see it, make sure to check your SPAM folder."
        )
    ).to_be_visible()
    expect(
        page.get_by_text(
            re.compile(rf"^Open the link in the message to finish registering {company}: .* until {WRITTEN}\.$")
        )
    ).to_be_visible()
    resend = page.get_by_role("button", name="Send the confirmation again")
    expect(resend).to_be_disabled()  # the address has just had an email: the page waits out the cooldown
    expect(page.get_by_text("You can ask again in").filter(visible=True)).to_be_visible()
    assert_accessible(page, "register: created, confirmation sent")
    capture(page, "register-created", tmp_path)
    expect(resend).to_be_enabled(timeout=PACED_COOLDOWN_SECONDS * 1000 + 1000)
    resend.click()
    expect(page.get_by_role("status")).to_have_text(
        "A new confirmation message is on its way, unless the address is confirmed already. "
        "Links in earlier messages no longer work."
    )
    expect(resend).to_be_disabled()
    assert layout_shift(page) == 0

    open_newest_email(page, paced_stack, email, "Confirm my email address", count=2)

    heading = f"Confirm your email address to finish registering {company}"
    expect(page.get_by_role("heading", name=heading)).to_be_focused()
    expect(page).to_have_title("Confirm your email address")
    expect(page.get_by_text(f"Confirming shows that {email} is your address")).to_be_visible()
    expect(page.get_by_text(re.compile(rf"^This link works until {WRITTEN}\.$"))).to_be_visible()
    expect(page.get_by_text("invited").filter(visible=True)).to_have_count(0)  # nobody invited them: they registered
    assert_accessible(page, "accept: confirmation")
    capture(page, "accept-confirm", tmp_path)
    page.get_by_role("button", name="Confirm my email address").click()
    expect(page.get_by_role("heading", name=f"Your business account for {company} is ready")).to_be_focused()
    expect(page).to_have_title("Your business account is ready")
    expect(page.get_by_text(f"{email} is confirmed, and you are the administrator")).to_be_visible()
    expect(page.get_by_role("link", name="Go to your business account")).to_have_attribute("href", PORTAL)
    assert_accessible(page, "accept: confirmed")
    capture(page, "accept-confirmed", tmp_path)

    register(page, paced_stack, email, company)
    expect(page.get_by_role("heading", name="You already have a business account")).to_be_visible()


def test_register_browser_second_registration_within_the_cooldown_waits_and_points_to_the_confirmation(
    page: Page, stack: LocalStack, tmp_path: Path
) -> None:
    email = an_email("twice")
    register(page, stack, email, "Twice Ltd")
    expect(page.get_by_role("heading", name=CONFIRM_HEADING)).to_be_visible()

    page.get_by_role("button", name="Use another email address").click()
    expect(page.get_by_label("Work email")).to_be_focused()
    page.get_by_role("button", name="Create account").click()  # the same address again, within the minute

    expect(page.get_by_role("heading", name="Please wait before asking again")).to_be_visible()
    expect(
        page.get_by_text("So that your inbox is not flooded, we send only a few emails to one address in a short time.")
    ).to_be_visible()
    expect(page.get_by_text("Meanwhile, check your incoming emails for our confirmation message")).to_be_visible()
    expect(page.get_by_text("for an invitation message").filter(visible=True)).to_have_count(0)
    expect(page.get_by_role("timer")).to_have_text(re.compile(r"^0:[0-5]\d$"))
    expect(page.get_by_role("button", name="Create account")).to_be_disabled()
    assert_accessible(page, "register: rate limited after a registration")
    capture(page, "register-rate-limited-registration", tmp_path)
    assert_emails(stack, email, 1)  # the first registration's confirmation only


def test_register_browser_sales_account_journey_from_registration_to_accepted_and_onward(
    page: Page, paced_stack: LocalStack, tmp_path: Path
) -> None:
    email = an_email("jane")
    provision(paced_stack, COMPANY, email, "sales")

    register(page, paced_stack, email)

    expect_pending(page, email)
    expect(page.get_by_text(WHY_THE_ACCOUNT_EXISTS[CreatedVia.SALES])).to_be_visible()
    expect(page.get_by_text(re.compile(rf"^Your current invitation is valid until {WRITTEN}\.$"))).to_be_visible()
    join = page.get_by_role("button", name=f"Join {COMPANY}")
    expect(join).to_be_enabled()  # sales' email spends the back office's budget, not the person's own
    assert_accessible(page, "register: pending")
    capture(page, "register-pending", tmp_path)
    join.click()
    expect(page.get_by_role("heading", name="A new invitation is on its way")).to_be_visible()
    expect(page).to_have_title("Check your incoming emails")
    expect(page.get_by_text(SPAM_ADVICE)).to_be_visible()
    expect(page.get_by_text(f"We sent it to {email}.")).to_be_visible()
    expect(page.get_by_text(re.compile(rf"^Its link works until {WRITTEN}\.$"))).to_be_visible()
    assert_accessible(page, "register: sent")
    capture(page, "register-sent", tmp_path)
    assert layout_shift(page) == 0

    open_newest_invitation(page, paced_stack, email, COMPANY, count=2)  # the provisioning email, then Join's
    expect(page.get_by_role("heading", name=f"Join {COMPANY}")).to_be_visible()
    page.get_by_role("button", name="Accept invitation").click()

    expect(page.get_by_role("heading", name=f"You are now an administrator of {COMPANY}")).to_be_visible()
    expect(page.get_by_role("link", name="Go to your business account")).to_have_attribute("href", PORTAL)


def test_register_browser_pending_screen_counts_down_before_join_when_an_email_just_went(
    page: Page, paced_stack: LocalStack, tmp_path: Path
) -> None:
    email = an_email("recent")
    provision(paced_stack, COMPANY, email)
    paced_stack.mail_to(email)  # (a resend before it left would supersede it, and the outbox would skip it)
    # "I did not get the email", from RAS: a fresh email to the address a moment ago.
    assert paced_stack.post("/v1/invitations/resend", {"email": email}).status_code == 202

    register(page, paced_stack, email)

    expect_pending(page, email)
    join = page.get_by_role("button", name=f"Join {COMPANY}")
    expect(join).to_be_disabled()
    # A press while it counts does nothing: pressed in the page only if still disabled, in one step (Playwright's
    # own click would wait for it to be enabled, and a forced one could land after the countdown on a slow machine).
    press_while_counting = "b => { const on = b.ariaDisabled === 'true'; if (on) b.click(); return on; }"
    assert join.evaluate(press_while_counting)
    expect(
        page.get_by_text("An invitation email went to this address a moment ago. You can ask for a new one in")
    ).to_be_visible()
    expect(page.get_by_role("timer")).to_have_text(re.compile(r"^0:0[0-3]$"))
    assert_accessible(page, "register: pending, counting down before Join")
    capture(page, "register-pending-countdown", tmp_path)
    expect(page.get_by_role("heading", name=f"A business account for {COMPANY} already exists")).to_be_visible()
    expect(join).to_be_enabled(timeout=PACED_COOLDOWN_SECONDS * 1000 + 1000)
    expect(page.get_by_role("status")).to_have_text("You can ask for a new invitation now.")
    join.click()
    expect(page.get_by_role("heading", name="A new invitation is on its way")).to_be_visible()
    assert_emails(paced_stack, email, 3)  # provisioning, resend, Join: no 429 on the way
    assert layout_shift(page) == 0


def test_register_browser_registered_email_is_told_how_to_sign_in_and_whom_to_ask(
    page: Page, stack: LocalStack, tmp_path: Path
) -> None:
    email = an_email("owner")
    registered_and_confirmed(stack, email, "Solo GmbH")

    register(page, stack, email)

    expect(page.get_by_role("heading", name="You already have a business account")).to_be_visible()
    expect(
        page.get_by_text(f"{email} is already an administrator of the business account of Solo GmbH.")
    ).to_be_visible()
    expect(page.get_by_role("link", name="Sign in")).to_have_attribute("href", PORTAL)
    expect(page.get_by_text("Ask another administrator of Solo GmbH, or contact our support team.")).to_be_visible()
    assert_accessible(page, "register: registered")
    capture(page, "register-registered", tmp_path)
    page.get_by_role("button", name="Use another email address").click()
    expect(page.get_by_label("Work email")).to_be_focused()


def test_register_browser_double_click_on_join_sends_one_email(page: Page, short_lived_stack: LocalStack) -> None:
    email = an_email("double")
    account_id = provision(short_lived_stack, COMPANY, email)  # no cooldown here: only the page can stop a 2nd
    register(page, short_lived_stack, email)
    expect(page.get_by_role("button", name=f"Join {COMPANY}")).to_be_visible()

    page.get_by_role("button", name=f"Join {COMPANY}").dblclick()

    expect(page.get_by_role("heading", name="A new invitation is on its way")).to_be_visible()
    assert_emails(short_lived_stack, email, 2)  # the provisioning email, then one from Join
    joins = [line for line in short_lived_stack.output if f"POST /v1/accounts/{account_id}/join ->" in line]
    assert len(joins) == 1, joins


def test_register_browser_rate_limited_join_counts_down_then_joins_and_asks_again(
    page: Page, paced_stack: LocalStack, tmp_path: Path
) -> None:
    email = an_email("eager")
    provision(paced_stack, COMPANY, email)
    register(page, paced_stack, email)
    join = page.get_by_role("button", name=f"Join {COMPANY}")
    expect(join).to_be_enabled()
    # "I did not get the email", from RAS, after the page showed: a fresh email starts a fresh cooldown.
    assert paced_stack.post("/v1/invitations/resend", {"email": email}).status_code == 202

    join.click()

    expect(page.get_by_role("heading", name="Please wait before asking again")).to_be_visible()
    expect(page).to_have_title("Please wait before asking again")
    timer = page.get_by_role("timer")
    expect(timer).to_have_text(re.compile(r"^0:0[1-3]$"))
    expect(join).to_be_disabled()
    assert_accessible(page, "register: rate limited")
    capture(page, "register-rate-limited", tmp_path)
    first = timer.inner_text()
    expect(timer).not_to_have_text(first, timeout=2500)  # it counts down, once a second
    expect(join).to_be_enabled(timeout=PACED_COOLDOWN_SECONDS * 1000 + 1000)
    expect(page.get_by_role("status")).to_have_text("You can try again now.")
    join.click()
    expect(page.get_by_role("heading", name="A new invitation is on its way")).to_be_visible()
    ask_again = page.get_by_role("button", name="Send the invitation again")
    expect(ask_again).to_be_disabled()  # the cooldown the page knows, without asking the API first
    expect(page.get_by_text("You can ask again in").filter(visible=True)).to_be_visible()
    expect(ask_again).to_be_enabled(timeout=PACED_COOLDOWN_SECONDS * 1000 + 1000)
    ask_again.click()
    expect(page.get_by_role("status")).to_have_text(
        "A new invitation email is on its way. Links in earlier emails no longer work."
    )
    assert_emails(paced_stack, email, 4)  # provisioning, resend, Join, Join again
    assert layout_shift(page) == 0


def test_register_browser_field_errors_sit_next_to_their_fields_and_focus_the_first(
    page: Page, stack: LocalStack, tmp_path: Path
) -> None:
    page.goto(f"{stack.api}/register")
    page.get_by_label("Work email").fill("not an email")

    page.get_by_role("button", name="Create account").click()

    email, company = page.get_by_label("Work email"), page.get_by_label("Company or organisation name")
    expect(email).to_have_accessible_description(re.compile("Enter a valid email address."))
    expect(company).to_have_accessible_description("Enter 1 to 200 characters.")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(company).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Last name (optional)")).not_to_have_attribute("aria-invalid", "true")
    expect(email).to_be_focused()
    expect(page.get_by_role("status")).to_have_text("Check the fields marked with an error.")
    assert layout_shift(page) == 0, "an error appears in the line kept for it"
    assert_accessible(page, "register: field errors")
    capture(page, "register-errors", tmp_path)
    page.emulate_media(color_scheme="dark")
    assert_accessible(page, "register: field errors, dark")
    page.emulate_media(color_scheme="light")

    email.fill(an_email("new"))
    company.fill("Fresh Start Ltd")
    page.get_by_label("Country (optional)").select_option(label="Germany")
    page.get_by_role("button", name="Create account").click()

    expect(page.get_by_role("heading", name=CONFIRM_HEADING)).to_be_visible()


def test_register_browser_prefills_only_the_email_from_the_fragment(
    page: Page, stack: LocalStack, tmp_path: Path
) -> None:
    page.goto(f"{stack.api}/register#email=%20jane%2Bras%40example.com%20&company_name=Evil&country=KP")

    expect(page.get_by_label("Work email")).to_have_value("jane+ras@example.com")
    expect(page.get_by_label("Company or organisation name")).to_have_value("")
    expect(page.get_by_label("Country (optional)")).to_have_value("")
    expect(page).to_have_title("Create a business account")
    assert_accessible(page, "register: form")
    capture(page, "register-form", tmp_path)
    page.goto(f"{stack.api}/register#email=%3Cimg%20src%3Dx%3E%40example.com")  # a new fragment, same tab
    expect(page.get_by_label("Work email")).to_have_value("<img src=x>@example.com")  # a value, never markup


@pytest.mark.parametrize(
    ("fragment", "email"),
    [
        ("email=bounce+demo@simulator.amazonses.com", "bounce+demo@simulator.amazonses.com"),  # docs/local.md's
        ("email=100%25+off@example.com", "100%+off@example.com"),
        ("email=100%+off@example.com", "100%+off@example.com"),  # a % that starts no escape stays
        ("email=j%C3%B6rg@b%C3%BCcher.example", "jörg@bücher.example"),
        ("email=jörg@bücher.example", "jörg@bücher.example"),  # as typed: the browser escapes it, the page decodes
    ],
)
def test_register_browser_prefill_keeps_every_character_of_the_address(
    page: Page, stack: LocalStack, fragment: str, email: str
) -> None:
    page.goto(f"{stack.api}/register#{fragment}")

    expect(page.get_by_label("Work email")).to_have_value(email)


def test_register_browser_prefilled_plus_address_registers_as_it_is(page: Page, stack: LocalStack) -> None:
    email = f"bounce+demo-{uuid.uuid4().hex[:6]}@simulator.amazonses.com"
    page.goto(f"{stack.api}/register#email={email}")
    page.get_by_label("Company or organisation name").fill("Simulated Ltd")

    page.get_by_role("button", name="Create account").click()

    expect(page.get_by_role("heading", name=CONFIRM_HEADING)).to_be_visible()
    expect(page.get_by_text(f"We sent a confirmation message to {email}.")).to_be_visible()
    stack.mail_to(email)


def test_register_browser_expired_invitation_is_shown_as_expired_and_join_still_works(
    page: Page, short_lived_stack: LocalStack, tmp_path: Path
) -> None:
    email = an_email("late")
    provision(short_lived_stack, COMPANY, email, "upgrade_insurance")
    time.sleep(2.5)  # let the two-second invitation expire (the local stack runs on the real clock)

    register(page, short_lived_stack, email)

    expect_pending(page, email, status="expired")
    expect(page.get_by_text(WHY_THE_ACCOUNT_EXISTS[CreatedVia.UPGRADE_INSURANCE])).to_be_visible()
    assert_accessible(page, "register: pending, expired")
    capture(page, "register-pending-expired", tmp_path)
    page.get_by_role("button", name=f"Join {COMPANY}").click()
    expect(page.get_by_role("heading", name="A new invitation is on its way")).to_be_visible()
    assert_emails(short_lived_stack, email, 2)


def test_register_browser_service_unavailable_says_nothing_changed_and_tries_again(
    page: Page, stack: LocalStack, tmp_path: Path
) -> None:
    answers = iter(["unavailable", "no answer"])

    def fail_twice(route: Route) -> None:
        failure = next(answers, None)
        if failure == "unavailable":
            route.fulfill(
                status=503,
                headers={"Retry-After": "3"},
                json={"code": "SERVICE_UNAVAILABLE", "message": "The service is busy. Try again shortly."},
            )
        elif failure == "no answer":
            route.abort("connectionrefused")
        else:
            route.continue_()

    page.route("**/v1/accounts", fail_twice)
    register(page, stack, an_email("patient"), "Patient Ltd")

    expect(page.get_by_role("heading", name="The service is not available right now")).to_be_visible()
    expect(page.get_by_text("The service is busy.")).to_be_visible()
    expect(page.get_by_text("Nothing was changed. Try again in a moment.")).to_be_visible()
    try_again = page.get_by_role("button", name="Try again")
    expect(try_again).to_be_disabled()  # Retry-After: 3
    assert_accessible(page, "register: unavailable")
    capture(page, "register-unavailable", tmp_path)
    try_again.click()  # once enabled: this time there is no answer at all
    expect(page.get_by_text("The service did not answer. Check your internet connection.")).to_be_visible()
    try_again.click()
    expect(page.get_by_role("heading", name=CONFIRM_HEADING)).to_be_visible()


def test_register_browser_registration_still_in_progress_is_asked_again_with_its_idempotency_key(
    page: Page, stack: LocalStack
) -> None:
    keys: list[str | None] = []

    def in_progress_once(route: Route) -> None:
        keys.append(route.request.headers.get("idempotency-key"))
        if len(keys) == 1:
            route.fulfill(
                status=409, json={"code": "REQUEST_IN_PROGRESS", "message": "This request is still in progress."}
            )
        else:
            route.continue_()

    page.route("**/v1/accounts", in_progress_once)
    register(page, stack, an_email("eager"), "Eager Ltd")
    expect(page.get_by_text("Your account is still being created. Try again in a moment.")).to_be_visible()
    page.get_by_role("button", name="Create account").click()

    expect(page.get_by_role("heading", name=CONFIRM_HEADING)).to_be_visible()
    first, again = keys
    assert first
    assert again == first  # the same registration, not a second one that would find the first


def test_register_browser_keyboard_alone_completes_the_journey(page: Page, paced_stack: LocalStack) -> None:
    email = an_email("keys")
    provision(paced_stack, COMPANY, email, "other_product")
    page.goto(f"{paced_stack.api}/register")

    page.keyboard.press("Tab")
    expect(page.get_by_label("Language")).to_be_focused()  # the switcher comes first, at the top of the page
    page.keyboard.press("Tab")
    expect(page.get_by_label("Work email")).to_be_focused()
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(COMPANY)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=f"A business account for {COMPANY} already exists")).to_be_focused()
    page.keyboard.press("Tab")
    join = page.get_by_role("button", name=f"Join {COMPANY}")
    expect(join).to_be_focused()
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid", "focus is visible"
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="A new invitation is on its way")).to_be_focused()

    page.goto(f"{paced_stack.api}/invitations/accept#token={paced_stack.last_token(email, count=2)}")
    expect(page.get_by_role("heading", name=f"Join {COMPANY}")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Accept invitation")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=f"You are now an administrator of {COMPANY}")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Go to your business account")).to_be_focused()


def test_register_browser_fits_a_320_px_screen_without_sideways_scrolling(
    page: Page, stack: LocalStack, tmp_path: Path
) -> None:
    page.set_viewport_size({"width": 320, "height": 900})
    email = an_email("narrow")
    provision(stack, "A Company With A Rather Long Name International Holdings Ltd", email, "reseller")

    page.goto(f"{stack.api}/register")

    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert_accessible(page, "register: form at 320 px")
    capture(page, "register-320", tmp_path)
    register(page, stack, email, "Whatever")
    expect(page.get_by_role("button", name=re.compile("^Join A Company With"))).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert_accessible(page, "register: pending at 320 px")
    capture(page, "register-pending-320", tmp_path)


def test_register_browser_without_javascript_says_it_is_needed(browser: Browser, stack: LocalStack) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()

    page.goto(f"{stack.api}/register")

    expect(page.get_by_role("heading", name="This page needs JavaScript")).to_be_visible()
    expect(page.get_by_label("Work email")).to_be_hidden()
    context.close()


REPORTED_AT = WRITTEN


def test_register_browser_bounced_invitation_says_so_instead_of_the_spam_advice(
    page: Page, short_lived_stack: LocalStack, tmp_path: Path
) -> None:
    email = f"bounce+{an_email('page').split('@')[0]}@simulator.amazonses.com"
    account_id = provision(short_lived_stack, COMPANY, email)
    reported(short_lived_stack, email, "bounced", account_id)

    register(page, short_lived_stack, email)

    expect_pending(page, email, status="expired")  # this stack's invitations last two seconds
    bounced = page.get_by_text(re.compile(rf"^Our invitation email to this address bounced on {REPORTED_AT}: check"))
    expect(bounced).to_be_visible()
    expect(page.get_by_text("Check your incoming emails for the invitation message", exact=False)).to_be_hidden()
    assert_accessible(page, "register: pending, bounced")
    capture(page, "register-pending-bounced", tmp_path)
    page.get_by_role("button", name=f"Join {COMPANY}").click()
    expect(page.get_by_role("heading", name="A new invitation is on its way")).to_be_visible()
    expect(
        page.get_by_text(re.compile(rf"^Our previous invitation email to this address bounced on {REPORTED_AT}"))
    ).to_be_visible()
    expect(page.get_by_text(SPAM_ADVICE)).to_be_hidden()
    assert_accessible(page, "register: sent, after a bounce")
    capture(page, "register-sent-after-bounce", tmp_path)
    assert layout_shift(page) == 0


def test_register_browser_rejected_invitation_says_so_instead_of_the_spam_advice(page: Page, stack: LocalStack) -> None:
    # SES rejects an email it will not send (a virus, say); the local simulator has no such address, so the API's
    # answers are the documented ones, given by the test.
    email, account_id = an_email("rejected"), "acc_01JDZ3K4Q6W8X9Y2Z3A4B5C6D7"
    at, expires_at = "2026-12-01T09:30:00.000Z", "2026-12-08T09:30:00Z"
    pending = {
        "code": "PENDING_INVITATION",
        "message": "A business account for your company already exists.",
        "account": {"account_id": account_id, "company_name": COMPANY, "created_via": "sales"},
        "invitation": {"status": "pending", "expires_at": expires_at, "delivery": {"status": "rejected", "at": at}},
    }
    page.route("**/v1/accounts", lambda route: route.fulfill(status=409, json=pending))
    page.route(
        f"**/v1/accounts/{account_id}/join",
        lambda route: route.fulfill(
            status=202, json={"status": "invitation_sent", "email": email, "expires_at": expires_at}
        ),
    )

    register(page, stack, email)

    expect_pending(page, email)
    expect(
        page.get_by_text(re.compile(rf"^Our invitation email to this address could not be delivered on {REPORTED_AT}"))
    ).to_be_visible()
    expect(page.get_by_text("Check your incoming emails for the invitation message", exact=False)).to_be_hidden()
    page.get_by_role("button", name=f"Join {COMPANY}").click()
    expect(page.get_by_role("heading", name="A new invitation is on its way")).to_be_visible()
    expect(
        page.get_by_text(
            re.compile(rf"^Our previous invitation email to this address could not be delivered on {REPORTED_AT}")
        )
    ).to_be_visible()
    expect(page.get_by_text(SPAM_ADVICE)).to_be_hidden()
    assert_accessible(page, "register: sent, after a rejection")


def test_register_browser_bounced_confirmation_says_so_on_the_created_screen_without_moving_focus(
    page: Page, stack: LocalStack, tmp_path: Path
) -> None:
    email = f"bounce+{an_email('confirm').split('@')[0]}@simulator.amazonses.com"

    register(page, stack, email)
    heading = page.get_by_role("heading", name=CONFIRM_HEADING)
    expect(heading).to_be_visible()

    # SES's report comes a few seconds after the email; the screen asks after 3, 9, 21 ... seconds.
    notice = rf"^Our confirmation message to {re.escape(email)} bounced on {REPORTED_AT}: check the address"
    expect(page.locator("section[data-screen=created] .delivery-notice").filter(visible=True)).to_have_text(
        re.compile(notice), timeout=30_000
    )
    # Heard once through the page's live region, and seen once, where it belongs.
    expect(page.get_by_role("status")).to_have_text(re.compile(notice))
    box = page.get_by_role("status").bounding_box()
    assert box is not None
    assert box["width"] <= 1, box
    expect(page.get_by_text(f"We sent a confirmation message to {email}.")).to_be_hidden()  # and its SPAM advice
    expect(heading).to_be_focused()
    assert_accessible(page, "register: created, confirmation bounced")
    capture(page, "register-created-bounced", tmp_path)


def test_register_browser_suppressed_address_offers_another_address_not_join(
    page: Page, short_lived_stack: LocalStack, tmp_path: Path
) -> None:
    email = f"complaint+{an_email('page').split('@')[0]}@simulator.amazonses.com"
    account_id = provision(short_lived_stack, COMPANY, email)
    reported(short_lived_stack, email, "complained", account_id)

    register(page, short_lived_stack, email)

    expect_pending(page, email, status="expired")  # this stack's invitations last two seconds
    # A public answer tells nobody of a complaint.
    expect(page.get_by_text("marked as spam").filter(visible=True)).to_have_count(0)
    page.get_by_role("button", name=f"Join {COMPANY}").click()

    expect(page.get_by_role("heading", name="Invitation emails to this address are stopped")).to_be_focused()
    expect(page).to_have_title("Invitation emails to this address are stopped")
    expect(
        page.get_by_text(
            f"One of our invitation emails to {email} was marked as spam. To join {COMPANY}, ask your company's "
            "administrator or our support team to lift the stop, or register with another email address."
        )
    ).to_be_visible()
    expect(page.get_by_role("button", name=f"Join {COMPANY}")).to_be_hidden()
    other = page.get_by_role("button", name="Use another email address")
    expect(other).not_to_have_class(re.compile("secondary"))  # the main action: the one that can help
    assert_accessible(page, "register: suppressed")
    capture(page, "register-suppressed", tmp_path)
    assert_emails(short_lived_stack, email, 1)  # nothing more was sent
    other.click()
    expect(page.get_by_label("Work email")).to_be_focused()
