"""The figures of a slice, its breakdowns by unit, area and category, and
its trend: read from the pre-aggregated rows (daily, and the weekly and
monthly sums for the whole weeks and months of a range)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connections
from django.db.models import Sum

from appeals.enums import Period
from appeals.models import Area, Category, DailyStat
from appeals.selectors.stats.definitions import COUNTERS, Figures
from appeals.selectors.stats.periods import TREND, period_range, shift, whole_periods
from appeals.selectors.stats.versions import version
from portal.dbrouting import read_alias
from portal.models import Unit

def _slice(*, start: dt.date, end: dt.date, unit_id=None, area_id=None, category_id=None):
    qs = DailyStat.objects.filter(day__gte=start, day__lte=end)
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    if area_id:
        qs = qs.filter(area_id=area_id)
    if category_id:
        qs = qs.filter(category_id=category_id)
    return qs


def _sums() -> dict:
    return {c: Sum(c) for c in COUNTERS}


def figures(*, start: dt.date, end: dt.date, unit_id=None, area_id=None, category_id=None) -> Figures:
    """The figures of one slice (one query)."""
    row = _slice(start=start, end=end, unit_id=unit_id, area_id=area_id, category_id=category_id).aggregate(**_sums())
    return Figures.from_row(row)


def total(rows) -> Figures:
    """The sum of breakdown rows (a slice is the sum of its categories)."""
    result = Figures()
    for row in rows:
        for counter in COUNTERS:
            setattr(result, counter, getattr(result, counter) + getattr(row.figures, counter))
    return result


BREAKDOWN = {"unit": (Unit, "unit_id"), "area": (Area, "area_id"), "category": (Category, "category_id")}


@dataclass
class BreakdownRow:
    key: object  # Unit, Area, Category or None (not dispatched / not classified)
    figures: Figures


_BY_ID: dict[str, tuple[int, dict, set]] = {}


def _by_id(model, ids) -> dict:
    """Units, areas or categories by id, kept in the process until the next
    rebuild of the figures (a renamed unit shows its new name from then on,
    like the cached dashboards): three lookups were a tenth of a cold
    dashboard's time. An id it has not been asked for reloads the table (a
    few dozen rows); one that is gone (figures of a deleted unit) stays None."""
    stamp = version()
    held = _BY_ID.get(model._meta.label)
    if held is None or held[0] != stamp or not held[2].issuperset(ids):
        objects = model.objects.in_bulk()
        held = (stamp, objects, set(objects).union(ids))
        _BY_ID[model._meta.label] = held
    return held[1]


def breakdown(*, by: str, start: dt.date, end: dt.date, unit_id=None, area_id=None, category_id=None) -> list[BreakdownRow]:
    """Figures per unit, area or category (two queries), largest first."""
    model, column = BREAKDOWN[by]
    rows = list(
        _slice(start=start, end=end, unit_id=unit_id, area_id=area_id, category_id=category_id)
        .values(column).annotate(**_sums()).order_by()
    )
    objects = _by_id(model, [r[column] for r in rows if r[column]])
    result = [BreakdownRow(key=objects.get(r[column]), figures=Figures.from_row(r)) for r in rows]
    result.sort(key=lambda r: (-r.figures.received, str(r.key or "")))
    return result


# The coarsest pre-aggregated rows a bucket of each size can be summed from.
ROLLUPS = {"day": (), "week": ("week",), "month": ("month", "week")}


def _rows(*, start: dt.date, end: dt.date, unit_id=None, area_id=None, category_id=None,
          coarsest: str = "month") -> tuple[str, list]:
    """SQL (and its parameters) of the pre-aggregated rows covering local days
    start..end with a ``day`` column: the monthly (or weekly) rows for the
    whole months (or weeks) inside the range and the daily rows for the days
    at its edges. ``coarsest`` limits the rows to what buckets of that size
    can be summed from (weeks cross months; day buckets need daily rows)."""
    filters, filter_params = [], []
    for column, value in (("unit_id", unit_id), ("area_id", area_id), ("category_id", category_id)):
        if value:
            filters.append(f" AND {column} = %s")
            filter_params.append(value)
    where = "".join(filters)
    columns = ", ".join(COUNTERS)
    for kind in ROLLUPS[coarsest]:
        first_whole, after_whole = whole_periods(kind, start, end)
        if first_whole < after_whole:
            break
    else:
        return (f"SELECT day, unit_id, area_id, category_id, {columns} FROM appeals_dailystat "
                f"WHERE day >= %s AND day <= %s{where}", [start, end, *filter_params])
    sql = (
        f"SELECT {kind} AS day, unit_id, area_id, category_id, {columns} FROM appeals_{kind}lystat "
        f"WHERE {kind} >= %s AND {kind} < %s{where} "
        f"UNION ALL SELECT day, unit_id, area_id, category_id, {columns} FROM appeals_dailystat "
        f"WHERE ((day >= %s AND day < %s) OR (day >= %s AND day <= %s)){where}"
    )
    return sql, [first_whole, after_whole, *filter_params, start, first_whole, after_whole, end, *filter_params]


@dataclass
class Slices:
    total: Figures
    unit: list[BreakdownRow]
    area: list[BreakdownRow]
    category: list[BreakdownRow]


def slices(*, start: dt.date, end: dt.date, unit_id=None, area_id=None, category_id=None) -> Slices:
    """The total and the breakdowns by unit, area and category in ONE scan
    of the daily rows (GROUPING SETS): a dashboard computed cold reads the
    period once instead of four times."""
    rows_sql, params = _rows(start=start, end=end, unit_id=unit_id, area_id=area_id, category_id=category_id)
    sums = ", ".join(f"sum({c})" for c in COUNTERS)
    sql = (
        f"SELECT GROUPING(unit_id, area_id, category_id), unit_id, area_id, category_id, {sums} "
        f"FROM ({rows_sql}) r "
        "GROUP BY GROUPING SETS ((unit_id), (area_id), (category_id), ())"
    )
    with connections[read_alias(DailyStat)].cursor() as cursor:  # the standby on public pages
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    grouped: dict[int, list] = {3: [], 5: [], 6: [], 7: []}
    for grouping, unit, area, category, *values in rows:
        figures = Figures(**{c: int(v or 0) for c, v in zip(COUNTERS, values)})
        grouped[grouping].append(({3: unit, 5: area, 6: category, 7: None}[grouping], figures))
    result = {}
    for by, bits in (("unit", 3), ("area", 5), ("category", 6)):
        model = BREAKDOWN[by][0]
        objects = _by_id(model, [key for key, _f in grouped[bits] if key])
        items = [BreakdownRow(key=objects.get(key), figures=f) for key, f in grouped[bits]]
        items.sort(key=lambda r: (-r.figures.received, str(r.key or "")))
        result[by] = items
    total = grouped[7][0][1] if grouped[7] else Figures()
    return Slices(total=total, **result)


@dataclass
class TrendPoint:
    start: dt.date
    figures: Figures
    label: str = ""


def trend(*, period: str, anchor: dt.date, unit_id=None, area_id=None, category_id=None) -> list[TrendPoint]:
    """The last N buckets of `period` size ending with the anchor's (one query)."""
    count, kind = TREND[Period(period)]
    first_anchor = shift(period, anchor, -(count - 1))
    start = period_range(period, first_anchor)[0]
    end = period_range(period, anchor)[1]
    rows_sql, params = _rows(start=start, end=end, unit_id=unit_id, area_id=area_id, category_id=category_id,
                             coarsest={"year": "month"}.get(kind, kind))
    sums = ", ".join(f"sum({c})" for c in COUNTERS)
    with connections[read_alias(DailyStat)].cursor() as cursor:  # the standby on public pages
        cursor.execute(f"SELECT date_trunc(%s, day)::date, {sums} FROM ({rows_sql}) r GROUP BY 1", [kind, *params])
        by_bucket = {bucket: Figures.from_row(dict(zip(COUNTERS, values))) for bucket, *values in cursor.fetchall()}
    points = []
    for step in range(count):
        bucket_start = period_range(period, shift(period, first_anchor, step))[0]
        points.append(TrendPoint(start=bucket_start, figures=by_bucket.get(bucket_start, Figures()),
                                 label=_bucket_label(period, bucket_start)))
    return points


def _bucket_label(period: str, day: dt.date) -> str:
    if period == Period.YEAR:
        return f"{day.year}"
    if period == Period.MONTH:
        return f"{day.year % 100:02d}-{day.month:02d}"
    return f"{day.month}/{day.day}"
