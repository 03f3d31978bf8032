"""Issue 14's journey on phones: a unit staff member signs in with a
password, can do nothing before enrolling TOTP, enrols, and later (past the
15-minute window) reveals a resident's contact on an appeal of the unit,
giving the code again and a reason; then an organiser signs in with password
and TOTP and finds that reveal on the audit page, without the contact."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from appeals import services
from appeals.models import ContactView
from tests import factories
from tests.browser.conftest import check_a11y, screenshot
from tests.signin import totp_now

pytestmark = pytest.mark.django_db(transaction=True)

PHONE, ADDRESS = "13912345678", "南城街道鸿福路与元美路交叉口东北角"


@pytest.fixture(autouse=True)
def patient_expectations():
    """A long journey on a shared machine: assertions wait up to 30 s."""
    expect.set_options(timeout=30_000)
    yield
    expect.set_options(timeout=5_000)


def password_sign_in(page, user, *, next_url: str = "/") -> None:
    page.goto(f"/accounts/login/?next={next_url}")
    page.get_by_text("工作人员用密码登录").click()
    page.locator("#id_pw_login").fill(user.email)
    page.locator("#id_password").fill(factories.TEST_PASSWORD)
    page.get_by_role("button", name="用密码登录").click()


def test_unit_staff_enrols_totp_reveals_after_reauthenticating_and_organiser_sees_the_log(phone_page, new_phone_page):
    city = factories.UnitFactory(name="东莞市人民政府", level="city")
    unit = factories.UnitFactory(name="南城街道住房和城乡建设局", parent=city)
    area = factories.AreaFactory(name="南城街道", unit=unit)
    item = factories.AppealItemFactory(category=factories.AppealCategoryFactory(code="SW", name="供水排水"),
                                       code="SW-04", name="井盖缺失破损", deadline_value=2)
    factories.ResponsibilityFactory(item=item, area=None, primary_unit=unit)  # dispatched on filing
    appeal = services.file_appeal(
        resident=factories.ResidentFactory(display_name="陈晓梅"), idempotency_key="journey-1", item_id=item.pk,
        area_id=area.pk, title="鸿福路口井盖缺失", description="鸿福路与元美路交叉口的井盖不见了，晚上很黑。",
        address=ADDRESS, latitude="23.020000", longitude="113.750000", contact_name="陈晓梅", contact_phone=PHONE,
        publish_consent=False,
    ).appeal
    staff = factories.StaffFactory(role="unit_staff", unit=unit, with_totp=False)
    organiser = factories.StaffFactory(role="organiser", with_totp=True)

    # 1. The unit staff member signs in: nothing but enrolment until TOTP is set up.
    page = phone_page
    page.context.set_default_timeout(30_000)  # a long journey on a shared machine
    password_sign_in(page, staff, next_url="/appeals/inbox/")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/$"))
    page.goto(f"/appeals/s/{appeal.pk}/")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/$"))
    check_a11y(page, context="TOTP enrolment")
    screenshot(page, "staff-access-1-enrol-totp")
    secret = page.locator("#authenticator_secret").inner_text().strip()
    page.locator("#id_code").fill(totp_now(secret))
    page.get_by_role("button", name="启用").click()
    expect(page).not_to_have_url(re.compile(r"/totp/activate/"))

    # 2. Later the same day: the inbox, the appeal (resident masked), the reveal.
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=20)):
        page.goto("/appeals/inbox/")
        page.get_by_role("link", name="鸿福路口井盖缺失").click()
        expect(page.get_by_text("陈* · 139****5678")).to_be_visible()
        assert PHONE not in page.content() and ADDRESS not in page.content()
        page.get_by_role("button", name="签收").click()
        expect(page.get_by_text("已签收。")).to_be_visible()
        check_a11y(page, context="staff appeal page, masked")
        screenshot(page, "staff-access-2-appeal-masked")

        page.get_by_label("查看原因").select_option(label="其他")
        page.get_by_label("说明（选“其他”时必填）").fill("约居民确认井盖位置")
        page.get_by_role("button", name="查看联系方式和地址（将被记录）").click()

        # Signed in 20 minutes ago: the code is asked for again first.
        expect(page).to_have_url(re.compile(r"/accounts/2fa/reauthenticate/"))
        assert not ContactView.objects.exists()
        check_a11y(page, context="reauthenticate before a reveal")
        screenshot(page, "staff-access-3-reauthenticate")
        page.locator("#id_code").fill(totp_now(secret))
        page.get_by_role("button", name="验证并继续").click()

        expect(page.locator("#contact-details")).to_contain_text(PHONE)
        expect(page.locator("#contact-details")).to_contain_text(ADDRESS)
        check_a11y(page, context="contact revealed")
        screenshot(page, "staff-access-4-revealed")
    view = ContactView.objects.get()
    assert (view.viewer, view.viewer_unit, view.appeal) == (staff, unit, appeal)
    assert "约居民确认井盖位置" in view.reason

    # 3. The organiser signs in with password and TOTP and reads the log, not the contact.
    audit = new_phone_page()
    audit.context.set_default_timeout(30_000)
    password_sign_in(audit, organiser, next_url="/appeals/contact-log/")
    audit.locator("#id_code").fill(totp_now())
    audit.get_by_role("button", name="验证并登录").click()
    expect(audit).to_have_url(re.compile(r"/appeals/contact-log/$"))
    entries = audit.locator(".contact-log li")
    expect(entries).to_have_count(1)
    expect(entries.first).to_contain_text("其他：约居民确认井盖位置")
    expect(entries.first).to_contain_text("南城街道住房和城乡建设局")
    expect(entries.first).to_contain_text(appeal.tracking_number)
    assert PHONE not in audit.content() and ADDRESS not in audit.content() and "陈晓梅" not in audit.content()
    check_a11y(audit, context="contact reveal log")
    screenshot(audit, "staff-access-5-contact-log")
