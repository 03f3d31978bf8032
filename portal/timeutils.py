"""The one place that knows the portal's local time (Asia/Shanghai).

Times are stored in UTC; "today", campaign days and deadlines are computed in
local time here and nowhere else.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


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


def local_datetime(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=LOCAL_TZ)
