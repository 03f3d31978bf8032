"""The one place that knows the portal's local time (Asia/Shanghai).

Times are stored in UTC; "today", campaign days and deadlines are computed in
local time here and nowhere else.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.formats import date_format

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
# How a moment is written for people (2026-12-03 14:05), in messages, events
# and pages alike (templates: the `local_time` filter).
LOCAL_TEXT_FORMAT = "Y-m-d H:i"


def now() -> dt.datetime:
    return timezone.now()


def local_now() -> dt.datetime:
    return timezone.now().astimezone(LOCAL_TZ)


def local_day(moment: dt.datetime | None = None) -> dt.date:
    """The local calendar day of `moment` (default: now)."""
    return (moment or timezone.now()).astimezone(LOCAL_TZ).date()


def local_midnight(day: dt.date) -> dt.datetime:
    """The aware instant at which local `day` starts."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=LOCAL_TZ)


def local_text(moment: dt.datetime, format: str = LOCAL_TEXT_FORMAT) -> str:
    """`moment` in local time as people read it: 2026-12-03 14:05 (or in
    another Django date `format`, e.g. "m-d H:i"). A naive moment is taken
    as local already."""
    if timezone.is_aware(moment):
        moment = moment.astimezone(LOCAL_TZ)
    return date_format(moment, format)


def local_datetime(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=LOCAL_TZ)
