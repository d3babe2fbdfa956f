"""The pages in other languages, in a real browser (headless Chromium): the accept page speaks the invitation's
language (Japanese, German), the registration page the browser's, and the switcher changes either at once."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.browsing import OBSERVE_LAYOUT_SHIFTS, an_email, assert_accessible, capture, needs_chromium
from tests.e2e.conftest import LocalStack

pytestmark = needs_chromium


@pytest.fixture
def german_page(browser: Browser) -> Iterator[Page]:
    """A tab of a browser set to German (Zurich), failing its test on any script error or CSP violation."""
    context = browser.new_context(viewport={"width": 800, "height": 900}, locale="de-CH", timezone_id="Europe/Zurich")
    context.add_init_script(OBSERVE_LAYOUT_SHIFTS)
    opened = context.new_page()
    problems: list[str] = []
    opened.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    opened.on("console", lambda message: problems.append(message.text) if "Security Policy" in message.text else None)
    yield opened
    context.close()
    assert not problems, problems


def provision(stack: LocalStack, company: str, email: str, **extra: str) -> None:
    body = {"company_name": company, "administrator_email": email, "created_via": "reseller", **extra}
    assert stack.post("/v1/internal/accounts", body).status_code == 201


def test_browser_accept_page_speaks_the_invitation_s_japanese_in_an_english_browser(
    page: Page, stack: LocalStack, tmp_path: Path
) -> None:
    company = f"ACME {uuid.uuid4().hex[:6]}"
    email = an_email("hanako")
    provision(stack, company, email, locale="ja")

    page.goto(f"{stack.api}/invitations/accept#token={stack.last_token(email)}")

    expect(page.get_by_role("heading", name=f"{company} に参加")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page).to_have_title(f"{company} に参加")
    expect(page.get_by_label("言語")).to_have_value("ja")
    expect(page.get_by_text("このアカウントは、販売代理店を通じて")).to_be_visible()
    # Its expiry, written once: as Japanese writes it, in the browser's time zone (Berlin), its offset named.
    expect(page.locator("time")).to_have_text(re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日 \d{1,2}:\d\d GMT\+1$"))
    assert_accessible(page, "accept in Japanese: pending")
    capture(page, "accept-pending-ja", tmp_path)
    page.get_by_role("button", name="招待を承諾").click()
    expect(page.get_by_role("heading", name=f"{company} の管理者になりました")).to_be_visible()
    assert_accessible(page, "accept in Japanese: accepted")


def test_browser_accept_page_in_german_switches_to_english_and_back_on_request(
    german_page: Page, stack: LocalStack, tmp_path: Path
) -> None:
    page = german_page
    company = f"Müller {uuid.uuid4().hex[:6]} GmbH"
    email = an_email("anna")
    provision(stack, company, email, locale="de")
    german = f"{company} beitreten"

    page.goto(f"{stack.api}/invitations/accept#token={stack.last_token(email)}")

    expect(page.get_by_role("heading", name=german)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.locator("time")).to_have_text(re.compile(r"^\d+\. \w+ \d{4} um \d\d:\d\d GMT\+1$"))
    assert_accessible(page, "accept in German: pending")
    capture(page, "accept-pending-de", tmp_path)
    page.get_by_label("Sprache").select_option("en")
    expect(page.get_by_role("heading", name=f"Join {company}")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_title(f"Join {company}")
    expect(page.get_by_role("button", name="Accept invitation")).to_be_visible()
    page.get_by_label("Language").select_option("de")
    expect(page.get_by_role("heading", name=german)).to_be_visible()
    page.get_by_role("button", name="Einladung annehmen").click()
    expect(page.get_by_role("heading", name=f"Sie sind jetzt Administrator von {company}")).to_be_visible()
    assert_accessible(page, "accept in German: accepted")


def test_browser_register_page_switches_language_and_joins_in_it(
    page: Page, short_lived_stack: LocalStack, tmp_path: Path
) -> None:
    company = f"Rossi {uuid.uuid4().hex[:6]} Srl"
    email = an_email("giulia")
    provision(short_lived_stack, company, email)  # in English: no locale, no Accept-Language
    page.goto(f"{short_lived_stack.api}/register")
    expect(page.get_by_role("heading", name="Create a business account")).to_be_visible()

    page.get_by_label("Language").select_option("it")

    expect(page.get_by_role("heading", name="Crea un account aziendale")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "it")
    expect(page).to_have_title("Crea un account aziendale")
    expect(page.get_by_label("Paese (facoltativo)")).to_contain_text("Germania")  # country names too
    assert_accessible(page, "register in Italian: form")
    page.get_by_label("Email di lavoro").fill(email)
    page.get_by_label("Nome dell\u2019azienda o dell\u2019organizzazione").fill(company)
    page.get_by_role("button", name="Crea account").click()
    expect(page.get_by_role("heading", name=f"Esiste già un account aziendale per {company}")).to_be_visible()
    expect(page.get_by_text("Questo account è stato creato per la tua azienda")).to_be_visible()
    assert_accessible(page, "register in Italian: pending")
    capture(page, "register-pending-it", tmp_path)
    page.get_by_role("button", name=f"Unisciti a {company}").click()
    expect(page.get_by_role("heading", name="Un nuovo invito è in arrivo")).to_be_visible()
    spam_advice = (  # the article's advice, in Italian
        "Controlla la posta in arrivo per trovare un\u2019email di invito. "
        "Se non la vedi, controlla anche la cartella della posta indesiderata (SPAM)."
    )
    expect(page.get_by_text(spam_advice, exact=True)).to_be_visible()
    newest = short_lived_stack.mail_to(email, count=2)  # the provisioning email, then Join's
    assert newest["subject"] == f"Sei stato invitato ad amministrare l\u2019account aziendale di {company}"
    page.get_by_label("Lingua").select_option("ja")
    expect(page.get_by_role("heading", name="新しい招待を送信しました")).to_be_visible()
    expect(page).to_have_title("受信メールをご確認ください")
    expect(page.get_by_text(f"{email} に送信しました。")).to_be_visible()
    until = page.get_by_text(re.compile(r"^リンクの有効期限は .+です。$"))
    expect(until).to_be_visible()
    assert " です" not in until.inner_text()  # no space before です
    assert_accessible(page, "register in Japanese: sent")


def test_browser_register_page_speaks_the_browser_s_language_at_once(german_page: Page, stack: LocalStack) -> None:
    german_page.goto(f"{stack.api}/register")

    expect(german_page.get_by_role("heading", name="Geschäftskonto anlegen")).to_be_visible()
    expect(german_page.get_by_label("Sprache")).to_have_value("de")
    expect(german_page.get_by_label("Geschäftliche E-Mail-Adresse")).to_be_visible()
    assert_accessible(german_page, "register in German: form")


def test_browser_registration_in_german_is_confirmed_in_german_from_page_to_email_to_accept_page(
    german_page: Page, stack: LocalStack, tmp_path: Path
) -> None:
    page = german_page
    company = f"Schmidt {uuid.uuid4().hex[:6]} AG"
    email = an_email("lena")
    page.goto(f"{stack.api}/register")
    page.get_by_label("Geschäftliche E-Mail-Adresse").fill(email)
    page.get_by_label("Name des Unternehmens oder der Organisation").fill(company)

    page.get_by_role("button", name="Konto anlegen").click()

    expect(
        page.get_by_role("heading", name="Prüfen Sie Ihren Posteingang, um Ihre E-Mail-Adresse zu bestätigen")
    ).to_be_visible()
    expect(page).to_have_title("Bestätigen Sie Ihre E-Mail-Adresse")
    expect(page.get_by_text(f"Wir haben eine Bestätigungsnachricht an {email} gesendet.")).to_be_visible()
    expect(
        page.get_by_text(re.compile(r"Der Link ist bis \d+\. \w+ \d{4} um \d\d:\d\d GMT\+1 gültig\.$"))
    ).to_be_visible()
    assert_accessible(page, "register in German: created")
    capture(page, "register-created-de", tmp_path)
    mail = stack.mail_to(email)
    assert mail["subject"] == f"Bestätigen Sie Ihre E-Mail-Adresse, um die Registrierung von {company} abzuschließen"

    page.goto(f"{stack.api}/invitations/accept#token={stack.last_token(email)}")

    heading = f"Bestätigen Sie Ihre E-Mail-Adresse, um die Registrierung von {company} abzuschließen"
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    expect(page).to_have_title("Bestätigen Sie Ihre E-Mail-Adresse")
    assert_accessible(page, "accept in German: confirmation")
    page.get_by_role("button", name="Meine E-Mail-Adresse bestätigen").click()
    expect(page.get_by_role("heading", name=f"Ihr Geschäftskonto für {company} ist bereit")).to_be_visible()
    page.get_by_label("Sprache").select_option("en")  # the confirmed screen, said again in English
    expect(page.get_by_role("heading", name=f"Your business account for {company} is ready")).to_be_visible()
    expect(page).to_have_title("Your business account is ready")
