"""An organiser sets a campaign up on a phone (issue 21): from the desk to
the wizard, a refused overlap shown beside its phase, the campaign created
with two tracks and a new domain, then next year's copied and edited.
axe-core on every page, screenshots to look at."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cases.models import Campaign
from portal.enums import AuditAction
from portal.models import AuditEntry
from tests.browser.conftest import SCREENSHOTS, check_a11y, screenshot, sign_in_with_cookie
from tests.factories import StaffFactory
from voting.models import VotingRules


def fits_the_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing sticks out sideways


@pytest.mark.django_db(transaction=True)
def test_an_organiser_sets_up_a_campaign_and_copies_it_to_next_year_on_a_phone(phone_page, live_server):
    organiser = StaffFactory(role="organiser", with_totp=True)
    page = phone_page
    sign_in_with_cookie(page, organiser, live_server)
    page.goto("/cases/desk/")
    check_a11y(page, context="organiser desk")
    screenshot(page, "setup-desk")
    page.get_by_role("link", name="新建活动").click()

    expect(page.get_by_role("heading", name="新建活动")).to_be_visible()
    check_a11y(page, context="wizard")
    fits_the_phone(page)
    screenshot(page, "setup-wizard-new")
    page.get_by_label("活动名称").fill("2031 东莞市民点赞榜")
    page.get_by_label("网址标识").fill("dg-2031")
    page.get_by_label("年度").fill("2031")
    page.locator("[name=tracks-0-entry_limit_per_unit]").fill("3")
    page.locator("[name=tracks-0-awards]").fill("30")
    page.locator("[name=tracks-1-name]").fill("最佳回复单位")
    page.locator("[name=tracks-1-kind]").select_option("best_unit")
    page.locator("[name=tracks-1-awards]").fill("15")
    page.locator("[name=domains-0-colour]").fill("#1d4ed8")
    page.locator("[name=domains-9-name]").fill("民生实事")
    page.locator("[name=domains-9-colour]").fill("#047857")
    phases = {"call": ("2031-10-01T09:00", "2031-10-21T09:00"), "screening": ("2031-10-21T09:00", "2031-10-31T18:00"),
              "voting": ("2031-10-30T09:00", "2031-11-08T12:00"),  # starts before screening ends: refused
              "review": ("2031-11-09T09:00", "2031-11-23T18:00"), "results": ("2031-11-24T09:00", "2031-12-31T18:00")}
    for kind, (start, end) in phases.items():
        page.locator(f"[name={kind}_starts_at]").fill(start)
        page.locator(f"[name={kind}_ends_at]").fill(end)
    page.get_by_label("每人每天可投票数").fill("8")
    page.get_by_label("入围案例数").fill("20")
    page.get_by_role("button", name="创建活动").click()

    expect(page.get_by_text("有几项需要修改，请看标红的提示。")).to_be_visible()
    refusal = page.get_by_text("时间重叠：阶段不能重叠")
    expect(refusal).to_be_visible()
    refusal.scroll_into_view_if_needed()
    check_a11y(page, context="wizard with a refused overlap")
    screenshot(page, "setup-wizard-refused")
    page.screenshot(path=str(SCREENSHOTS / "setup-wizard-refused-view.png"))  # the phone's screen at the refusal
    assert not Campaign.objects.exists()
    # Everything typed is still there; only the voting phase is moved.
    expect(page.locator("[name=tracks-1-name]")).to_have_value("最佳回复单位")
    page.locator("[name=voting_starts_at]").fill("2031-11-01T09:00")
    page.get_by_role("button", name="创建活动").click()

    expect(page.get_by_text("已创建“2031 东莞市民点赞榜”。")).to_be_visible()
    campaign = Campaign.objects.get(slug="dg-2031")
    assert [(t.name, t.entry_limit_per_unit, t.awards) for t in campaign.tracks.order_by("position")] == [
        ("典型案例", 3, 30), ("最佳回复单位", None, 15)]
    assert campaign.domains.count() == 10 and campaign.domains.get(name="民生实事").colour == "#047857"
    assert campaign.phases.get(kind="voting").ends_at.isoformat() == "2031-11-08T04:00:00+00:00"
    assert VotingRules.objects.get(campaign=campaign).votes_per_day == 8

    # Next year's, copied from this one.
    check_a11y(page, context="campaign list")
    fits_the_phone(page)
    screenshot(page, "setup-campaigns")
    page.get_by_label("复制哪一届").select_option(str(campaign.pk))
    page.get_by_role("button", name="复制为新一届").click()
    expect(page.get_by_text("已创建“2032 东莞市民点赞榜”，阶段已顺延到 2032 年。")).to_be_visible()
    expect(page.locator("[name=call_starts_at]")).to_have_value("2032-10-01T09:00")
    expect(page.locator("[name=tracks-1-name]")).to_have_value("最佳回复单位")
    check_a11y(page, context="copied campaign's set-up")
    screenshot(page, "setup-copy-edit")
    page.get_by_label("活动名称").fill("2032 东莞市民点赞榜（第四届）")
    page.get_by_role("button", name="保存设置").click()
    expect(page.get_by_text("已保存“2032 东莞市民点赞榜（第四届）”的设置。")).to_be_visible()
    copy = Campaign.objects.get(slug="dg-2032")
    assert copy.title == "2032 东莞市民点赞榜（第四届）" and copy.tracks.count() == 2
    assert list(AuditEntry.objects.order_by("pk").values_list("action", flat=True)) == [
        AuditAction.CAMPAIGN_CREATED, AuditAction.CAMPAIGN_COPIED, AuditAction.CAMPAIGN_CHANGED]
