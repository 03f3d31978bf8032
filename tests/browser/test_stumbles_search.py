"""Issue 21, stumbles 3, 8 and 7 on a phone (390×844): the catalogue found by
the words residents use, the dispatch centre's search of its queue, and each
role's own workspace with a header that folds into a menu."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from demo import appeals as appeals_demo
from demo import portal as portal_demo
from tests.browser.conftest import check_a11y, screenshot, sign_in_with_cookie

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_picker_finds_the_words_its_placeholder_suggests(phone_page, live_server):
    seeded = portal_demo.seed()
    appeals_demo.seed_catalogue(seeded["units"])
    page = phone_page
    sign_in_with_cookie(page, seeded["accounts"]["resident@demo.minxinbang.cn"], live_server)

    page.goto("/appeals/new/")
    search = page.get_by_label("搜索分类")
    expect(search).to_have_attribute("placeholder", re.compile("路灯"))
    for words, item in [("路灯", "路灯损坏"), ("井盖", "井盖缺失破损"), ("噪音", "夜间施工噪音"), ("垃圾", "垃圾清运不及时")]:
        search.fill(words)
        expect(page.get_by_label(re.compile(item))).to_be_visible()
    search.fill("ld")
    expect(page.get_by_label(re.compile("路灯损坏"))).to_be_visible()
    search.fill("路灯")
    light = page.get_by_label(re.compile("路灯损坏"))
    expect(light).to_be_visible()
    expect(page.get_by_text("没有找到")).to_have_count(0)
    light.check()
    check_a11y(page, context="appeal form, picker searched for 路灯")
    search.scroll_into_view_if_needed()
    screenshot(page, "stumble-03-picker-streetlight")


def test_the_dispatch_centre_finds_an_appeal_by_phone_end_words_and_area(phone_page, live_server):
    import datetime as dt

    from django.utils import timezone

    from appeals.models import Area
    from tests import factories

    seeded = portal_demo.seed()
    appeals_demo.seed_catalogue(seeded["units"])
    nancheng, dalang = Area.objects.get(name="南城街道"), Area.objects.get(name="大朗镇")
    now = timezone.now()
    for n in range(35):
        factories.AppealFactory(title=f"小区垃圾清运不及时{n}", area=dalang, item=None, contact_phone=f"1360000{n:04d}",
                                dispatch_due_at=now + dt.timedelta(minutes=n * 5))
    factories.AppealFactory(tracking_number="DG-2026-004321", title="鸿福路路灯一到晚上就闪", area=nancheng, item=None,
                            contact_phone="13912345678", dispatch_due_at=now + dt.timedelta(minutes=90))
    page = phone_page
    sign_in_with_cookie(page, seeded["accounts"]["dispatcher@demo.minxinbang.cn"], live_server)

    page.goto("/appeals/centre/")
    expect(page.get_by_role("heading", name=re.compile("待派单（36）"))).to_be_visible()
    search = page.get_by_role("searchbox", name="搜索")
    search.fill("5678")
    search.press("Enter")
    expect(page.get_by_text("找到 1 条。")).to_be_visible()
    expect(page.get_by_role("link", name="鸿福路路灯一到晚上就闪")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("13912345678")
    expect(page.locator("main")).not_to_contain_text("139****5678")
    check_a11y(page, context="dispatch centre, searched by the phone's last four digits")
    screenshot(page, "stumble-08-queue-phone-last-four")

    page.get_by_role("searchbox", name="搜索").fill("垃圾")
    page.get_by_text("筛选", exact=True).click()
    page.get_by_label("镇街").select_option(label="大朗镇")
    page.get_by_label("派单时限").select_option(label="30 分钟内到期")
    page.get_by_role("button", name="应用筛选").click()
    expect(page.get_by_text("找到 6 条。")).to_be_visible()
    check_a11y(page, context="dispatch centre, words and filters")
    screenshot(page, "stumble-08-queue-filters")
    page.get_by_role("link", name="清除搜索和筛选").click()
    expect(page.get_by_role("heading", name=re.compile("待派单（36）"))).to_be_visible()
    expect(page.get_by_role("link", name="下一页")).to_be_visible()


def staff_sign_in(page, user) -> None:
    """The real sign-in, without ?next=: where the portal sends each role."""
    from tests import factories
    from tests.signin import totp_now

    page.goto("/accounts/login/")
    page.get_by_text("工作人员用密码登录").click()
    page.locator("#id_pw_login").fill(user.email)
    page.locator("#id_password").fill(factories.TEST_PASSWORD)
    page.get_by_role("button", name="用密码登录").click()
    page.locator("#id_code").fill(totp_now())
    page.get_by_role("button", name="验证并登录").click()


def header_height(page) -> float:
    return page.evaluate("() => document.querySelector('.site-header').getBoundingClientRect().height")


def test_staff_land_on_their_workspace_under_a_header_folded_into_a_menu(phone_page, new_phone_page, live_server):
    from tests import factories

    factories.CampaignFactory(title="第三届东莞市民点赞榜")
    organiser = factories.StaffFactory(role="organiser", with_totp=True, display_name="林主办")
    dispatcher = factories.StaffFactory(role="dispatcher", with_totp=True, display_name="何派单")
    page = phone_page

    staff_sign_in(page, organiser)
    expect(page).to_have_url(re.compile(r"/cases/desk/$"))
    expect(page.get_by_role("heading", name="主办方工作台")).to_be_visible()
    menu = page.get_by_role("button", name="菜单")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("navigation", name="工作台")).to_be_hidden()
    check_a11y(page, context="organiser's desk, header folded")
    screenshot(page, "stumble-07-organiser-desk")
    assert header_height(page) <= 100, header_height(page)  # was about 470 px with every link shown

    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    workspace = page.get_by_role("navigation", name="工作台")
    expect(workspace.get_by_role("link", name="诉求统计")).to_be_visible()
    expect(workspace.get_by_role("link", name="派单中心")).to_have_count(0)  # the dispatchers' page, not theirs
    expect(page.get_by_role("button", name="长辈版")).to_be_visible()
    check_a11y(page, context="organiser's desk, menu open")
    screenshot(page, "stumble-07-menu-open")
    workspace.get_by_role("link", name="诉求统计").click()
    expect(page).to_have_url(re.compile(r"/appeals/stats/$"))

    other = new_phone_page()
    staff_sign_in(other, dispatcher)
    expect(other).to_have_url(re.compile(r"/appeals/centre/$"))
    screenshot(other, "stumble-07-dispatcher-lands-on-queue")
    assert header_height(other) <= 100, header_height(other)
