"""What residents and clerks stumbled on (issue 21), each walked through on a
phone (390×844) the way the person would, with a screenshot to look at."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from demo import portal as portal_demo
from tests.browser.conftest import check_a11y, screenshot, sign_in_with_cookie

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_resident_is_greeted_by_name_and_the_appeal_form_prefills_it(phone_page, live_server):
    resident = portal_demo.seed()["accounts"]["resident@demo.minxinbang.cn"]
    page = phone_page
    sign_in_with_cookie(page, resident, live_server)

    page.goto("/")
    expect(page.locator(".whoami")).to_contain_text("你好，陈女士")
    expect(page.locator(".whoami")).not_to_contain_text("已验证")
    check_a11y(page, context="home, signed in")
    screenshot(page, "stumble-04-greeting")

    page.goto("/appeals/new/")
    expect(page.get_by_label("联系人")).to_have_value("陈女士")
    page.get_by_label("联系人").scroll_into_view_if_needed()
    screenshot(page, "stumble-04-appeal-contact")
