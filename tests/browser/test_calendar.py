"""Issue 21, the calendar on a phone (390×844): the dispatch centre opens it
from its workspace, moves between months, marks a weekday a holiday after
seeing the deadline it moves, makes a weekend day a make-up workday, and
imports the 2027 list from the example file."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from appeals import deadlines
from appeals.models import Holiday, WorkOrder
from portal.timeutils import local_day
from tests.browser.conftest import check_a11y, screenshot, sign_in_with_cookie

pytestmark = pytest.mark.django_db(transaction=True)


def next_weekday(after: dt.date, *, weekday: int) -> dt.date:
    return after + dt.timedelta(days=(weekday - after.weekday() - 1) % 7 + 1)


def test_the_dispatch_centre_edits_the_calendar_on_a_phone(phone_page, live_server):
    from tests import factories

    dispatcher = factories.StaffFactory(role="dispatcher", with_totp=True, display_name="何派单")
    today = local_day()
    # A work order dispatched now with 5 working days; a Wednesday inside it becomes a holiday.
    holiday = next_weekday(today + dt.timedelta(days=1), weekday=2)
    dispatched = timezone.now()
    days = 5 if holiday <= deadlines.add_working_days(dispatched, 5).astimezone(deadlines.LOCAL_TZ).date() else 10
    due = deadlines.add_working_days(dispatched, days)
    part = factories.WorkOrderFactory(dispatched_at=dispatched, due_at=due,
                                      due_soon_at=deadlines.due_soon_from(dispatched, due),
                                      appeal__title="路灯不亮", unit__name="南城街道办事处")
    saturday = next_weekday(holiday, weekday=5)
    page = phone_page
    sign_in_with_cookie(page, dispatcher, live_server)

    page.goto("/appeals/centre/")
    page.get_by_role("link", name="节假日").click()
    expect(page.get_by_role("heading", name="节假日与调休")).to_be_visible()
    check_a11y(page, context="calendar, this month")
    screenshot(page, "calendar-01-month")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390

    page.get_by_role("link", name="下月").click()
    following = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    expect(page.get_by_role("heading", name=f"{following.year} 年 {following.month} 月")).to_be_visible()
    screenshot(page, "calendar-02-next-month")
    page.get_by_role("link", name="上月").click()
    expect(page.get_by_role("heading", name=f"{today.year} 年 {today.month} 月")).to_be_visible()
    if holiday.month != today.month:
        page.get_by_role("link", name="下月").click()

    page.get_by_role("link", name=re.compile(f" {holiday.isoformat()} 工作日")).click()
    expect(page.locator("#id_date")).to_have_value(holiday.isoformat())
    page.get_by_label("放假（工作日休息）").check()
    page.get_by_label("名称").fill("春节")
    screenshot(page, "calendar-03-day-form")
    page.get_by_role("button", name="预览变化").click()

    expect(page.get_by_role("heading", name="1 个待办时限随之调整")).to_be_visible()
    moves = page.locator(".cal-moves li")
    expect(moves).to_have_count(1)
    expect(moves).to_contain_text(part.appeal.tracking_number)
    expect(moves.locator("del")).to_have_text(due.astimezone(deadlines.LOCAL_TZ).date().isoformat())
    check_a11y(page, context="calendar preview")
    screenshot(page, "calendar-04-preview")
    assert not Holiday.objects.exists()

    page.get_by_role("button", name="确认保存").click()
    expect(page.get_by_text("个待办时限随之调整。")).to_be_visible()
    expect(page.get_by_role("link", name=f"{holiday.day} {holiday.isoformat()} 放假 春节", exact=True)).to_be_visible()
    screenshot(page, "calendar-05-saved")
    part.refresh_from_db()
    assert part.due_at == deadlines.add_working_days(dispatched, days)  # counted again, with the holiday
    assert part.due_at.astimezone(deadlines.LOCAL_TZ).date() > due.astimezone(deadlines.LOCAL_TZ).date()

    # A weekday offered as a make-up workday is refused on the form, then the Saturday is accepted.
    if saturday.month != holiday.month:
        page.get_by_role("link", name="下月").click()
    page.get_by_role("link", name=re.compile(f" {saturday.isoformat()} 周末")).click()
    page.get_by_label("调休上班（周末上班）").check()
    page.get_by_label("名称").fill("春节调休")
    page.locator("#id_date").fill((saturday - dt.timedelta(days=1)).isoformat())
    page.get_by_role("button", name="预览变化").click()
    expect(page.get_by_text("调休上班只能设在周六或周日")).to_be_visible()
    screenshot(page, "calendar-06-refused")
    page.locator("#id_date").fill(saturday.isoformat())
    page.get_by_role("button", name="预览变化").click()
    page.get_by_role("button", name="确认保存").click()
    expect(page.get_by_role("link", name=f"{saturday.day} {saturday.isoformat()} 调休上班 春节调休", exact=True)).to_be_visible()
    assert Holiday.objects.get(date=saturday).kind == "workday"

    # The 2027 list from the example file: preview, then import.
    page.goto("/appeals/centre/calendar/")
    page.get_by_role("link", name="导入全年节假日").click()
    page.get_by_label("年份").fill("2027")
    page.get_by_label("节假日文件（CSV）").set_input_files(str(settings.BASE_DIR / "demo" / "holidays-2027.csv"))
    page.get_by_role("button", name="预览变化").click()
    expect(page.get_by_role("heading", name="21 天有变化")).to_be_visible()
    check_a11y(page, context="import preview")
    screenshot(page, "calendar-07-import-preview")
    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_text("已导入 2027 年的节假日")).to_be_visible()
    expect(page.get_by_role("heading", name="2027 年 1 月")).to_be_visible()
    page.get_by_role("link", name="下月").click()
    expect(page.get_by_role("link", name="8 2027-02-08 放假 春节", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="20 2027-02-20 调休上班 春节调休", exact=True)).to_be_visible()
    check_a11y(page, context="February 2027 after the import")
    screenshot(page, "calendar-08-february-2027")
    assert Holiday.objects.filter(date__year=2027).count() == 21
    assert WorkOrder.objects.count() == 1
