"""Appeals in public on phones: a resident rates a resolved appeal badly, the
unit rectifies it, the centre verifies it, the resident rates again; the
public page shows the redacted appeal, the reply and the ratings, and the
dashboard's numbers move with each step."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from appeals import services
from appeals.models import Appeal
from appeals.services import stats as stats_services
from tests import factories
from tests.browser.conftest import check_a11y, screenshot, sign_in_with_cookie

DESCRIPTION = "鸿福路88号鸿福花园3栋门口的井盖不见了，晚上很危险。我的电话13800138000，车牌粤S·12345的车也差点掉进去。"
REPLY = "已安排维修班组今天下午到现场，先设置围挡警示，明天上午补装新井盖。"
RESULT = "已补装井盖并加装防坠网，现场恢复通行。"
REPORT = "已重新更换为加厚球墨铸铁井盖，四周浇筑加固，并请居民现场确认。"


@pytest.mark.django_db(transaction=True)
def test_bad_rating_rectified_public_page_and_dashboard(phone_page, new_phone_page, live_server):
    city = factories.UnitFactory(name="东莞市人民政府", level="city")
    unit = factories.UnitFactory(name="南城街道住房和城乡建设局", parent=city)
    area = factories.AreaFactory(name="南城街道", unit=unit)
    water = factories.AppealCategoryFactory(code="SW", name="供水排水")
    item = factories.AppealItemFactory(category=water, code="SW-04", name="井盖缺失破损", deadline_value=2)
    factories.ResponsibilityFactory(item=item, area=area, primary_unit=unit)
    resident = factories.ResidentFactory(display_name="陈女士")
    dispatcher = factories.StaffFactory(role="dispatcher", with_totp=True)
    staff = factories.StaffFactory(role="unit_staff", unit=unit)
    appeal = services.file_appeal(
        resident=resident, idempotency_key="browser-public-1", item_id=item.pk, area_id=area.pk, title="鸿福路口井盖缺失",
        description=DESCRIPTION, address="南城街道鸿福路88号", contact_name="陈女士", contact_phone="13800138000",
        publish_consent=True,
    ).appeal
    services.moderate_appeal(actor=dispatcher, appeal_id=appeal.pk, publish=True, title=appeal.public_title,
                             description=appeal.public_description)
    part = appeal.work_orders.get()
    services.accept_part(actor=staff, work_order_id=part.pk)
    services.reply_to_appeal(actor=staff, work_order_id=part.pk, body=REPLY)
    services.resolve_appeal(actor=staff, work_order_id=part.pk, summary=RESULT)
    stats_services.recompute_recent(days=2)

    # The dashboard before any rating: one appeal, no satisfaction figure yet.
    board = new_phone_page()
    board.goto("/appeals/stats/?period=day")
    expect(board.locator("#figure-received")).to_have_text("1")
    expect(board.locator("#figure-satisfaction_rate")).to_have_text("—")
    board.get_by_role("button", name="满意率的定义").focus()
    expect(board.get_by_role("tooltip").filter(has_text="4星（满意）和5星")).to_be_visible()
    check_a11y(board, context="dashboard, before rating")
    screenshot(board, "appeals-public-1-dashboard-before")

    # 1. The resident rates it badly from a phone.
    page = phone_page
    sign_in_with_cookie(page, resident, live_server)
    page.goto(f"/appeals/t/{appeal.tracking_number}/")
    expect(page.get_by_text("你对办理结果满意吗？")).to_be_visible()
    check_a11y(page, context="rating form")
    page.get_by_label(re.compile("非常不满意")).check()
    page.get_by_role("button", name="提交评价").click()
    expect(page.get_by_text("不满意时请写明原因")).to_be_visible()
    page.get_by_label(re.compile("非常不满意")).check()
    page.get_by_label("说说原因（不满意时必填）").fill("井盖还是松动的，踩上去会晃。")
    page.get_by_role("button", name="提交评价").click()
    expect(page.get_by_text("感谢你的评价。")).to_be_visible()
    expect(page.get_by_text(re.compile("南城街道住房和城乡建设局 正在整改"))).to_be_visible()
    screenshot(page, "appeals-public-2-rated-badly")

    stats_services.recompute_recent(days=2)
    board.reload()
    expect(board.locator("#figure-bad_review_rate")).to_have_text("100.00%")
    expect(board.locator("#figure-satisfaction_rate")).to_have_text("0.00%")

    # 2. The unit sees the rectification task and reports what it did.
    office = new_phone_page()
    sign_in_with_cookie(office, staff, live_server)
    office.goto("/appeals/inbox/")
    expect(office.get_by_role("heading", name="差评整改任务（1）")).to_be_visible()
    office.get_by_role("link", name="鸿福路口井盖缺失").click()
    office.get_by_label("整改情况（将公开给市民）").fill(REPORT)
    check_a11y(office, context="rectification form")
    office.get_by_role("button", name="提交整改情况").click()
    expect(office.get_by_text("整改情况已提交，等待派单中心核实。")).to_be_visible()
    screenshot(office, "appeals-public-3-rectified")

    # 3. The centre verifies it.
    desk = new_phone_page()
    sign_in_with_cookie(desk, dispatcher, live_server)
    desk.goto("/appeals/centre/")
    desk.get_by_role("link", name=appeal.tracking_number).click()
    desk.get_by_label(re.compile("整改到位")).check()
    desk.get_by_label("核实意见").fill("电话回访，现场照片确认已加固")
    check_a11y(desk, context="rectification check")
    desk.get_by_role("button", name="保存核实结果").click()
    expect(desk.get_by_text("核实结果已保存。")).to_be_visible()

    # 4. The resident rates once more.
    page.reload()
    expect(page.get_by_text("整改后再评价一次")).to_be_visible()
    page.get_by_label(re.compile(r"★★★★★\s+非常满意")).check()
    page.get_by_role("button", name="提交评价").click()
    expect(page.get_by_text("感谢你的评价。")).to_be_visible()
    expect(page.get_by_role("button", name="提交评价")).to_have_count(0)
    timeline = page.locator(".timeline")
    for text in ("差评已转为整改任务", REPORT, "派单中心核实整改到位", "市民再次评价：非常满意"):
        expect(timeline.get_by_text(re.compile(re.escape(text))).first).to_be_visible()
    check_a11y(page, context="tracking page, rated again")
    screenshot(page, "appeals-public-4-tracking-closed")
    assert Appeal.objects.get(pk=appeal.pk).state == "closed"

    # 5. Anyone reads it on the wall: redacted, with the reply and the ratings.
    reader = new_phone_page()
    reader.goto("/appeals/wall/")
    expect(reader.get_by_role("link", name="鸿福路口井盖缺失")).to_be_visible()
    check_a11y(reader, context="wall")
    screenshot(reader, "appeals-public-5-wall")
    # On a phone the list filters are folded below the search box until asked for, and stay open while in use.
    expect(reader.get_by_label("状态")).to_be_hidden()
    reader.get_by_text("筛选条件").click()
    reader.get_by_label("状态").select_option(label="已办结")
    reader.get_by_role("button", name="筛选").click()
    expect(reader.get_by_text("筛选条件（已选 1 项）")).to_be_visible()
    expect(reader.get_by_label("状态")).to_have_value("done")
    expect(reader.get_by_role("link", name="鸿福路口井盖缺失")).to_be_visible()
    screenshot(reader, "appeals-public-5b-wall-filtered")
    # A link with a forged town is answered in the page: what was refused, and the wall without it.
    reader.goto("/appeals/wall/?area=999999")
    expect(reader.get_by_role("alert")).to_contain_text("没有这个镇街。")
    expect(reader.get_by_role("link", name="鸿福路口井盖缺失")).to_be_visible()
    screenshot(reader, "appeals-public-5c-wall-refused")
    reader.get_by_role("link", name="鸿福路口井盖缺失").click()
    expect(reader.locator("#public-description")).to_have_text(
        "鸿福路**号鸿福花园*栋门口的井盖不见了，晚上很危险。我的电话138****8000，车牌粤S·*****的车也差点掉进去。")
    expect(reader.locator(".reply").get_by_text(REPLY)).to_be_visible()
    expect(reader.get_by_text("整改后再次评价")).to_be_visible()
    body = reader.content()
    assert "13800138000" not in body and "88号" not in body and "12345" not in body
    check_a11y(reader, context="public appeal page")
    screenshot(reader, "appeals-public-6-public-page")

    # 6. The dashboard after the job: two ratings, one good, one bad; one rectification verified.
    stats_services.recompute_recent(days=2)
    board.reload()
    expect(board.locator("#figure-satisfaction_rate")).to_have_text("50.00%")
    expect(board.locator("#figure-bad_review_rate")).to_have_text("50.00%")
    expect(board.locator("#figure-reply_rate")).to_have_text("100.00%")
    check_a11y(board, context="dashboard, after")
    screenshot(board, "appeals-public-7-dashboard-after")
    # The town and category lists are folded on a phone; a chosen town keeps them open and narrows the figures.
    expect(board.get_by_label("镇街", exact=True)).to_be_hidden()
    board.get_by_text("按镇街或大类查看").click()
    board.get_by_label("镇街", exact=True).select_option(label="南城街道")
    board.get_by_role("button", name="查看所选范围").click()
    expect(board.get_by_label("镇街", exact=True)).to_be_visible()
    expect(board.locator("#period-label")).to_contain_text("南城街道")
    expect(board.locator("#figure-received")).to_have_text("1")
    screenshot(board, "appeals-public-8-dashboard-town")
