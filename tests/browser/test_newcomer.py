"""A newcomer on a phone: home page, English and back, 长辈版, sign-up with
an email code read from the development mailbox (the outbox file), signed in
and verified, signed out. Every page passes axe-core; screenshots are saved."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal import outbox
from portal.models import User
from tests.browser.conftest import check_a11y, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL = "xiaoming@example.cn"


def html_lang(page) -> str:
    return page.evaluate("document.documentElement.lang")


def html_classes(page) -> list[str]:
    return page.evaluate("Array.from(document.documentElement.classList)")


def test_newcomer_signs_up_with_an_email_code_on_a_phone(phone_page):
    page = phone_page

    # Home page, in Chinese by default.
    page.goto("/")
    assert html_lang(page) == "zh-Hans"
    check_a11y(page, context="home (zh)")
    screenshot(page, "newcomer-01-home-zh")

    # English and back: the switch is a POST form in the header.
    page.locator("button[name=language][value=en]").click()
    page.wait_for_load_state()
    assert html_lang(page) == "en"
    check_a11y(page, context="home (en)")
    screenshot(page, "newcomer-02-home-en")
    page.locator("button[name=language][value=zh-hans]").click()
    page.wait_for_load_state()
    assert html_lang(page) == "zh-Hans"

    # 长辈版: large type and high contrast, remembered after a reload.
    page.locator("button[name=elder][value='1']").click()
    page.wait_for_load_state()
    assert "elder" in html_classes(page)
    page.reload()
    assert "elder" in html_classes(page)
    expect(page.locator("button[name=elder][value='0']")).to_have_attribute("aria-pressed", "true")
    check_a11y(page, context="home (长辈版)")
    screenshot(page, "newcomer-03-elder")
    page.locator("button[name=elder][value='0']").click()
    page.wait_for_load_state()
    assert "elder" not in html_classes(page)

    # Sign up with an email address.
    page.locator("main a[href='/accounts/signup/']").click()
    expect(page).to_have_url(re.compile(r"/accounts/signup/$"))
    check_a11y(page, context="sign-up")
    page.get_by_label("邮箱", exact=True).fill(EMAIL)
    screenshot(page, "newcomer-04-signup")
    page.locator("#signup-form button[type=submit]").click()

    # The code page comes right after; the code is in the development mailbox.
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))
    expect(page.locator("main")).to_contain_text(EMAIL)
    check_a11y(page, context="email code page")
    user = User.objects.get(email=EMAIL)
    assert not user.is_verified
    code = outbox.latest_code(to=EMAIL, channel="email")
    assert code is not None
    page.get_by_label("6位验证码").fill(code)
    screenshot(page, "newcomer-05-code")
    page.locator("#code-form button[type=submit]").click()

    # Signed in and verified.
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator(".whoami")).to_contain_text(EMAIL)
    expect(page.locator(".site-header")).not_to_contain_text("未验证")
    user.refresh_from_db()
    assert user.is_verified
    check_a11y(page, context="home (signed in)")
    screenshot(page, "newcomer-06-signed-in")

    # The account page says so too.
    page.locator("a.nav-account").click()
    expect(page.locator(".verify-state")).to_contain_text("已验证")
    check_a11y(page, context="account page")
    screenshot(page, "newcomer-07-account")

    # Sign out from the header.
    page.locator(".prefs-row form[action='/accounts/logout/'] button").click()
    expect(page.locator("a.nav-signin")).to_be_visible()
    expect(page.locator(".whoami")).to_have_count(0)
    check_a11y(page, context="signed out")


def test_returning_resident_signs_in_by_sms_code_after_a_typo(phone_page):
    """The login page's main path (a code), a wrong code's error, then in."""
    from django.utils import timezone

    from tests import factories

    user = factories.UserFactory(email=None, phone="+8613900139000", phone_verified=True, verified_at=timezone.now())
    page = phone_page
    page.goto("/accounts/login/")
    check_a11y(page, context="login")
    page.locator("details.staff-login summary").click()
    screenshot(page, "accounts-01-login")
    page.locator("#code-login-form").get_by_label("邮箱或手机号").fill("139 0013 9000")
    page.locator("#code-login-form button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/accounts/login/code/confirm/$"))
    code = outbox.latest_code(to="+8613900139000", channel="sms")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    page.get_by_label("6位验证码").fill(wrong)
    page.locator("#code-form button[type=submit]").click()
    error = page.locator("#id_code_error")
    expect(error).to_contain_text("验证码不正确")
    expect(page.get_by_label("6位验证码")).to_have_attribute("aria-describedby", "id_code_error")
    check_a11y(page, context="login code (wrong)")
    screenshot(page, "accounts-02-wrong-code")

    page.get_by_label("6位验证码").fill(code)
    page.locator("#code-form button[type=submit]").click()
    expect(page.locator(".whoami")).to_contain_text(str(user))


def test_organiser_is_sent_to_set_up_totp(phone_page):
    from tests import factories

    organiser = factories.StaffFactory(role="organiser", with_totp=False)
    page = phone_page
    page.goto("/accounts/login/")
    page.locator("details.staff-login summary").click()
    page.locator("#password-login-form").get_by_label("邮箱或手机号").fill(organiser.email)
    page.locator("#password-login-form").get_by_label("密码").fill(factories.TEST_PASSWORD)
    page.locator("#password-login-form button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/$"))
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/$"))
    expect(page.locator("img.qr-code")).to_be_visible()
    check_a11y(page, context="TOTP set-up")
    screenshot(page, "accounts-03-totp-setup")
