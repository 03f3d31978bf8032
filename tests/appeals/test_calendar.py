"""The dispatch centre's working-day calendar (issue 21): marking and
clearing days, the rules on which days may be which, and the open deadlines
a change moves, exactly as its preview said."""

from __future__ import annotations

import datetime as dt

import pytest

from appeals import deadlines
from appeals.enums import EventKind, PartState, RectificationState
from appeals.exceptions import CatalogueImportError
from appeals.models import AppealEvent, Holiday, Rectification, WorkOrder
from appeals.selectors import calendar as calendar_selectors
from appeals.services import calendar as calendar_services
from portal.enums import AuditAction, Role
from portal.exceptions import ConflictError, InvalidError, PermissionDeniedError
from portal.models import AuditEntry
from portal.timeutils import local_datetime
from tests import factories

pytestmark = pytest.mark.django_db

NOW = local_datetime(2031, 3, 1, 9)  # a Saturday
MONDAY, WEDNESDAY, FRIDAY, SATURDAY = dt.date(2031, 3, 3), dt.date(2031, 3, 5), dt.date(2031, 3, 7), dt.date(2031, 3, 8)


def work_order(dispatched_at, days, **kwargs):
    due = deadlines.add_working_days(dispatched_at, days)
    return factories.WorkOrderFactory(dispatched_at=dispatched_at, due_at=due,
                                      due_soon_at=deadlines.due_soon_from(dispatched_at, due), **kwargs)


def calendar():
    return {h.date: (h.kind, h.name) for h in Holiday.objects.all()}


@pytest.fixture
def part():
    """Dispatched Monday 10:00 with 3 working days: due Thursday 23:59:59."""
    part = work_order(local_datetime(2031, 3, 3, 10), 3)
    part.appeal.handling_due_at = part.due_at
    part.appeal.save(update_fields=["handling_due_at"])
    assert part.due_at == local_datetime(2031, 3, 6, 23, 59).replace(second=59)
    return part


# --- marking and clearing ------------------------------------------------------------------------


def test_holiday_on_a_weekday_is_saved_named_and_logged(dispatcher):
    calendar_services.set_calendar_day(actor=dispatcher, day=WEDNESDAY, kind="holiday", name=" 春节 ", now=NOW)
    assert calendar() == {WEDNESDAY: ("holiday", "春节")}
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.details["day"], entry.details["day_name"]) == (
        dispatcher, AuditAction.CALENDAR_HOLIDAY_SET, "2031-03-05", "春节")


def test_make_up_workday_on_a_weekend_is_saved(dispatcher):
    calendar_services.set_calendar_day(actor=dispatcher, day=SATURDAY, kind="workday", name="春节调休", now=NOW)
    assert calendar() == {SATURDAY: ("workday", "春节调休")}
    assert AuditEntry.objects.get().action == AuditAction.CALENDAR_WORKDAY_SET


def test_make_up_workday_on_a_weekday_is_refused(dispatcher):
    with pytest.raises(InvalidError) as refused:
        calendar_services.set_calendar_day(actor=dispatcher, day=WEDNESDAY, kind="workday", name="调休", now=NOW)
    assert refused.value.code == "workday_on_weekday"
    assert calendar() == {} and not AuditEntry.objects.exists()


def test_holiday_on_a_weekend_is_refused(dispatcher):
    with pytest.raises(InvalidError) as refused:
        calendar_services.set_calendar_day(actor=dispatcher, day=SATURDAY, kind="holiday", name="春节", now=NOW)
    assert refused.value.code == "holiday_on_weekend"
    assert calendar() == {}


def test_the_database_refuses_a_make_up_workday_on_a_weekday():
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Holiday.objects.create(date=WEDNESDAY, name="调休", kind="workday")


@pytest.mark.parametrize("kind, name, code", [
    ("holiday", "", "name_required"), ("holiday", "   ", "name_required"), ("holiday", "节" * 41, "name_too_long"),
    ("closed", "春节", "unknown_kind"), ("", "春节", "unknown_kind"),
])
def test_bad_kind_or_name_is_refused(dispatcher, kind, name, code):
    with pytest.raises(InvalidError) as refused:
        calendar_services.set_calendar_day(actor=dispatcher, day=WEDNESDAY, kind=kind, name=name, now=NOW)
    assert refused.value.code == code
    assert calendar() == {}


def test_a_day_before_today_cannot_be_changed(dispatcher):
    factories.HolidayFactory(date=dt.date(2031, 2, 28), name="旧假")
    with pytest.raises(ConflictError) as refused:
        calendar_services.set_calendar_day(actor=dispatcher, day=dt.date(2031, 2, 27), kind="holiday", name="春节", now=NOW)
    assert refused.value.code == "past_day"
    with pytest.raises(ConflictError):
        calendar_services.clear_calendar_day(actor=dispatcher, day=dt.date(2031, 2, 28), now=NOW)
    assert calendar() == {dt.date(2031, 2, 28): ("holiday", "旧假")}


def test_marking_the_same_day_again_changes_nothing_and_logs_once(dispatcher):
    for _ in range(2):
        calendar_services.set_calendar_day(actor=dispatcher, day=WEDNESDAY, kind="holiday", name="春节", now=NOW)
    assert calendar() == {WEDNESDAY: ("holiday", "春节")}
    assert AuditEntry.objects.count() == 1


def test_renaming_a_day_keeps_its_kind(dispatcher):
    calendar_services.set_calendar_day(actor=dispatcher, day=WEDNESDAY, kind="holiday", name="春节", now=NOW)
    result = calendar_services.set_calendar_day(actor=dispatcher, day=WEDNESDAY, kind="holiday", name="春节假期", now=NOW)
    assert calendar() == {WEDNESDAY: ("holiday", "春节假期")}
    assert result.moves == []


def test_clearing_a_day_makes_it_ordinary_and_again_changes_nothing(dispatcher):
    factories.HolidayFactory(date=WEDNESDAY, name="春节")
    calendar_services.clear_calendar_day(actor=dispatcher, day=WEDNESDAY, now=NOW)
    calendar_services.clear_calendar_day(actor=dispatcher, day=WEDNESDAY, now=NOW)
    assert calendar() == {}
    assert list(AuditEntry.objects.values_list("action", flat=True)) == [AuditAction.CALENDAR_DAY_CLEARED]


@pytest.mark.parametrize("role", [Role.UNIT_STAFF, Role.ORGANISER, Role.REVIEWER, Role.PORTAL_ADMIN])
def test_only_the_dispatch_centre_changes_the_calendar(role):
    actor = factories.StaffFactory(role=role)
    with pytest.raises(PermissionDeniedError):
        calendar_services.set_calendar_day(actor=actor, day=WEDNESDAY, kind="holiday", name="春节", now=NOW)
    with pytest.raises(PermissionDeniedError):
        calendar_services.clear_calendar_day(actor=actor, day=WEDNESDAY, now=NOW)
    with pytest.raises(PermissionDeniedError):
        calendar_selectors.preview(actor=actor, wanted={WEDNESDAY: ("holiday", "春节")})
    assert calendar() == {}


# --- deadlines moved --------------------------------------------------------------------------


def test_a_holiday_inside_an_open_deadline_moves_it_one_working_day_later(dispatcher, part):
    preview = calendar_selectors.preview(actor=dispatcher, wanted={WEDNESDAY: ("holiday", "春节")})
    assert [(m.pk, m.old, m.new) for m in preview.moves] == [
        (part.pk, part.due_at, deadlines.add_working_days(part.dispatched_at, 4))]
    result = calendar_services.set_calendar_day(actor=dispatcher, day=WEDNESDAY, kind="holiday", name="春节",
                                                expected=preview.digest, now=NOW)
    part.refresh_from_db()
    part.appeal.refresh_from_db()
    assert result.digest == preview.digest
    assert part.due_at.astimezone(deadlines.LOCAL_TZ).date() == FRIDAY
    assert part.appeal.handling_due_at == part.due_at
    assert part.due_soon_at == deadlines.due_soon_from(part.dispatched_at, part.due_at)
    event = AppealEvent.objects.get(appeal=part.appeal, kind=EventKind.DEADLINE_MOVED)
    assert (event.public, event.work_order_id) == (False, part.pk)
    assert AuditEntry.objects.get().details["moved"] == 1


def test_a_make_up_workday_inside_an_open_deadline_moves_it_earlier(dispatcher):
    # Dispatched Friday, 2 working days: Monday, Tuesday. Saturday worked: due Monday.
    part = work_order(local_datetime(2031, 3, 7, 15), 2)
    preview = calendar_selectors.preview(actor=dispatcher, wanted={SATURDAY: ("workday", "调休")})
    calendar_services.set_calendar_day(actor=dispatcher, day=SATURDAY, kind="workday", name="调休",
                                       expected=preview.digest, now=NOW)
    part.refresh_from_db()
    assert part.due_at == preview.moves[0].new
    assert part.due_at.astimezone(deadlines.LOCAL_TZ).date() == dt.date(2031, 3, 10)


def test_clearing_the_holiday_moves_the_deadline_back(dispatcher, part):
    original = part.due_at
    calendar_services.set_calendar_day(actor=dispatcher, day=WEDNESDAY, kind="holiday", name="春节", now=NOW)
    calendar_services.clear_calendar_day(actor=dispatcher, day=WEDNESDAY, now=NOW)
    part.refresh_from_db()
    assert part.due_at == original


def test_deadlines_outside_the_day_in_hours_or_closed_do_not_move(dispatcher, part):
    before = work_order(local_datetime(2031, 3, 3, 10), 1)  # due Tuesday, before the holiday
    after = work_order(local_datetime(2031, 3, 5, 10), 2)  # dispatched on the holiday itself
    hours = factories.WorkOrderFactory(dispatched_at=local_datetime(2031, 3, 4, 10), due_at=local_datetime(2031, 3, 6, 10),
                                       due_soon_at=local_datetime(2031, 3, 6, 4))
    closed = work_order(local_datetime(2031, 3, 3, 10), 3, state=PartState.RESOLVED)
    untouched = {p.pk: p.due_at for p in (before, after, hours, closed)}
    result = calendar_services.set_calendar_day(actor=dispatcher, day=WEDNESDAY, kind="holiday", name="春节", now=NOW)
    assert [m.pk for m in result.moves] == [part.pk]
    assert dict(WorkOrder.objects.filter(pk__in=untouched).values_list("pk", "due_at")) == untouched


def test_an_open_rectification_moves_and_a_submitted_one_does_not(dispatcher):
    start = local_datetime(2031, 3, 3, 10)
    open_one = factories.RectificationFactory(created_at=start)
    submitted = factories.RectificationFactory(created_at=start, state=RectificationState.SUBMITTED, submitted_at=start)
    old = open_one.due_at
    preview = calendar_selectors.preview(actor=dispatcher, wanted={WEDNESDAY: ("holiday", "春节")})
    assert [(m.kind, m.pk) for m in preview.moves] == [("rectification", open_one.pk)]
    calendar_services.set_calendar_day(actor=dispatcher, day=WEDNESDAY, kind="holiday", name="春节",
                                       expected=preview.digest, now=NOW)
    assert Rectification.objects.get(pk=open_one.pk).due_at == deadlines.add_working_days(start, 5)  # with the holiday
    assert Rectification.objects.get(pk=submitted.pk).due_at == old


def test_an_extended_deadline_keeps_its_extra_working_days(dispatcher):
    part = work_order(local_datetime(2031, 3, 3, 10), 3)
    part.due_at = deadlines.add_working_days(part.due_at, 2)  # an extension of two working days: Monday 10th
    part.save(update_fields=["due_at"])
    calendar_services.set_calendar_day(actor=dispatcher, day=WEDNESDAY, kind="holiday", name="春节", now=NOW)
    part.refresh_from_db()
    assert part.due_at.astimezone(deadlines.LOCAL_TZ).date() == dt.date(2031, 3, 11)


def test_a_change_since_the_preview_is_refused_and_changes_nothing(dispatcher, part):
    preview = calendar_selectors.preview(actor=dispatcher, wanted={WEDNESDAY: ("holiday", "春节")})
    work_order(local_datetime(2031, 3, 4, 10), 2)  # a new work order the preview did not show
    with pytest.raises(ConflictError) as refused:
        calendar_services.set_calendar_day(actor=dispatcher, day=WEDNESDAY, kind="holiday", name="春节",
                                           expected=preview.digest, now=NOW)
    assert refused.value.code == "calendar_changed"
    part.refresh_from_db()
    assert calendar() == {} and part.due_at.astimezone(deadlines.LOCAL_TZ).date() == dt.date(2031, 3, 6)
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_changes_each_move_the_deadline_once(dispatcher):
    """Four days marked at once by four requests: the advisory lock makes each
    count from the calendar the one before it saved, so the deadline ends up
    where marking them one after another would put it."""
    import threading

    from django.db import connection

    part = work_order(local_datetime(2031, 3, 3, 10), 8)  # Monday + 8 working days: Thursday 13th
    days = [dt.date(2031, 3, 4), dt.date(2031, 3, 5), dt.date(2031, 3, 6), dt.date(2031, 3, 7)]
    barrier, outcomes = threading.Barrier(len(days)), []

    def mark(day):
        try:
            barrier.wait()
            calendar_services.set_calendar_day(actor=dispatcher, day=day, kind="holiday", name="春节", now=NOW)
            outcomes.append("ok")
        except ConflictError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=mark, args=(day,)) for day in days]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes == ["ok"] * 4
    part.refresh_from_db()
    assert part.due_at == deadlines.add_working_days(part.dispatched_at, 8)  # with the four holidays: the 19th
    assert part.due_at.astimezone(deadlines.LOCAL_TZ).date() == dt.date(2031, 3, 19)
    assert AppealEvent.objects.filter(appeal=part.appeal, kind=EventKind.DEADLINE_MOVED).count() == 4


def test_the_audit_log_names_the_day_and_the_deadlines_moved(dispatcher, part):
    calendar_services.set_calendar_day(actor=dispatcher, day=WEDNESDAY, kind="holiday", name="春节", now=NOW)
    assert AuditEntry.objects.get().summary() == ["2031-03-05 春节", "1 个时限随之调整"]


# --- import ---------------------------------------------------------------------------------------


def test_an_import_keeps_past_days_it_repeats_and_refuses_past_days_it_changes(dispatcher):
    factories.HolidayFactory(date=dt.date(2031, 1, 1), name="元旦")
    factories.HolidayFactory(date=dt.date(2031, 2, 3), name="旧的春节")  # past, left out of the file: kept
    same = "date,kind,name\n2031-01-01,holiday,元旦\n2031-03-05,holiday,春节\n"
    calendar_services.import_calendar(actor=dispatcher, year=2031, text=same, now=NOW)
    assert calendar() == {dt.date(2031, 1, 1): ("holiday", "元旦"), dt.date(2031, 2, 3): ("holiday", "旧的春节"),
                          WEDNESDAY: ("holiday", "春节")}
    assert AuditEntry.objects.get().details == {"moved": 0, "year": 2031, "days": 1}
    changed = "date,kind,name\n2031-01-01,holiday,新年\n2031-03-06,holiday,春节\n"
    with pytest.raises(CatalogueImportError) as refused:
        calendar_services.import_calendar(actor=dispatcher, year=2031, text=changed, now=NOW)
    assert [line for line, _ in refused.value.errors] == [2]
    assert len(calendar()) == 3 and AuditEntry.objects.count() == 1


def test_a_year_already_over_cannot_be_imported(dispatcher):
    with pytest.raises(ConflictError):
        calendar_services.import_calendar(actor=dispatcher, year=2030, text="date,kind,name\n", now=NOW)
    assert calendar() == {}


def test_only_the_dispatch_centre_imports(unit_staff):
    with pytest.raises(PermissionDeniedError):
        calendar_services.import_calendar(actor=unit_staff, year=2031, text="date,kind,name\n2031-03-05,holiday,春节\n", now=NOW)
    assert calendar() == {}
