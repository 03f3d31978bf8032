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
