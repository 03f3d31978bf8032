"""Pre-aggregation of the statistics (appeals_dailystat and its weekly and monthly sums).

One statement rebuilds the rows of a window of local days: every counter is
attributed to the local day of its own event (intake, first dispatch,
deadline, resolution, rating, rectification deadline), grouped by (day,
primary unit, area, category). Deleting and re-inserting the window in one
transaction, under an advisory lock, makes the job idempotent and safe when
two workers run it at once. The weeks and months the window touches are then summed
again from their daily rows. Definitions: appeals.selectors.stats.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone

from appeals.enums import BAD_SCORES, GOOD_SCORES
from appeals.models import DailyStat, MonthlyStat, Rectification, StatsRun, WeeklyStat
from appeals.selectors.stats import COUNTERS, RECENT_DAYS, bump_version, next_month
from portal.timeutils import LOCAL_TZ, local_day, local_midnight

LOCK_KEY = 7_300_201  # pg_advisory_xact_lock key of this job

def _row(**values) -> str:
    # Booleans cast through int; every column ends up bigint so the UNION lines up.
    return ", ".join(
        f"({values.get(c, '0')})::bigint AS {c}" if c == "handling_seconds" else f"({values.get(c, '0')})::int::bigint AS {c}"
        for c in COUNTERS
    )


def _scores_in(scores: tuple[int, ...]) -> str:
    """A rating counts as good or bad by the scores the ratings service uses (appeals.enums)."""
    return f"r.score IN ({', '.join(str(int(score)) for score in scores)})"


DAY = f"(({{col}}) AT TIME ZONE '{LOCAL_TZ.key}')::date"
BASE = "FROM appeals_appeal a LEFT JOIN appeals_item i ON i.id = a.item_id"

SQL = f"""
WITH ev AS (
    SELECT {DAY.format(col="a.submitted_at")} AS day, a.primary_unit_id AS unit_id, a.area_id, i.category_id,
           {_row(received="1", replied="a.first_reply_at IS NOT NULL")}
    {BASE} WHERE a.submitted_at >= %(start)s AND a.submitted_at < %(end)s
  UNION ALL
    SELECT {DAY.format(col="a.first_dispatched_at")}, a.primary_unit_id, a.area_id, i.category_id,
           {_row(dispatched="1", right_first_time="a.return_count = 0")}
    {BASE} WHERE a.first_dispatched_at >= %(start)s AND a.first_dispatched_at < %(end)s
  UNION ALL
    SELECT {DAY.format(col="a.dispatch_due_at")}, a.primary_unit_id, a.area_id, i.category_id,
           {_row(dispatch_due="1", dispatched_on_time="a.first_dispatched_at IS NOT NULL AND a.first_dispatched_at <= a.dispatch_due_at")}
    {BASE} WHERE a.dispatch_due_at >= %(start)s AND a.dispatch_due_at < %(end)s AND a.dispatch_due_at <= %(now)s
  UNION ALL
    SELECT {DAY.format(col="a.handling_due_at")}, a.primary_unit_id, a.area_id, i.category_id,
           {_row(handling_due="1", completed_on_time="a.resolved_at IS NOT NULL AND a.resolved_at <= a.handling_due_at")}
    {BASE} WHERE a.handling_due_at >= %(start)s AND a.handling_due_at < %(end)s AND a.handling_due_at <= %(now)s
  UNION ALL
    SELECT {DAY.format(col="a.resolved_at")}, a.primary_unit_id, a.area_id, i.category_id,
           {_row(completed="1", handling_seconds="round(extract(epoch FROM a.resolved_at - a.submitted_at))::bigint")}
    {BASE} WHERE a.resolved_at >= %(start)s AND a.resolved_at < %(end)s
  UNION ALL
    SELECT {DAY.format(col="r.created_at")}, r.unit_id, a.area_id, i.category_id,
           {_row(ratings="1", ratings_good=_scores_in(GOOD_SCORES), ratings_bad=_scores_in(BAD_SCORES))}
    FROM appeals_rating r JOIN appeals_appeal a ON a.id = r.appeal_id LEFT JOIN appeals_item i ON i.id = a.item_id
    WHERE r.created_at >= %(start)s AND r.created_at < %(end)s
  UNION ALL
    SELECT {DAY.format(col="x.due_at")}, x.unit_id, a.area_id, i.category_id,
           {_row(rectifications_due="1", rectifications_on_time=Rectification.rectified_on_time_sql("x"))}
    FROM appeals_rectification x JOIN appeals_appeal a ON a.id = x.appeal_id LEFT JOIN appeals_item i ON i.id = a.item_id
    WHERE x.due_at >= %(start)s AND x.due_at < %(end)s AND x.due_at <= %(now)s
)
INSERT INTO appeals_dailystat (day, unit_id, area_id, category_id, {", ".join(COUNTERS)})
SELECT day, unit_id, area_id, category_id, {", ".join(f"sum({c})" for c in COUNTERS)}
FROM ev GROUP BY day, unit_id, area_id, category_id
ORDER BY day  -- a day's rows stored together: a trend reads whole days
"""


# The daily rows summed per week (Monday) and per calendar month (first day).
ROLLUP_SQL = {
    kind: f"""
INSERT INTO appeals_{kind}lystat ({kind}, unit_id, area_id, category_id, {", ".join(COUNTERS)})
SELECT date_trunc('{kind}', day)::date, unit_id, area_id, category_id, {", ".join(f"sum({c})" for c in COUNTERS)}
FROM appeals_dailystat WHERE day >= %(first)s AND day < %(next)s
GROUP BY 1, unit_id, area_id, category_id
"""
    for kind in ("week", "month")
}


def _rollup_window(kind: str, first_day: dt.date, last_day: dt.date) -> tuple[dt.date, dt.date]:
    """The whole weeks or months that days first_day..last_day belong to (first, next)."""
    if kind == "week":
        return first_day - dt.timedelta(days=first_day.weekday()), last_day + dt.timedelta(days=7 - last_day.weekday())
    return first_day.replace(day=1), next_month(last_day)


def recompute_daily_stats(*, first_day: dt.date, last_day: dt.date, now: dt.datetime | None = None) -> int:
    """Rebuilds the rows for local days first_day..last_day (inclusive); returns the row count."""
    now = now or timezone.now()
    start, end = local_midnight(first_day), local_midnight(last_day + dt.timedelta(days=1))
    run = StatsRun.objects.create(first_day=first_day, last_day=last_day, started_at=now)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        DailyStat.objects.filter(day__gte=first_day, day__lte=last_day).delete()
        cursor.execute(SQL, {"start": start, "end": end, "now": now})
        rows = cursor.rowcount
        # The weeks and months these days belong to, summed again from their daily rows.
        for kind, model in (("week", WeeklyStat), ("month", MonthlyStat)):
            first, following = _rollup_window(kind, first_day, last_day)
            model.objects.filter(**{f"{kind}__gte": first, f"{kind}__lt": following}).delete()
            cursor.execute(ROLLUP_SQL[kind], {"first": first, "next": following})
    StatsRun.objects.filter(pk=run.pk).update(finished_at=timezone.now(), rows=rows)
    StatsRun.objects.filter(pk__lt=run.pk - 1000).delete()  # a log of the last thousand runs is plenty
    bump_version(first_day)
    return rows


def recompute_recent(*, days: int = RECENT_DAYS, now: dt.datetime | None = None) -> int:
    """The periodic job: the last `days` local days (late replies, ratings and
    rectifications change recent days)."""
    today = local_day(now)
    return recompute_daily_stats(first_day=today - dt.timedelta(days=days - 1), last_day=today, now=now)


def recompute_all(*, now: dt.datetime | None = None) -> int:
    """The nightly job: every day that has an appeal (and the days after, for deadlines)."""
    from django.db.models import Min

    from appeals.models import Appeal

    first = Appeal.objects.aggregate(first=Min("submitted_at"))["first"]
    if first is None:
        DailyStat.objects.all().delete()
        WeeklyStat.objects.all().delete()
        MonthlyStat.objects.all().delete()
        bump_version()  # the cached dashboards showed the rows just deleted
        return 0
    today = local_day(now)
    return recompute_daily_stats(first_day=local_day(first), last_day=today + dt.timedelta(days=1), now=now)
