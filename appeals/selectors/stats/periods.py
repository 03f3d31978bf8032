"""Periods of the statistics: local days (Asia/Shanghai) grouped into days,
weeks (Monday to Sunday), months and years, and the trends' buckets."""

from __future__ import annotations

import calendar
import datetime as dt

from appeals.enums import Period

# The days a statistics query may name: pages step a period back and forth
# and trends reach years back, which the calendar's ends would not allow.
EARLIEST_DAY, LATEST_DAY = dt.date(2000, 1, 1), dt.date(2099, 12, 31)


def period_range(period: str, anchor: dt.date) -> tuple[dt.date, dt.date]:
    """The local days of the day/week (Mon–Sun)/month/year containing `anchor`."""
    if period == Period.DAY:
        return anchor, anchor
    if period == Period.WEEK:
        start = anchor - dt.timedelta(days=anchor.weekday())
        return start, start + dt.timedelta(days=6)
    if period == Period.MONTH:
        return anchor.replace(day=1), anchor.replace(day=calendar.monthrange(anchor.year, anchor.month)[1])
    if period == Period.YEAR:
        return dt.date(anchor.year, 1, 1), dt.date(anchor.year, 12, 31)
    raise ValueError(period)


def shift(period: str, anchor: dt.date, steps: int) -> dt.date:
    """The anchor `steps` periods away (negative: earlier)."""
    if period == Period.DAY:
        return anchor + dt.timedelta(days=steps)
    if period == Period.WEEK:
        return anchor + dt.timedelta(weeks=steps)
    if period == Period.MONTH:
        month = anchor.year * 12 + anchor.month - 1 + steps
        year, month = divmod(month, 12)
        return dt.date(year, month + 1, 1)
    return dt.date(anchor.year + steps, 1, 1)


# How many buckets a trend shows, and their size, for each period.
TREND = {Period.DAY: (14, "day"), Period.WEEK: (12, "week"), Period.MONTH: (12, "month"), Period.YEAR: (5, "year")}


def next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def whole_periods(kind: str, start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The first day of the first whole week or month inside start..end and
    the day after the last one (first >= after: none inside)."""
    if kind == "week":
        return start + dt.timedelta(days=-start.weekday() % 7), end + dt.timedelta(days=1 - (end.weekday() + 1) % 7)
    first = start if start.day == 1 else next_month(start)
    after = next_month(end) if next_month(end) == end + dt.timedelta(days=1) else end.replace(day=1)
    return first, after

