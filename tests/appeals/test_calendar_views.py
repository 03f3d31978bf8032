"""The calendar pages (issue 21): who may open each, the preview before a
save, forged and missing input, and the import of a year's list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from appeals import deadlines
from appeals.models import Holiday, WorkOrder
from portal.enums import AuditAction, Role
from portal.models import AuditEntry
from portal.timeutils import local_datetime
from tests import factories
from tests.signin import ROLES, assert_refused_everywhere, sign_in, signed_in_as

pytestmark = pytest.mark.django_db

WEDNESDAY, SATURDAY = "2031-03-05", "2031-03-08"
GOOD_FILE = "date,kind,name\n2031-03-05,holiday,春节\n2031-03-08,workday,春节调休\n"


def csv_file(text: str, name: str = "holidays.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")



def pages():
    return [
        ("get", "/appeals/centre/calendar/", {}),
        ("get", "/appeals/centre/calendar/", {"month": "2031-03", "day": WEDNESDAY}),
        ("post", "/appeals/centre/calendar/day", {"date": WEDNESDAY, "kind": "holiday", "name": "春节"}),
        ("post", "/appeals/centre/calendar/day", {"date": WEDNESDAY, "kind": "holiday", "name": "春节", "expected": "x"}),
        ("get", "/appeals/centre/calendar/import", {}),
        ("post", "/appeals/centre/calendar/import", {"year": 2031, "file": csv_file(GOOD_FILE)}),
        ("post", "/appeals/centre/calendar/import/apply", {"year": 2031, "content": GOOD_FILE, "expected": "x"}),
    ]


def snapshot():
    return list(Holiday.objects.order_by("date").values_list("date", "kind", "name")), AuditEntry.objects.count()


@pytest.mark.parametrize("role", [r for r in ROLES if r != "dispatcher"])
def test_nobody_but_the_dispatch_centre_opens_or_changes_the_calendar(client, role):
    signed_in_as(client, role)
    assert_refused_everywhere(client, role, pages(), snapshot)


def test_the_dispatch_centre_opens_every_page(client):
    signed_in_as(client, "dispatcher")
    for method, address, data in pages():
        response = getattr(client, method)(address, data)
        # A forged preview digest ("x") is a stale preview: shown on the form (400) or as a message (302).
        assert response.status_code in (200, 302, 400), (address, response.status_code)


def test_the_centre_workspace_links_the_calendar(client):
    signed_in_as(client, "dispatcher")
    assert 'href="/appeals/centre/calendar/"' in client.get("/appeals/centre/").content.decode()


def test_month_view_marks_days_in_words_not_colour_alone(client):
    factories.HolidayFactory(date=dt.date(2031, 3, 5), name="春节")
    factories.HolidayFactory(date=dt.date(2031, 3, 8), name="春节调休", kind="workday")
    signed_in_as(client, "dispatcher")
    page = client.get("/appeals/centre/calendar/", {"month": "2031-03"}).content.decode()
    assert "> 2031-03-05 放假 春节</span>" in page and "休</span>" in page
    assert "> 2031-03-08 调休上班 春节调休</span>" in page and "班</span>" in page
    assert "> 2031-03-09 周末</span>" in page and "> 2031-03-10 工作日</span>" in page
    assert "?month=2031-02" in page and "?month=2031-04" in page


@pytest.mark.parametrize("month", ["2031-13", "March", "0001-01", "2031-3-1", "'; drop table"])
def test_a_forged_month_shows_this_month_with_a_message(client, month):
    signed_in_as(client, "dispatcher")
    response = client.get("/appeals/centre/calendar/", {"month": month})
    assert response.status_code == 400
    assert "月份格式应为 2027-02" in response.content.decode()


def test_saving_a_day_shows_the_moved_deadlines_first_then_saves_them(client):
    dispatched = local_datetime(2031, 3, 3, 10)
    due = deadlines.add_working_days(dispatched, 3)
    part = factories.WorkOrderFactory(dispatched_at=dispatched, due_at=due, due_soon_at=deadlines.due_soon_from(dispatched, due))
    signed_in_as(client, "dispatcher")
    preview = client.post("/appeals/centre/calendar/day", {"date": WEDNESDAY, "kind": "holiday", "name": "春节"})
    page = preview.content.decode()
    assert preview.status_code == 200 and "1 个待办时限随之调整" in page
    assert part.appeal.tracking_number in page and "2031-03-06" in page and "2031-03-07" in page
    assert not Holiday.objects.exists() and WorkOrder.objects.get().due_at == due
    expected = preview.context["preview"].digest
    saved = client.post("/appeals/centre/calendar/day", {"date": WEDNESDAY, "kind": "holiday", "name": "春节", "expected": expected})
    assert saved.status_code == 302 and saved["Location"].endswith("?month=2031-03")
    assert Holiday.objects.get().name == "春节"
    assert WorkOrder.objects.get().due_at.astimezone(deadlines.LOCAL_TZ).date() == dt.date(2031, 3, 7)


@pytest.mark.parametrize("data, field_error", [
    ({"date": "2031-02-30", "kind": "holiday", "name": "春节"}, "date"),
    ({"date": "not-a-date", "kind": "holiday", "name": "春节"}, "date"),
    ({"date": "", "kind": "holiday", "name": "春节"}, "date"),
    ({"kind": "holiday", "name": "春节"}, "date"),
    ({"date": WEDNESDAY, "name": "春节"}, "kind"),
    ({"date": WEDNESDAY, "kind": "weekend", "name": "春节"}, "kind"),
    ({"date": WEDNESDAY, "kind": "holiday", "name": ""}, "name"),
    ({"date": WEDNESDAY, "kind": "holiday", "name": "节" * 41}, "name"),
    ({"date": WEDNESDAY, "kind": "workday", "name": "调休"}, "date"),
    ({"date": SATURDAY, "kind": "holiday", "name": "春节"}, "date"),
    ({"date": "2020-01-06", "kind": "holiday", "name": "旧"}, "date"),
])
def test_bad_or_missing_day_input_is_shown_on_the_form_and_changes_nothing(client, data, field_error):
    signed_in_as(client, "dispatcher")
    for extra in ({}, {"expected": "anything"}):
        response = client.post("/appeals/centre/calendar/day", data | extra)
        assert response.status_code == 400
        assert response.context["form"].errors.get(field_error), response.context["form"].errors
    assert snapshot() == ([], 0)


def test_a_save_with_a_stale_preview_is_refused_on_the_form(client):
    signed_in_as(client, "dispatcher")
    response = client.post("/appeals/centre/calendar/day",
                           {"date": WEDNESDAY, "kind": "holiday", "name": "春节", "expected": "0" * 16})
    assert response.status_code == 400
    assert "请重新预览后再保存" in response.content.decode()
    assert snapshot() == ([], 0)


# --- import --------------------------------------------------------------------------------------


def test_a_good_file_is_previewed_then_imported_and_logged(client):
    factories.HolidayFactory(date=dt.date(2031, 5, 5), name="旧的劳动节")  # left out of the file: cleared
    signed_in_as(client, "dispatcher")
    preview = client.post("/appeals/centre/calendar/import", {"year": 2031, "file": csv_file(GOOD_FILE)})
    assert preview.status_code == 200 and "3 天有变化" in preview.content.decode()
    assert Holiday.objects.count() == 1
    form = preview.context["apply_form"]
    applied = client.post("/appeals/centre/calendar/import/apply", {
        "year": 2031, "content": form.initial["content"], "expected": form.initial["expected"]})
    assert applied.status_code == 302
    assert snapshot()[0] == [(dt.date(2031, 3, 5), "holiday", "春节"), (dt.date(2031, 3, 8), "workday", "春节调休")]
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.details["year"], entry.details["days"]) == (AuditAction.CALENDAR_IMPORTED, 2031, 3)


def test_the_2027_example_file_imports(client, settings):
    from pathlib import Path

    text = (Path(settings.BASE_DIR) / "demo" / "holidays-2027.csv").read_text(encoding="utf-8")
    signed_in_as(client, "dispatcher")
    preview = client.post("/appeals/centre/calendar/import", {"year": 2027, "file": csv_file(text)})
    assert preview.status_code == 200, preview.content.decode()[:2000]
    assert len(preview.context["preview"].changes) >= 21


@pytest.mark.parametrize("text, year, lines", [
    ("date,kind,name\n2031-03-05,holiday,春节\n2031-03-06,放假,\n2031-03-08,holiday,周末\n2031-03-07,workday,工作日\n", 2031, [3, 4, 5]),
    ("date,kind,name\n2031-02-30,holiday,春节\n2031-03-05,closed,春节\n2031-03-05\n", 2031, [2, 3, 4]),
    ("date,kind,name\n2031-03-05,holiday,春节\n2032-03-05,holiday,春节\n", 2031, [3]),
    ("date,kind,name\n2031-03-05,holiday,春节\n2031-03-05,holiday,春节\n", 2031, [3]),
    (GOOD_FILE, 2030, [2, 3]),
    ("日期,类型\n2031-03-05,holiday\n", 2031, [1]),
])
def test_bad_rows_are_listed_by_line_and_nothing_is_imported(client, text, year, lines):
    signed_in_as(client, "dispatcher")
    response = client.post("/appeals/centre/calendar/import", {"year": year, "file": csv_file(text)})
    assert response.status_code == 400
    assert [line for line, _ in response.context["errors"].errors] == lines
    assert "没有导入任何内容" in response.content.decode() or lines == [1]
    assert snapshot() == ([], 0)


@pytest.mark.parametrize("data", [
    {"year": 2031},
    {"file": "x"},
    {"year": "二〇三一", "file": "x"},
    {"year": 1999, "file": "x"},
])
def test_an_import_without_a_file_or_year_is_refused_on_the_form(client, data):
    signed_in_as(client, "dispatcher")
    if "file" in data:
        data = data | {"file": csv_file(GOOD_FILE)}
    response = client.post("/appeals/centre/calendar/import", data)
    assert response.status_code == 400 and response.context["form"].errors
    assert snapshot() == ([], 0)


def test_a_file_that_is_not_utf8_csv_is_refused(client):
    signed_in_as(client, "dispatcher")
    upload = SimpleUploadedFile("holidays.csv", GOOD_FILE.encode("gbk"), content_type="text/csv")
    response = client.post("/appeals/centre/calendar/import", {"year": 2031, "file": upload})
    assert response.status_code == 400 and "UTF-8" in response.content.decode()


def test_a_forged_or_stale_apply_changes_nothing(client):
    signed_in_as(client, "dispatcher")
    for data in ({"year": 2031, "content": GOOD_FILE, "expected": "0" * 16},
                 {"year": 2031, "content": "date,kind,name\n2031-03-08,holiday,周末\n", "expected": "x"},
                 {"year": 2031, "content": GOOD_FILE}):
        response = client.post("/appeals/centre/calendar/import/apply", data)
        assert response.status_code == 302 and response["Location"].endswith("/calendar/import")
    assert snapshot() == ([], 0)


def test_an_import_moves_open_deadlines_as_previewed(client):
    dispatched = local_datetime(2031, 3, 3, 10)
    due = deadlines.add_working_days(dispatched, 3)
    factories.WorkOrderFactory(dispatched_at=dispatched, due_at=due, due_soon_at=deadlines.due_soon_from(dispatched, due))
    signed_in_as(client, "dispatcher")
    preview = client.post("/appeals/centre/calendar/import", {"year": 2031, "file": csv_file(GOOD_FILE)})
    moves = [(m.pk, m.new) for m in preview.context["preview"].moves]
    form = preview.context["apply_form"]
    client.post("/appeals/centre/calendar/import/apply", {
        "year": 2031, "content": form.initial["content"], "expected": form.initial["expected"]})
    assert list(WorkOrder.objects.values_list("pk", "due_at")) == moves


def test_the_role_matrix_covers_every_role():
    assert set(ROLES) - {"anonymous", "resident"} == set(Role.values)


def test_the_calendar_and_its_preview_read_in_english(client, settings):
    from tests.portal.test_translations import CJK, LANGUAGE_SWITCH_LABEL, _VisibleText

    factories.HolidayFactory(date=dt.date(2031, 3, 6), name="Qingming")
    sign_in(client, factories.StaffFactory(role=Role.DISPATCHER, display_name="Ho"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    pages = [
        client.get("/appeals/centre/calendar/", {"month": "2031-03", "day": "2031-03-06"}),
        client.post("/appeals/centre/calendar/day", {"date": WEDNESDAY, "kind": "holiday", "name": "Spring"}),
        client.get("/appeals/centre/calendar/import"),
    ]
    for response in pages:
        assert response.status_code == 200
        parser = _VisibleText()
        parser.feed(response.content.decode())
        leftovers = [c for c in parser.chunks if c != LANGUAGE_SWITCH_LABEL and CJK.search(c)]
        # The import page shows a sample file, whose names are Chinese as the State Council's are.
        assert [c for c in leftovers if "2027-02-08,holiday" not in c] == [], leftovers
