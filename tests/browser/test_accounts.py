"""Issue 21's portal administrator on phones: the unit tree, inviting a unit
clerk by SMS, the clerk accepting the link, enrolling TOTP and replying to an
appeal of the unit; the audit log shows each step without the clerk's number."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from appeals import services as appeal_services
from portal.models import Notification, User
from tests import factories
from tests.browser.conftest import check_a11y, screenshot, sign_in_with_cookie
from tests.signin import totp_now

pytestmark = pytest.mark.django_db(transaction=True)

CLERK_PHONE = "13912345678"
REPLY = "已安排人员在井口设置警示并补装井盖，预计今天下午完成。"


@pytest.fixture(autouse=True)
def patient_expectations():
    """A long journey on a shared machine: assertions wait up to 30 s."""
    expect.set_options(timeout=30_000)
    yield
    expect.set_options(timeout=5_000)


def test_portal_admin_invites_a_clerk_who_accepts_enrols_and_replies(phone_page, new_phone_page, live_server):
    city = factories.UnitFactory(name="东莞市人民政府", level="city")
    town = factories.UnitFactory(name="南城街道", level="town", kind="town", parent=city)
    unit = factories.UnitFactory(name="南城街道住房和城乡建设局", parent=town)
    area = factories.AreaFactory(name="南城街道", unit=unit)
    item = factories.AppealItemFactory(category=factories.AppealCategoryFactory(code="SW", name="供水排水"),
                                       code="SW-04", name="井盖缺失破损", deadline_value=2)
    factories.ResponsibilityFactory(item=item, area=None, primary_unit=unit)  # dispatched on filing
    appeal_services.file_appeal(
        resident=factories.ResidentFactory(display_name="陈晓梅"), idempotency_key="accounts-1", item_id=item.pk,
        area_id=area.pk, title="鸿福路口井盖缺失", description="鸿福路与元美路交叉口的井盖不见了，晚上很黑。",
        address="南城街道鸿福路与元美路交叉口东北角", latitude="23.020000", longitude="113.750000",
        contact_name="陈晓梅", contact_phone="13800138000", publish_consent=False,
    )
    admin = factories.StaffFactory(role="portal_admin", display_name="郑雅文")

    # 1. The portal administrator finds the unit in the tree and invites a clerk.
    page = phone_page
    page.context.set_default_timeout(30_000)
    sign_in_with_cookie(page, admin, live_server)
    page.goto("/")
    page.get_by_role("button", name="菜单").click()  # the staff header folds into a menu on a phone
    page.get_by_role("link", name="账号与单位").click()
    expect(page.get_by_role("heading", name="单位树")).to_be_visible()
    check_a11y(page, context="unit tree")
    screenshot(page, "accounts-1-unit-tree")
    page.get_by_role("link", name=re.compile("南城街道住房和城乡建设局")).click()
    expect(page.get_by_role("heading", name="南城街道住房和城乡建设局")).to_be_visible()
    expect(page.get_by_text("本单位还没有工作人员。")).to_be_visible()
    page.get_by_role("link", name="邀请本单位工作人员").click()
    page.get_by_label("称呼").fill("李娜")
    page.get_by_label("手机号或邮箱").fill(CLERK_PHONE)
    expect(page.get_by_label("角色")).to_have_value("unit_staff")
    expect(page.get_by_label("单位", exact=True)).to_have_value(str(unit.pk))
    check_a11y(page, context="invite form")
    screenshot(page, "accounts-2-invite")
    page.get_by_role("button", name="发送邀请").click()
    expect(page.get_by_text("邀请已发送到 139****5678，72 小时内有效。")).to_be_visible()
    expect(page.locator(".admin-item").filter(has_text="李娜")).to_contain_text("139****5678")
    assert CLERK_PHONE not in page.content()
    check_a11y(page, context="unit page with the invitation")
    screenshot(page, "accounts-3-unit-invited")

    # 2. The clerk opens the link from the SMS, accepts and must enrol TOTP first.
    sms = Notification.objects.get(recipient="+86" + CLERK_PHONE)
    link = urlsplit(re.search(r"https?://\S+?token=[\w-]+", sms.body).group(0))
    clerk_page = new_phone_page()
    clerk_page.context.set_default_timeout(30_000)
    clerk_page.goto(f"{link.path}?{link.query}")
    expect(clerk_page).to_have_url(re.compile(r"/staff-admin/join/$"))  # the token left the address
    expect(clerk_page.get_by_role("heading", name="接受工作人员邀请")).to_be_visible()
    expect(clerk_page.get_by_text(re.compile("南城街道住房和城乡建设局"))).to_be_visible()
    check_a11y(clerk_page, context="accept invitation")
    screenshot(clerk_page, "accounts-4-accept")
    clerk_page.get_by_role("button", name="接受邀请").click()
    expect(clerk_page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/$"))
    clerk_page.goto("/appeals/inbox/")
    expect(clerk_page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/$"))
    check_a11y(clerk_page, context="TOTP enrolment after accepting")
    screenshot(clerk_page, "accounts-5-enrol-totp")
    secret = clerk_page.locator("#authenticator_secret").inner_text().strip()
    clerk_page.locator("#id_code").fill(totp_now(secret))
    clerk_page.get_by_role("button", name="启用").click()
    expect(clerk_page).not_to_have_url(re.compile(r"/totp/activate/"))
    clerk = User.objects.get(phone="+86" + CLERK_PHONE)
    assert clerk.roles == ["unit_staff"] and clerk.phone_verified

    # 3. The clerk signs for the unit's appeal and replies.
    clerk_page.goto("/appeals/inbox/")
    clerk_page.get_by_role("link", name="鸿福路口井盖缺失").click()
    clerk_page.get_by_role("button", name="签收").click()
    expect(clerk_page.get_by_text("已签收。")).to_be_visible()
    clerk_page.get_by_label("答复内容（公开给市民）").fill(REPLY)
    clerk_page.get_by_role("button", name="发布答复").click()
    expect(clerk_page.get_by_text("答复已发布。")).to_be_visible()
    check_a11y(clerk_page, context="clerk's reply published")
    screenshot(clerk_page, "accounts-6-clerk-replied")

    # 4. The administrator sees the clerk on the unit page and every step in the log.
    page.goto(f"/staff-admin/units/{unit.pk}/")
    expect(page.locator(".admin-item").filter(has_text="李娜")).to_contain_text("139****5678")
    page.get_by_role("link", name="操作记录").click()
    entries = page.locator(".audit-log li")
    expect(entries).to_have_count(2)
    expect(entries.first).to_contain_text("接受邀请")
    expect(entries.nth(1)).to_contain_text("发出邀请")
    expect(entries.nth(1)).to_contain_text("139****5678")
    expect(entries.nth(1)).to_contain_text("单位工作人员 · 南城街道住房和城乡建设局")
    expect(page.locator(".audit-log")).not_to_contain_text("unit_staff")
    assert CLERK_PHONE not in page.content()
    check_a11y(page, context="audit log")
    screenshot(page, "accounts-7-audit")


def test_portal_admin_deactivates_a_clerk_whose_open_session_ends_at_once(phone_page, new_phone_page, live_server):
    unit = factories.UnitFactory(name="大朗镇城市管理和综合执法分局")
    clerk = factories.StaffFactory(role="unit_staff", unit=unit, display_name="邓慧")
    factories.ApiTokenFactory(user=clerk)
    admin = factories.StaffFactory(role="portal_admin", display_name="郑雅文")

    desk = new_phone_page()
    sign_in_with_cookie(desk, clerk, live_server)
    desk.goto("/appeals/inbox/")
    expect(desk).to_have_url(re.compile(r"/appeals/inbox/$"))

    page = phone_page
    page.context.set_default_timeout(30_000)
    sign_in_with_cookie(page, admin, live_server)
    page.goto(f"/staff-admin/units/{unit.pk}/")
    page.get_by_role("link", name=re.compile("邓慧")).click()
    expect(page.get_by_role("heading", name="邓慧")).to_be_visible()
    check_a11y(page, context="staff member page")
    screenshot(page, "accounts-8-person")
    page.get_by_role("button", name="停用账号").click()
    expect(page.get_by_text("账号已停用：已退出所有登录，API 令牌已删除。")).to_be_visible()
    expect(page.get_by_role("button", name="恢复账号")).to_be_visible()
    screenshot(page, "accounts-9-person-deactivated")

    desk.goto("/appeals/inbox/")
    expect(desk).to_have_url(re.compile(r"/accounts/login/"))

    # The same pages in English.
    page.context.add_cookies([{"name": "portal_language", "value": "en", "url": live_server.url}])
    page.goto(f"/staff-admin/units/{unit.pk}/")
    expect(page.get_by_role("heading", name="Staff")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(r"^邓慧 .* · Deactivated$"))).to_be_visible()
    check_a11y(page, context="unit page in English")
    screenshot(page, "accounts-10-unit-english")
