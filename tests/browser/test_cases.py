"""The case registry end to end on a phone: a unit enters a case with two
photos, an organiser accepts it, a signed-out resident finds it by a word of
its title and opens it."""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from cases.enums import EntryState
from cases.models import CaseEntry
from tests import factories
from tests.browser.conftest import check_a11y, screenshot, sign_in_with_cookie
from tests.signin import totp_now

TITLE = "推进老旧小区加装电梯惠民工程"


def photo(path, colour):
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 900), colour).save(buffer, format="JPEG")
    path.write_bytes(buffer.getvalue())
    return str(path)


@pytest.mark.django_db(transaction=True)
def test_unit_enters_organiser_accepts_resident_finds_it(phone_page, new_phone_page, live_server, tmp_path):
    campaign = factories.CampaignFactory(title="第三届东莞市民点赞榜")
    unit = factories.UnitFactory(name="南城街道住房和城乡建设局")
    staff = factories.StaffFactory(role="unit_staff", unit=unit, email="nancheng@example.cn")
    organiser = factories.StaffFactory(role="organiser", with_totp=True)
    for i in range(3):
        factories.CaseEntryFactory(campaign=campaign, title=f"其他上榜案例{i}")

    # Unit staff signs in with the real password form.
    page = phone_page
    page.goto("/accounts/login/?next=/cases/mine/")
    page.get_by_text("工作人员用密码登录").click()
    page.locator("#id_pw_login").fill(staff.email)
    page.locator("#id_password").fill(factories.TEST_PASSWORD)
    page.get_by_role("button", name="用密码登录").click()
    # Every staff role holds a second factor.
    page.locator("#id_code").fill(totp_now())
    page.get_by_role("button", name="验证并登录").click()
    expect(page).to_have_url(re.compile(r"/cases/mine/$"))
    expect(page.get_by_role("heading", name="本单位案例")).to_be_visible()
    check_a11y(page, context="my entries")

    page.get_by_role("link", name="新建案例").click()
    page.get_by_label("标题").fill(TITLE)
    page.get_by_label("领域").select_option(label="社区服务")
    page.get_by_label("摘要").fill("一梯一策，破解老旧小区“上楼难”。")
    page.get_by_label("案例全文").fill("街道、社区、业主三方协商。\n\n审批时间由 90 天压缩到 30 天。")
    page.get_by_label("取得成效").fill("加装电梯 126 台，惠及居民 3,100 余户。")
    page.get_by_label("联系人（不公开）").fill("王工")
    page.get_by_label("联系电话（不公开）").fill("0769-22830000")
    page.get_by_label("图片（最多 9 张）").set_input_files(
        [photo(tmp_path / "one.jpg", (200, 40, 40)), photo(tmp_path / "two.jpg", (40, 90, 200))]
    )
    check_a11y(page, context="entry form")
    screenshot(page, "cases-entry-form")
    page.get_by_role("button", name="提交给主办方").click()
    expect(page.get_by_text("案例已提交，等待主办方筛选。")).to_be_visible()
    check_a11y(page, context="entry page")
    screenshot(page, "cases-entry-submitted")
    entry = CaseEntry.objects.get(title=TITLE)
    assert entry.state == EntryState.SUBMITTED and entry.unit == unit and entry.images.count() == 2

    # The organiser accepts it from the screening list.
    desk = new_phone_page()
    sign_in_with_cookie(desk, organiser, live_server)
    desk.goto(f"/cases/screening/{campaign.slug}/?state=submitted")
    expect(desk.get_by_role("link", name=TITLE)).to_be_visible()
    check_a11y(desk, context="screening list")
    screenshot(desk, "cases-screening")
    desk.get_by_label(f"选择「{TITLE}」").check()
    desk.get_by_label("通过上榜").check()
    desk.get_by_role("button", name="执行").click()
    expect(desk.get_by_text("已对 1 个案例执行“通过上榜”。")).to_be_visible()
    entry.refresh_from_db()
    assert entry.state == EntryState.ACCEPTED

    # A signed-out resident on a phone searches for a word of its title.
    resident = new_phone_page()
    resident.goto("/board/")
    expect(resident.get_by_role("heading", name="第三届东莞市民点赞榜")).to_be_visible()
    check_a11y(resident, context="board")
    screenshot(resident, "cases-board")
    resident.get_by_role("searchbox").fill("电梯")
    resident.get_by_role("button", name="搜索").click()
    expect(resident.get_by_text("共 1 个案例")).to_be_visible()
    expect(resident.get_by_role("link", name=TITLE)).to_be_visible()
    assert "q=" in resident.url
    screenshot(resident, "cases-board-search")
    resident.get_by_role("link", name=TITLE).click()
    expect(resident.get_by_role("heading", level=1, name=TITLE)).to_be_visible()
    expect(resident.locator(".gallery-item img")).to_have_count(2)
    assert resident.locator('meta[property="og:title"]').get_attribute("content") == TITLE
    assert "0769-22830000" not in resident.content()
    check_a11y(resident, context="case page")
    screenshot(resident, "cases-case-page")
    poster = resident.request.get(resident.url + "poster.png")
    assert poster.ok and poster.headers["content-type"] == "image/png"
