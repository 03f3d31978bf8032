"""A unit staff member on a phone: signs in with a password, must enrol TOTP
first, and 16 minutes later creates an API token after giving the code again;
the token is shown once and can be revoked. Every page passes axe-core."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from portal.models import ApiToken
from tests import factories
from tests.browser.conftest import check_a11y, screenshot
from tests.signin import totp_now

pytestmark = pytest.mark.django_db(transaction=True)


def test_unit_staff_enrols_totp_and_creates_a_token_after_reauthenticating(phone_page):
    staff = factories.StaffFactory(role="unit_staff", with_totp=False)
    page = phone_page
    page.goto("/accounts/login/")
    page.locator("details.staff-login summary").click()
    page.locator("#password-login-form").get_by_label("邮箱或手机号").fill(staff.email)
    page.locator("#password-login-form").get_by_label("密码").fill(factories.TEST_PASSWORD)
    page.locator("#password-login-form button[type=submit]").click()

    # Nothing but enrolment until a second factor is set up.
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/$"))
    page.goto("/tokens/")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/$"))
    secret = page.locator("#authenticator_secret").inner_text().strip()
    page.locator("#id_code").fill(totp_now(secret))
    page.get_by_role("button", name="启用").click()
    expect(page).not_to_have_url(re.compile(r"/totp/activate/"))

    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=16)):
        page.goto("/tokens/")
        expect(page.get_by_role("heading", name="API 令牌")).to_be_visible()
        check_a11y(page, context="API tokens")
        page.get_by_label("名称").fill("单位统计脚本")
        page.get_by_label("读写").check()
        page.get_by_label("有效天数").fill("30")
        page.get_by_role("button", name="创建令牌").click()

        expect(page).to_have_url(re.compile(r"/accounts/2fa/reauthenticate/"))
        check_a11y(page, context="reauthenticate")
        screenshot(page, "tokens-01-reauthenticate")
        page.locator("#id_code").fill(totp_now(secret))
        page.get_by_role("button", name="验证并继续").click()

        shown = page.locator("[data-token-secret]")
        expect(shown).to_be_visible()
        assert shown.inner_text().startswith("mxb_")
        check_a11y(page, context="token created")
        screenshot(page, "tokens-02-created")

    token = ApiToken.objects.get(user=staff)
    assert (token.name, token.scope) == ("单位统计脚本", "read_write")
    page.goto("/tokens/")
    expect(page.locator("[data-token-secret]")).to_have_count(0)
    page.get_by_role("button", name="撤销“单位统计脚本”").click()
    expect(page.get_by_text("令牌已撤销")).to_be_visible()
    assert not ApiToken.objects.exists()
