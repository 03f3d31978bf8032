"""A reviewer on a phone scores two finalists and sees the other marks only
after submitting; the organiser publishes; the public results page shows the
breakdown. axe-core on every page, screenshots to look at."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_a11y, screenshot, sign_in_with_cookie
from tests.factories import StaffFactory
from tests.voting.panel_setup import closed_campaign, open_phase, panel, submit
from voting.panel.models import Review
from voting.panel.enums import ReviewState


@pytest.mark.django_db(transaction=True)
def test_reviewer_scores_on_a_phone_and_the_organiser_publishes(phone_page, new_phone_page, live_server):
    organiser = StaffFactory(role="organiser", with_totp=True)
    campaign = closed_campaign(title="第二届东莞市民点赞榜")
    cases, (person, other) = panel(campaign, organiser, [12000, 9000], reviewers=2)
    submit(campaign, other, cases[0], 91, comment="成效扎实")
    submit(campaign, other, cases[1], 77)

    page = phone_page
    sign_in_with_cookie(page, person, live_server)
    page.goto(f"/panel/{campaign.slug}/")
    expect(page.get_by_role("heading", name="我的评审任务")).to_be_visible()
    expect(page.get_by_text("已提交 0 / 2 个案例")).to_be_visible()
    check_a11y(page, context="reviewer queue")
    screenshot(page, "panel-queue")

    for case, marks, other_total in ((cases[0], ("34", "26", "25"), "91.00"), (cases[1], ("30", "22.5", "20"), "77.00")):
        page.get_by_role("link", name=re.compile(case.title)).click()
        expect(page.get_by_role("heading", name=case.title)).to_be_visible()
        expect(page.get_by_text("提交自己的评分后才能查看其他评委的评分。")).to_be_visible()
        expect(page.get_by_text(other_total)).to_have_count(0)
        if case == cases[0]:
            check_a11y(page, context="scoring form")
            screenshot(page, "panel-case-before")
        page.get_by_label("有效性（0–40）").fill(marks[0])
        page.get_by_label("创新性（0–30）").fill(marks[1])
        page.get_by_role("button", name="保存草稿").click()
        expect(page.get_by_text("草稿已保存。")).to_be_visible()
        expect(page.get_by_text(other_total)).to_have_count(0)  # a draft does not unlock the others
        page.get_by_label("反响度（0–30）").fill(marks[2])
        page.get_by_role("button", name="提交评分").click()
        expect(page.get_by_text("评分已提交，现在可以看到其他评委的评分。")).to_be_visible()
        expect(page.get_by_role("cell", name=other_total)).to_be_visible()
        expect(page.get_by_role("button", name="提交评分")).to_have_count(0)  # locked
        if case == cases[0]:
            check_a11y(page, context="scored case")
            screenshot(page, "panel-case-after")
        page.get_by_role("link", name="我的评审任务").click()
    expect(page.get_by_text("已提交 2 / 2 个案例")).to_be_visible()
    assert Review.objects.filter(reviewer=person, state=ReviewState.SUBMITTED).count() == 2
    open_phase(campaign, "results")  # results are published only once their phase has started

    desk = new_phone_page()
    sign_in_with_cookie(desk, organiser, live_server)
    desk.goto(f"/panel/{campaign.slug}/standings/")
    expect(desk.get_by_text("已提交 4 / 4 份")).to_be_visible()
    check_a11y(desk, context="live standings")
    screenshot(desk, "panel-standings")
    desk.goto(f"/panel/{campaign.slug}/manage/")
    check_a11y(desk, context="panel desk")
    screenshot(desk, "panel-manage")
    assert desk.evaluate("document.documentElement.scrollWidth") <= 390  # nothing sticks out sideways on a phone
    desk.get_by_role("button", name="发布结果").click()
    expect(desk.get_by_text("结果已发布（第 1 版）。")).to_be_visible()

    public = new_phone_page()
    public.goto(f"/results/{campaign.slug}/")
    expect(public.get_by_role("heading", name="第二届东莞市民点赞榜 评选结果")).to_be_visible()
    # Case 1: 12,000 votes → 100; panel (85 + 91) ÷ 2 = 88 → 30 + 61.6 = 91.60.
    # Case 2: 9,000 → 75; panel (72.5 + 77) ÷ 2 = 74.75 → 22.5 + 52.325 = 74.825 → 74.83.
    row = public.get_by_role("row", name=re.compile(cases[0].title))
    for text in ("12,000", "100.00", "88.00", "91.60"):
        expect(row).to_contain_text(text)
    expect(public.get_by_role("row", name=re.compile(cases[1].title))).to_contain_text("74.83")
    expect(public.get_by_role("heading", name="计分方法")).to_be_visible()
    expect(public.get_by_role("link", name="下载完整明细（Excel）")).to_be_visible()
    check_a11y(public, context="public results")
    screenshot(public, "panel-results")
