"""The working-day calendar's read side: a month of days (working, holiday,
make-up workday, weekend) and what a change of the calendar would do to the
deadlines already stored, before it is saved.

Deadlines are stored when they are set (a work order's at dispatch, a
rectification's when it opens), counted in working days by
``appeals.deadlines.add_working_days``. The rule when the calendar changes:
an open deadline counted in working days keeps its count. It ends at the end
of the same number of working days after its start (the work order's
dispatch, the rectification's opening) under the new calendar. Deadlines in
clock hours do not move; a deadline that ends at 23:59:59 local time is one
counted in working days (hours rarely end there exactly, and an extension
always counts working days). Closed work and deadlines already passed stay
as they were: the calendar of past days cannot be changed
(``appeals.services.calendar``), and a change of today or later moves only
deadlines on or after it."""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
import hashlib
from dataclasses import dataclass, field

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from appeals import calendar_file, deadlines
from appeals.deadlines import check_day, check_not_past
from appeals.enums import PART_OPEN_STATES, HolidayKind, RectificationState
from appeals.models import Holiday, Rectification, WorkOrder
from appeals.exceptions import CatalogueImportError
from portal.exceptions import ConflictError, InvalidError
from portal.permissions import require
from portal.timeutils import LOCAL_TZ, local_day, local_midnight

PERM = "appeals.manage_calendar"
CLEAR = "clear"  # the form's third choice besides the two kinds: an ordinary day again
PREVIEW_SIZE = 10
YEARS = range(2000, 2101)
# Days past the latest deadline that the calendar is loaded for: new
# deadlines move later by at most the holidays added (a long one is 8 days).
LOOK_AHEAD = dt.timedelta(days=120)


class DayStatus:
    """How a day of the month view is marked (in words and a symbol, not by colour alone)."""

    WORKING = "working"
    WEEKEND = "weekend"
    HOLIDAY = "holiday"
    MAKEUP = "makeup"


STATUS_LABELS = {
    DayStatus.WORKING: pgettext_lazy("calendar day", "工作日"),
    DayStatus.WEEKEND: _("周末"),
    DayStatus.HOLIDAY: _("放假"),
    DayStatus.MAKEUP: _("调休上班"),
}


@dataclass(frozen=True)
class CalendarDay:
    date: dt.date
    status: str
    name: str
    in_month: bool
    is_today: bool
    is_past: bool

    @property
    def status_label(self):
        return STATUS_LABELS[self.status]

    @property
    def is_working(self) -> bool:
        return self.status in (DayStatus.WORKING, DayStatus.MAKEUP)


@dataclass(frozen=True)
class Month:
    first: dt.date
    weeks: list[list[CalendarDay]]
    entries: list[Holiday]

    @property
    def previous(self) -> dt.date:
        return (self.first - dt.timedelta(days=1)).replace(day=1)

    @property
    def next(self) -> dt.date:
        return (self.first + dt.timedelta(days=32)).replace(day=1)


def status_of(day: dt.date, kind: str | None) -> str:
    if kind == HolidayKind.HOLIDAY:
        return DayStatus.HOLIDAY
    if kind == HolidayKind.WORKDAY:
        return DayStatus.MAKEUP
    return DayStatus.WORKING if day.weekday() < 5 else DayStatus.WEEKEND


def month(*, actor, year: int, month: int, today: dt.date | None = None) -> Month:
    """The month's weeks (Monday first) with each day's status and name."""
    require(actor, PERM)
    today = today or local_day()
    first = dt.date(year, month, 1)
    weeks_dates = pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    entries = {h.date: h for h in Holiday.objects.filter(date__gte=weeks_dates[0][0], date__lte=weeks_dates[-1][-1])}
    weeks = [
        [
            CalendarDay(
                date=day, status=status_of(day, entries[day].kind if day in entries else None),
                name=entries[day].name if day in entries else "", in_month=day.month == month,
                is_today=day == today, is_past=day < today,
            )
            for day in week
        ]
        for week in weeks_dates
    ]
    return Month(first=first, weeks=weeks, entries=[h for d, h in sorted(entries.items()) if d.month == month])


def entry_on(day: dt.date) -> Holiday | None:
    return Holiday.objects.filter(date=day).first()


# --- what a change moves ---------------------------------------------------------------------


@dataclass(frozen=True)
class DayChange:
    """One day of the calendar before and after (kind None: an ordinary day)."""

    date: dt.date
    old_kind: str | None
    old_name: str
    new_kind: str | None
    new_name: str

    @property
    def old_status_label(self):
        return STATUS_LABELS[status_of(self.date, self.old_kind)]

    @property
    def new_status_label(self):
        return STATUS_LABELS[status_of(self.date, self.new_kind)]

    @property
    def moves_deadlines(self) -> bool:
        return (status_of(self.date, self.old_kind) in (DayStatus.WORKING, DayStatus.MAKEUP)) != (
            status_of(self.date, self.new_kind) in (DayStatus.WORKING, DayStatus.MAKEUP)
        )


@dataclass(frozen=True)
class DeadlineMove:
    """A stored deadline that the change moves: a work order's or a rectification's."""

    kind: str  # "work_order" or "rectification"
    pk: int
    appeal_id: int
    tracking_number: str
    unit_name: str
    is_primary: bool
    start: dt.datetime
    old: dt.datetime
    new: dt.datetime

    @property
    def kind_label(self):
        return _("工单") if self.kind == "work_order" else _("整改")


@dataclass(frozen=True)
class CalendarPreview:
    changes: list[DayChange]
    moves: list[DeadlineMove] = field(default_factory=list)

    @property
    def first_moves(self) -> list[DeadlineMove]:
        return self.moves[:PREVIEW_SIZE]

    @property
    def digest(self) -> str:
        """What the preview showed, in a few characters: the apply step
        refuses when the change would now do something else."""
        text = "|".join(
            [f"{c.date}:{c.old_kind}:{c.old_name}>{c.new_kind}:{c.new_name}" for c in self.changes]
            + [f"{m.kind}:{m.pk}:{m.old.isoformat()}>{m.new.isoformat()}" for m in self.moves]
        )
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def day_changes(wanted: dict[dt.date, tuple[str, str] | None], *, within: tuple[dt.date, dt.date] | None = None) -> list[DayChange]:
    """The days whose entry differs from ``wanted`` (date → (kind, name), or
    None for an ordinary day). With ``within`` (first, last day), every
    stored day in that span that ``wanted`` leaves out is cleared too (a
    year's import replaces the year)."""
    stored = {h.date: h for h in Holiday.objects.filter(date__in=list(wanted))}
    if within is not None:
        stored |= {h.date: h for h in Holiday.objects.filter(date__gte=within[0], date__lte=within[1])}
        wanted = {day: None for day in stored} | wanted
    changes = []
    for day in sorted(wanted):
        old = stored.get(day)
        new = wanted[day]
        old_pair = (old.kind, old.name) if old else None
        if old_pair != new:
            changes.append(DayChange(
                date=day, old_kind=old.kind if old else None, old_name=old.name if old else "",
                new_kind=new[0] if new else None, new_name=new[1] if new else "",
            ))
    return changes


def _is_counted_in_working_days(due: dt.datetime) -> bool:
    return due.astimezone(LOCAL_TZ).time() == deadlines.END_OF_DAY


def _working_days_between(start_day: dt.date, due_day: dt.date, calendar: dict[dt.date, str]) -> int:
    """Working days after ``start_day`` up to ``due_day`` (both local)."""
    count, day = 0, start_day
    while day < due_day:
        day += dt.timedelta(days=1)
        count += deadlines.is_working_day(day, calendar)
    return count


def deadline_moves(changes: list[DayChange]) -> list[DeadlineMove]:
    """The open deadlines counted in working days that ``changes`` move, by
    the rule in this module's docstring, earliest old deadline first."""
    moving = [c.date for c in changes if c.moves_deadlines]
    if not moving:
        return []
    first, last = min(moving), max(moving)
    # A day D moves a deadline whose count it is inside: start's day < D <= due's day.
    window = {"due_at__gte": local_midnight(first)}
    parts = list(
        WorkOrder.objects.filter(state__in=PART_OPEN_STATES, dispatched_at__lt=local_midnight(last), **window)
        .select_related("appeal", "unit").order_by("due_at", "pk")
    )
    rectifications = list(
        Rectification.objects.filter(state=RectificationState.OPEN, created_at__lt=local_midnight(last), **window)
        .select_related("appeal", "unit").order_by("due_at", "pk")
    )
    candidates = [("work_order", p, p.dispatched_at) for p in parts] + [("rectification", r, r.created_at) for r in rectifications]
    candidates = [c for c in candidates if _is_counted_in_working_days(c[1].due_at)]
    if not candidates:
        return []
    start_first = min(start for _, _, start in candidates).astimezone(LOCAL_TZ).date()
    due_last = max(obj.due_at for _, obj, _ in candidates).astimezone(LOCAL_TZ).date()
    old_calendar = deadlines.holiday_calendar(start_first, due_last + LOOK_AHEAD)
    new_calendar = dict(old_calendar)
    for change in changes:
        if change.new_kind is None:
            new_calendar.pop(change.date, None)
        else:
            new_calendar[change.date] = change.new_kind
    moves = []
    for kind, obj, start in candidates:
        due_day = obj.due_at.astimezone(LOCAL_TZ).date()
        count = _working_days_between(start.astimezone(LOCAL_TZ).date(), due_day, old_calendar)
        if count < 1:
            continue
        new_due = deadlines.add_working_days(start, count, calendar=new_calendar)
        if new_due != obj.due_at:
            moves.append(DeadlineMove(
                kind=kind, pk=obj.pk, appeal_id=obj.appeal_id, tracking_number=obj.appeal.tracking_number,
                unit_name=obj.unit.name, is_primary=kind == "work_order" and obj.is_primary, start=start,
                old=obj.due_at, new=new_due,
            ))
    moves.sort(key=lambda m: (m.old, m.kind, m.pk))
    return moves


def preview(*, actor, wanted: dict[dt.date, tuple[str, str] | None],
            within: tuple[dt.date, dt.date] | None = None) -> CalendarPreview:
    """What saving ``wanted`` would change: the days, and the deadlines moved."""
    require(actor, PERM)
    changes = day_changes(wanted, within=within)
    return CalendarPreview(changes=changes, moves=deadline_moves(changes))


def preview_day(*, actor, day, kind: str, name: str = "", today: dt.date | None = None) -> CalendarPreview:
    """What marking ``day`` as ``kind`` (or CLEAR) would change, after the
    checks its saving makes (appeals.services.calendar)."""
    require(actor, PERM)
    today = today or local_day()
    if kind == CLEAR:
        if not isinstance(day, dt.date):
            raise InvalidError(gettext("请选择日期。"), code="date_required", field="date")
        check_not_past(day, today=today)
        return preview(actor=actor, wanted={day: None})
    return preview(actor=actor, wanted={day: check_day(day, kind, name, today=today)})


def import_plan(*, year: int, text: str, today: dt.date) -> tuple[dict[dt.date, tuple[str, str]], tuple[dt.date, dt.date]]:
    """What importing a year's file (appeals.calendar_file) asks for: its
    days from today on, replacing the stored ones of the rest of the year.
    Days already past must be as stored (they cannot change) and stored past
    days the file leaves out are kept."""
    if year not in YEARS:
        raise InvalidError(gettext("请填写 2000 到 2100 之间的年份。"), code="bad_year", field="year")
    last = dt.date(year, 12, 31)
    if last < today:
        raise ConflictError(gettext("%(year)d 年已经过去，不能再导入。") % {"year": year}, code="past_day", field="year")
    rows = calendar_file.read_rows(text, year=year)
    past = {h.date: (h.kind, h.name) for h in Holiday.objects.filter(date__year=year, date__lt=today)}
    errors = [
        (row.line, gettext("%(day)s 已经过去，与现有日历不同，不能修改") % {"day": row.date.isoformat()})
        for row in rows if row.date < today and past.get(row.date) != (row.kind, row.name)
    ]
    if errors:
        raise CatalogueImportError(
            gettext("文件有 %(n)d 行有误，没有导入任何内容。请改正后重新上传。") % {"n": len(errors)}, errors=errors)
    wanted = {row.date: (row.kind, row.name) for row in rows if row.date >= today}
    return wanted, (max(dt.date(year, 1, 1), today), last)


def preview_import(*, actor, year: int, text: str, today: dt.date | None = None) -> CalendarPreview:
    """What importing the file would change: every day of the year that
    differs, and the deadlines moved."""
    require(actor, PERM)
    wanted, within = import_plan(year=year, text=text, today=today or local_day())
    return preview(actor=actor, wanted=wanted, within=within)
