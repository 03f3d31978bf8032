"""Deadline arithmetic, in local time (Asia/Shanghai), in one place.

- Dispatch deadline: minutes from intake by urgency (urgent 30, general 120).
- Handling deadline in working days: the end (23:59:59 local) of the Nth
  working day after the day the work was dispatched. Working days are Monday
  to Friday, minus configured holidays, plus configured make-up workdays
  (调休上班). Example: dispatched Friday 15:00, 1 working day → Monday 23:59:59.
- Handling deadline in hours: plain clock hours.
- The calendar's days: a holiday is a weekday off, a make-up workday a
  weekend day worked (check_day); days before today are not changed.
- "Due soon" starts APPEALS_DUE_SOON_HOURS before the deadline, but never
  earlier than three quarters of the way through the time given.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils.translation import gettext

from appeals.enums import DeadlineUnit, HolidayKind
from portal.exceptions import ConflictError, InvalidError
from portal.timeutils import LOCAL_TZ

END_OF_DAY = dt.time(23, 59, 59)


def holiday_calendar(start: dt.date, end: dt.date) -> dict[dt.date, str]:
    from appeals.models import Holiday

    return dict(Holiday.objects.filter(date__gte=start, date__lte=end).values_list("date", "kind"))


def is_working_day(day: dt.date, calendar: dict[dt.date, str]) -> bool:
    kind = calendar.get(day)
    if kind == HolidayKind.HOLIDAY:
        return False
    if kind == HolidayKind.WORKDAY:
        return True
    return day.weekday() < 5


def check_day(day, kind: str, name: str, *, today: dt.date, field: str = "date") -> tuple[str, str]:
    """The (kind, name) a day may be given, or the refusal saying why not."""
    if not isinstance(day, dt.date):
        raise InvalidError(gettext("请选择日期。"), code="date_required", field=field)
    check_not_past(day, today=today, field=field)
    if kind not in HolidayKind.values:
        raise InvalidError(gettext("请选择放假或调休上班。"), code="unknown_kind", field="kind")
    if kind == HolidayKind.HOLIDAY and day.weekday() >= 5:
        raise InvalidError(gettext("%(day)s 是周末，本来就休息：放假只登记工作日。") % {"day": day.isoformat()},
                           code="holiday_on_weekend", field=field)
    if kind == HolidayKind.WORKDAY and day.weekday() < 5:
        raise InvalidError(gettext("%(day)s 是工作日，本来就上班：调休上班只能设在周六或周日。") % {"day": day.isoformat()},
                           code="workday_on_weekday", field=field)
    from appeals.models import Holiday

    name_max = Holiday._meta.get_field("name").max_length
    name = (name or "").strip()
    if not name:
        raise InvalidError(gettext("请填写名称，例如“春节”或“国庆节调休”。"), code="name_required", field="name")
    if len(name) > name_max:
        raise InvalidError(gettext("名称太长（最多 %(n)d 个字）。") % {"n": name_max}, code="name_too_long", field="name")
    return kind, name


def check_not_past(day: dt.date, *, today: dt.date, field: str = "date") -> None:
    if day < today:
        raise ConflictError(gettext("%(day)s 已经过去，不能修改：已过的时限和统计按当时的日历计算。") % {"day": day.isoformat()},
                            code="past_day", field=field)


def add_working_days(start: dt.datetime, days: int, *, calendar: dict[dt.date, str] | None = None) -> dt.datetime:
    """End of the `days`-th working day after `start`'s local day.
    ``calendar``: the holidays already loaded (holiday_calendar) covering the
    days counted, for a caller computing many deadlines (the demo history)."""
    if days < 1:
        raise ValueError("days must be at least 1")
    day = start.astimezone(LOCAL_TZ).date()
    if calendar is None:
        # Long holidays (Spring Festival) fit easily in this look-ahead.
        calendar = holiday_calendar(day, day + dt.timedelta(days=days * 3 + 30))
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        if is_working_day(day, calendar):
            counted += 1
    return dt.datetime.combine(day, END_OF_DAY, tzinfo=LOCAL_TZ)


def handling_due(start: dt.datetime, *, value: int, unit: str) -> dt.datetime:
    if unit == DeadlineUnit.HOURS:
        return start + dt.timedelta(hours=value)
    return add_working_days(start, value)


def due_soon_from(start: dt.datetime, due: dt.datetime) -> dt.datetime:
    window = min(dt.timedelta(hours=settings.APPEALS_DUE_SOON_HOURS), (due - start) / 4)
    return due - window


def dispatch_due(submitted_at: dt.datetime, urgency: str) -> dt.datetime:
    return submitted_at + dt.timedelta(minutes=settings.APPEALS_DISPATCH_MINUTES[urgency])


def return_until(dispatched_at: dt.datetime) -> dt.datetime:
    return dispatched_at + dt.timedelta(hours=settings.APPEALS_RETURN_WINDOW_HOURS)
