"""Issue 21, stumble 11 on a phone (390×844): in English the board, the
case's share poster and the category picker show the English names of the
edition, domains, units and catalogue (the demo's), not the Chinese ones."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from demo import appeals as appeals_demo
from demo import english as english_demo
from demo import portal as portal_demo
from tests import factories
from tests.browser.conftest import SCREENSHOTS, check_a11y, screenshot, sign_in_with_cookie

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_board_poster_and_picker_in_english_name_things_in_english(phone_page, live_server):
    seeded = portal_demo.seed()
    units = seeded["units"]
    appeals_demo.seed_catalogue(units)
    campaign = factories.CampaignFactory(title="第三届东莞市民点赞榜",
                                         timeline=factories.campaign_timeline(open_phase="voting"))
    education = campaign.domains.get(name="教育")
    case = factories.CaseEntryFactory(campaign=campaign, unit=units["东莞市城市管理和综合执法局"], domain=education,
                                      title="为“城市美容师”延长亮灯20分钟")
    english_demo.seed()
    page = phone_page

    page.goto("/board/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("第三届东莞市民点赞榜")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("3rd Dongguan Citizens' Applause Board")
    card = page.locator("li.case-card", has_text=case.title)
    expect(card).to_contain_text("Dongguan Urban Management and Law Enforcement Bureau")
    expect(card).to_contain_text("Education")
    expect(page.get_by_text("第三届东莞市民点赞榜")).to_have_count(0)
    check_a11y(page, context="board in English")
    screenshot(page, "stumble-11-board-english")

    poster = page.request.get(f"/board/case/{case.pk}/poster.png")
    assert poster.status == 200 and poster.headers["content-type"] == "image/png"
    (SCREENSHOTS / "stumble-11-poster-english.png").write_bytes(poster.body())

    sign_in_with_cookie(page, seeded["accounts"]["resident@demo.minxinbang.cn"], live_server)
    page.goto("/appeals/new/")
    expect(page.get_by_text("City management", exact=True)).to_be_visible()
    expect(page.get_by_label("Town or subdistrict")).to_contain_text("Nancheng Subdistrict")
    search = page.get_by_label("Search categories")
    for words in ("ld", "路灯", "streetlight"):
        search.fill(words)
        expect(page.get_by_label(re.compile("Broken streetlight"))).to_be_visible()
    page.get_by_label(re.compile("Broken streetlight")).check()
    check_a11y(page, context="appeal form in English, picker searched")
    search.scroll_into_view_if_needed()
    screenshot(page, "stumble-11-picker-english")
