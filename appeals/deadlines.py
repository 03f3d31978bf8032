"""Deadline arithmetic, in local time (Asia/Shanghai), in one place.

- Dispatch deadline: minutes from intake by urgency (urgent 30, general 120).
- Handling deadline in working days: the end (23:59:59 local) of the Nth
  working day after the day the work was dispatched. Working days are Monday
  to Friday, minus configured holidays, plus configured make-up workdays
  (调休上班). Example: dispatched Friday 15:00, 1 working day → Monday 23:59:59.
- Handling deadline in hours: plain clock hours.
- "Due soon" starts APPEALS_DUE_SOON_HOURS before the deadline, but never
  earlier than three quarters of the way through the time given.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from appeals.enums import DeadlineUnit, HolidayKind
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
