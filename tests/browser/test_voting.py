"""Voting on a phone: a signed-in resident votes for three cases from the
board, sees the counts and votes left change, and is refused a second vote
for the same case on its page; the leaderboard and the fraud review pass axe."""

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import check_a11y, screenshot, sign_in_with_cookie
from voting import services
from voting.models import Ballot


@pytest.mark.django_db(transaction=True)
def test_resident_votes_for_three_cases_and_is_refused_a_second_vote(phone_page, live_server):
    campaign = factories.CampaignFactory(title="第三届东莞市民点赞榜",
                                         timeline=factories.campaign_timeline(open_phase="voting"))
    titles = ["持续推进老旧小区改造加装电梯工作", "为“城市美容师”延长亮灯20分钟", "局长“码上办”平台", "校园周边护学岗"]
    cases = [factories.CaseEntryFactory(campaign=campaign, title=title) for title in titles]
    for _n in range(5):
        services.cast_vote(voter=factories.ResidentFactory(with_phone=True), campaign_id=campaign.pk, case_id=cases[0].pk)
    services.rollup_vote_counts(campaign_id=campaign.pk)
    resident = factories.ResidentFactory(with_phone=True, display_name="陈女士")
    page = phone_page
    sign_in_with_cookie(page, resident, live_server)

    page.goto("/board/")
    votes_left = page.locator(f"#votes-left-{campaign.pk}")
    expect(votes_left).to_have_text("10")
    expect(page.get_by_text("每人每天可投 10 票，同一个案例每天最多投 1 票。")).to_be_visible()
    check_a11y(page, context="board with voting")
    screenshot(page, "voting-board-before")

    for number, case in enumerate(cases[:3], start=1):
        widget = page.locator(f"#vote-{case.pk}")
        button = widget.get_by_role("button", name=re.compile(re.escape(case.title)))
        expect(button).to_contain_text("投一票")
        button.click()
        expect(page.locator(f"#vote-{case.pk}")).to_contain_text("投票成功！")
        expect(votes_left).to_have_text(str(10 - number))
    expect(page.locator(f"#vote-{cases[0].pk}")).to_contain_text("这个案例现在有 6 票，你今天还可以投 9 票。")
    expect(page.locator(f"#vote-{cases[2].pk}")).to_contain_text("这个案例现在有 1 票，你今天还可以投 7 票。")
    expect(page.locator(f"#vote-{cases[0].pk} button")).to_contain_text("今日已投")
    check_a11y(page, context="board after voting")
    page.locator(f"#vote-{cases[2].pk}").scroll_into_view_if_needed()
    screenshot(page, "voting-board-after")

    page.goto(cases[0].get_absolute_url())
    expect(page.locator(".vote-count")).to_have_text("6 票")
    expect(page.get_by_text("你今天还可以投 7 票。")).to_be_visible()
    again = page.get_by_role("button", name=re.compile(re.escape(cases[0].title)))
    expect(again).to_contain_text("今日已投")
    again.click()
    expect(page.locator(f"#vote-{cases[0].pk} .vote-status")).to_have_text("你今天已经为这个案例投过票了，明天可以再投。")
    expect(page.locator(".vote-count")).to_have_text("6 票")
    check_a11y(page, context="case page after a refused vote")
    screenshot(page, "voting-case-refused")
    assert Ballot.objects.filter(voter=resident).count() == 3

    services.take_snapshot(campaign_id=campaign.pk)
    page.goto(f"/board/edition/{campaign.slug}/leaderboard/")
    expect(page.get_by_role("heading", name="投票排行榜")).to_be_visible()
    expect(page.locator("table.leaderboard tbody tr").first).to_contain_text(cases[0].title)
    check_a11y(page, context="leaderboard")
    # On screen: the totals, then the chart, then the table (the parts are polled apart).
    top = {name: page.locator(selector).bounding_box()["y"]
           for name, selector in [("totals", ".voting-totals"), ("chart", "#leaderboard-chart svg"),
                                  ("table", "table.leaderboard")]}
    assert top["totals"] < top["chart"] < top["table"]
    screenshot(page, "voting-leaderboard")
    for _n in range(7):  # another case overtakes while the page is open
        services.cast_vote(voter=factories.ResidentFactory(with_phone=True), campaign_id=campaign.pk, case_id=cases[3].pk)
    expect(page.locator("table.leaderboard tbody tr").first).to_contain_text(cases[3].title, timeout=15_000)
    expect(page.locator(".voting-totals dd").first).to_have_text("15")  # 5 + 3 + 7


@pytest.mark.django_db(transaction=True)
def test_fraud_review_page_passes_axe(phone_page, live_server):
    campaign = factories.CampaignFactory(timeline=factories.campaign_timeline(open_phase="voting"))
    case = factories.CaseEntryFactory(campaign=campaign)
    for _n in range(6):
        services.cast_vote(voter=factories.ResidentFactory(with_phone=True), campaign_id=campaign.pk, case_id=case.pk,
                           ip="27.38.105.77", user_agent="farm/1")
    organiser = factories.StaffFactory(role="organiser", with_totp=True)
    sign_in_with_cookie(phone_page, organiser, live_server)
    phone_page.goto(campaign.get_absolute_url())
    phone_page.get_by_role("link", name="刷票审查").click()  # the organisers' links in the rules box
    expect(phone_page.get_by_role("heading", name="刷票审查")).to_be_visible()
    check_a11y(phone_page, context="fraud review")
    screenshot(phone_page, "voting-review")

    # The quotas: refused while the vote is open if they would shrink, saved when they grow.
    phone_page.get_by_role("navigation", name="位置").get_by_role("link", name="投票规则").click()
    per_day = phone_page.get_by_label("每人每天可投票数")
    expect(per_day).to_have_value("10")
    per_day.fill("8")
    phone_page.get_by_role("button", name="保存规则").click()
    expect(phone_page.get_by_role("alert")).to_contain_text("投票已经开始，配额只能增加不能减少。")
    check_a11y(phone_page, context="voting rules with an error")
    screenshot(phone_page, "voting-rules-refused")
    phone_page.get_by_label("每人每天可投票数").fill("12")
    phone_page.get_by_role("button", name="保存规则").click()
    expect(phone_page.get_by_text("投票规则已保存。")).to_be_visible()
    expect(phone_page.get_by_label("每人每天可投票数")).to_have_value("12")
