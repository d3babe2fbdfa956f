"""The local stack as a person runs it (`python -m local`), on free ports, for tests over real HTTP; and a real
browser (Debian's Chromium, driven by Playwright) to open its pages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from local.launch import LocalStack, free_port, group_ends, launch, start_stack, stop_stack
from tests.e2e.browsing import CHROMIUM, OBSERVE_LAYOUT_SHIFTS

__all__ = ["LocalStack", "free_port", "group_ends", "launch", "start_stack", "stop_stack"]


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    started = start_stack(tmp_path_factory.mktemp("stack"))
    yield started
    stop_stack(started)


# Seconds between two invitation emails to one address on the paced stack: long enough to see, short to wait out.
PACED_COOLDOWN_SECONDS = 3
# The changes a provisioning, a join and an accept write on the account's timeline, in order (SPEC's done-when of
# the timeline; SES's reports, `invitation.delivery`, come in between).
PROVISIONED_JOINED_ACCEPTED = [
    "account.created",
    "invitation.sent",
    "invitation.superseded",
    "invitation.sent",
    "invitation.accepted",
]


@pytest.fixture(scope="session")
def short_lived_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """Invitations that expire in two seconds, and no cooldown, so renewing or joining can be tried at once."""
    overrides = {"Parameters": {"INVITATION_TTL_SECONDS": "2", "INVITE_COOLDOWN_SECONDS": "0"}}
    started = start_stack(tmp_path_factory.mktemp("short"), overrides)
    yield started
    stop_stack(started)


@pytest.fixture(scope="session")
def paced_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """A cooldown of a few seconds between invitation emails: countdowns can be seen, and waited out."""
    overrides = {"Parameters": {"INVITE_COOLDOWN_SECONDS": str(PACED_COOLDOWN_SECONDS)}}
    started = start_stack(tmp_path_factory.mktemp("paced"), overrides, "--instances", "2")
    yield started
    stop_stack(started)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if CHROMIUM is None:
        pytest.skip("needs Debian's chromium (`make browser` installs it; .ci/run does)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser tab (in Berlin, so local time differs from UTC) that records layout shifts, and fails its
    test on any script error or Content-Security-Policy violation."""
    context = browser.new_context(viewport={"width": 800, "height": 900}, locale="en-GB", timezone_id="Europe/Berlin")
    context.add_init_script(OBSERVE_LAYOUT_SHIFTS)
    opened = context.new_page()
    problems: list[str] = []
    opened.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    opened.on(
        "console",
        lambda message: problems.append(message.text) if "Content Security Policy" in message.text else None,
    )
    yield opened
    context.close()
    assert not problems, problems
