"""An organiser moves a phase of an opened campaign on a phone (issue 21):
from the set-up list to the phase page, an overlap with the next phase
refused beside the new end, then the move saved and shown in the record with
its reason. axe-core on every page, screenshots to look at."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from cases.models import PhaseChange
from portal.timeutils import LOCAL_TZ
from tests.browser.conftest import check_a11y, screenshot, sign_in_with_cookie
from tests.factories import CampaignFactory, StaffFactory


def local(moment: dt.datetime) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.django_db(transaction=True)
def test_an_organiser_moves_a_phase_of_an_opened_campaign_on_a_phone(phone_page, live_server):
    organiser = StaffFactory(role="organiser", with_totp=True)
    campaign = CampaignFactory(title="正在征集的一届")
    call = campaign.phases.get(kind="call")
    page = phone_page
    sign_in_with_cookie(page, organiser, live_server)
    page.goto("/campaign-setup/")
    page.get_by_role("link", name="调整阶段 · 正在征集的一届").click()

    expect(page.get_by_role("heading", name="调整“正在征集的一届”的阶段")).to_be_visible()
    check_a11y(page, context="phase move page")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "phase-move")
    page.get_by_label("阶段", exact=True).select_option(str(call.pk))
    page.get_by_label("新的开始时间（北京时间）").fill(local(call.starts_at))
    page.get_by_label("新的结束时间（北京时间）").fill(local(call.ends_at + dt.timedelta(days=2)))
    page.get_by_label("调整原因").fill("征集期延长两天")
    page.get_by_role("button", name="保存调整").click()

    refusal = page.get_by_text("时间重叠：阶段不能重叠")
    expect(refusal).to_be_visible()
    check_a11y(page, context="phase move refused")
    screenshot(page, "phase-move-refused")
    assert not PhaseChange.objects.exists()
    expect(page.get_by_label("调整原因")).to_have_value("征集期延长两天")

    page.get_by_label("新的结束时间（北京时间）").fill(local(call.ends_at - dt.timedelta(days=1)))
    page.get_by_label("调整原因").fill("征集期提前一天结束")
    page.get_by_role("button", name="保存调整").click()

    expect(page.get_by_text("已调整“案例征集”")).to_be_visible()
    expect(page.get_by_text("原因：征集期提前一天结束")).to_be_visible()
    check_a11y(page, context="phase moved")
    screenshot(page, "phase-move-done")
    assert PhaseChange.objects.get().reason == "征集期提前一天结束"
