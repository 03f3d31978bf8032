"""Appeals end to end on phones: a resident files an appeal with a photo, a
dispatcher routes it, the unit accepts, replies and resolves it, and the
resident sees each step on the tracking page."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from appeals.models import Appeal
from tests import factories
from tests.browser.conftest import check_a11y, screenshot, sign_in_with_cookie

REPLY = "已安排维修班组今天下午到现场，先设置围挡警示，明天上午补装新井盖。"
RESULT = "已补装球墨铸铁井盖并加装防坠网，现场已恢复通行，经回访居民确认。"


def photo(path):
    buffer = io.BytesIO()
    Image.new("RGB", (1280, 960), (90, 90, 110)).save(buffer, format="JPEG")
    path.write_bytes(buffer.getvalue())
    return str(path)


@pytest.mark.django_db(transaction=True)
def test_resident_files_dispatcher_routes_unit_resolves(phone_page, new_phone_page, live_server, tmp_path):
    city = factories.UnitFactory(name="东莞市人民政府", level="city")
    unit = factories.UnitFactory(name="南城街道住房和城乡建设局", parent=city)
    factories.UnitFactory(name="东莞市水务局", parent=city)
    area = factories.AreaFactory(name="南城街道", unit=unit)
    factories.AreaFactory(name="东城街道")
    water = factories.AppealCategoryFactory(code="SW", name="供水排水")
    factories.AppealCategoryFactory(code="CG", name="城市管理")
    item = factories.AppealItemFactory(category=water, code="SW-04", name="井盖缺失破损", deadline_value=2)
    factories.AppealItemFactory(category=water, code="SW-01", name="停水")
    # The list suggests the unit, but the centre confirms each one (no automatic dispatch).
    factories.ResponsibilityFactory(item=item, area=area, primary_unit=unit, auto_dispatch=False)
    resident = factories.ResidentFactory(display_name="陈女士")
    dispatcher = factories.StaffFactory(role="dispatcher", with_totp=True)
    organiser = factories.StaffFactory(role="organiser", with_totp=True)
    staff = factories.StaffFactory(role="unit_staff", unit=unit)

    # 1. The resident files from a phone.
    page = phone_page
    sign_in_with_cookie(page, resident, live_server)
    page.goto("/appeals/")
    page.get_by_role("link", name="我要反映问题").click()
    expect(page.get_by_role("heading", name="反映问题")).to_be_visible()
    # The heading shows as soon as the HTML is parsed; the picker searches
    # once htmx (a deferred script) has bound it: typing earlier sent nothing.
    page.wait_for_load_state("load")
    camera = page.locator("input[type=file][name=photos]")
    expect(camera).to_have_attribute("capture", "environment")
    page.get_by_label("搜索分类").fill("井盖")
    expect(page.get_by_text("井盖缺失破损")).to_be_visible()
    page.get_by_label(re.compile("井盖缺失破损")).check()
    page.get_by_label("所在镇街").select_option(label="南城街道")
    page.get_by_label("标题").fill("鸿福路口井盖缺失")
    page.get_by_label("问题描述").fill("鸿福路与元美路交叉口的井盖不见了，晚上很黑，已经有电动车差点掉进去。")
    page.get_by_label("详细地址").fill("南城街道鸿福路与元美路交叉口东北角")
    camera.set_input_files([photo(tmp_path / "hole.jpg")])
    expect(page.locator("#photo-count")).to_have_text("已选 1 张照片")
    page.get_by_label("联系人").fill("陈女士")
    page.get_by_label("联系电话").fill("13800138000")
    page.get_by_label(re.compile("同意在隐去个人信息后公开")).check()
    check_a11y(page, context="intake form")
    screenshot(page, "appeals-1-intake-form")
    page.get_by_role("button", name="提交诉求").click()

    expect(page).to_have_url(re.compile(r"/appeals/t/DG-\d{4}-\d{6}/$"))
    appeal = Appeal.objects.get()
    expect(page.locator("#tracking-number")).to_have_text(appeal.tracking_number)
    expect(page.get_by_text("诉求已提交")).to_be_visible()
    expect(page.locator(".photos img")).to_have_count(1)
    check_a11y(page, context="tracking page, submitted")
    screenshot(page, "appeals-2-tracking-submitted")
    tracking_url = page.url

    # 2. The dispatcher routes it, confirming the suggestion.
    desk = new_phone_page()
    sign_in_with_cookie(desk, dispatcher, live_server)
    desk.goto("/appeals/centre/")
    check_a11y(desk, context="dispatch centre")
    screenshot(desk, "appeals-3-centre")
    desk.get_by_role("link", name="鸿福路口井盖缺失").click()
    expect(desk.get_by_text("责任清单建议：主办 南城街道住房和城乡建设局")).to_be_visible()
    expect(desk.get_by_label("主办单位")).to_have_value(str(unit.pk))
    desk.get_by_label("查看原因").select_option(label="核实现场位置")
    desk.get_by_role("button", name="查看联系方式和地址（将被记录）").click()
    expect(desk.locator("#contact-details")).to_contain_text("13800138000")
    check_a11y(desk, context="staff appeal page")
    screenshot(desk, "appeals-4-dispatch")
    desk.get_by_label("主办分工说明").fill("请先设置警示，再补装井盖")
    desk.get_by_role("button", name="确认派单").click()
    expect(desk.get_by_text("已派单至 南城街道住房和城乡建设局。")).to_be_visible()

    page.goto(tracking_url)
    expect(page.get_by_text(re.compile("已派单至 南城街道住房和城乡建设局 办理"))).to_be_visible()

    # 3. The unit signs, replies and resolves.
    office = new_phone_page()
    sign_in_with_cookie(office, staff, live_server)
    office.goto("/appeals/inbox/")
    expect(office.locator(".tab-new .count")).to_have_text("1")
    check_a11y(office, context="unit inbox")
    screenshot(office, "appeals-5-inbox")
    office.get_by_role("link", name="鸿福路口井盖缺失").click()
    expect(office.get_by_text("分工说明：请先设置警示，再补装井盖")).to_be_visible()
    office.get_by_role("button", name="签收").click()
    expect(office.get_by_text("已签收。")).to_be_visible()

    # The unit reveals the caller's contact with a reason; the organiser sees
    # the reveal in the audit log, never the contact itself.
    office.get_by_label("查看原因").select_option(label="其他")
    office.get_by_label("说明（选“其他”时必填）").fill("约居民确认井盖位置")
    office.get_by_role("button", name="查看联系方式和地址（将被记录）").click()
    expect(office.locator("#contact-details")).to_contain_text("13800138000")
    audit = new_phone_page()
    sign_in_with_cookie(audit, organiser, live_server)
    audit.goto("/appeals/contact-log/")
    entries = audit.locator(".contact-log li")
    expect(entries).to_have_count(2)
    expect(entries.first).to_contain_text("其他：约居民确认井盖位置")
    expect(entries.first).to_contain_text("南城街道住房和城乡建设局")
    expect(entries.nth(1)).to_contain_text("核实现场位置")
    assert "13800138000" not in audit.content() and "鸿福路与元美路交叉口东北角" not in audit.content()
    check_a11y(audit, context="contact reveal log")
    screenshot(audit, "appeals-5b-contact-log")

    page.reload()
    expect(page.get_by_text("南城街道住房和城乡建设局 已签收，正在办理。")).to_be_visible()

    office.get_by_label("答复内容（公开给市民）").fill(REPLY)
    office.get_by_role("button", name="发布答复").click()
    expect(office.get_by_text("答复已发布。")).to_be_visible()

    page.reload()
    expect(page.locator(".timeline").get_by_text(REPLY)).to_be_visible()

    office.get_by_label("办理结果").fill(RESULT)
    office.get_by_label("办理后照片（最多9张）").set_input_files([photo(tmp_path / "fixed.jpg")])
    check_a11y(office, context="unit actions")
    office.get_by_role("button", name="办结").click()
    expect(office.get_by_text("已办结。")).to_be_visible()
    screenshot(office, "appeals-6-unit-resolved")

    # 4. The resident sees every step, without staff names or internal details.
    page.reload()
    expect(page.locator(".badge").first).to_have_text("已办结")
    timeline = page.locator(".timeline")
    for text in ("诉求已提交", "已派单至 南城街道住房和城乡建设局", "已签收，正在办理", REPLY, RESULT):
        expect(timeline.get_by_text(re.compile(re.escape(text))).first).to_be_visible()
    expect(page.locator(".photos img")).to_have_count(2)
    body = page.content()
    assert str(staff) not in body and str(dispatcher) not in body and "请先设置警示" not in body
    check_a11y(page, context="tracking page, resolved")
    screenshot(page, "appeals-7-tracking-resolved")
    appeal.refresh_from_db()
    assert appeal.state == "resolved"
