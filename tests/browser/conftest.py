"""Browser tests: Playwright for Python driving Debian's chromium.

Every page a test visits can be checked with axe-core (``check_a11y``), and
screenshots go to tests/browser/screenshots/ (ignored by git) at phone size.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Playwright's sync API keeps an event loop in the test thread; the ORM calls
# made by the test itself are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
BLOCKING_IMPACTS = {"serious", "critical"}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def phone_page(browser, live_server):
    """A fresh phone-sized browser context (no cookies) on the live server."""
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", **PHONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def new_phone_page(browser, live_server):
    """Opens more independent phone contexts (several people in one test)."""
    contexts = []

    def make():
        context = browser.new_context(base_url=live_server.url, locale="zh-CN", **PHONE)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def check_a11y(page, *, context: str = "") -> list[dict]:
    """Run axe-core on the page; fail on serious or critical violations."""
    # Evaluated through the DevTools protocol, not as an inline <script> tag,
    # which the Content-Security-Policy would refuse.
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    blocking = [v for v in result["violations"] if v.get("impact") in BLOCKING_IMPACTS]
    details = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}" for v in blocking
    )
    assert not blocking, f"axe-core found serious/critical violations on {context or page.url}:\n{details}"
    return result["violations"]


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in_with_cookie(page, user, live_server) -> None:
    """Sign `user` in by session cookie, for tests where the sign-in itself
    is not what is being tested."""
    from django.conf import settings
    from django.test import Client

    from tests.signin import sign_in

    client = Client()
    sign_in(client, user)  # as allauth records it: sensitive actions see a fresh sign-in
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}])
