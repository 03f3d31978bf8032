"""Statistics of appeals by unit, area, category and period.

Read from the pre-aggregated rows (appeals_dailystat, and their weekly and
monthly sums for the whole weeks and months of a range; all rebuilt by the
task queue: appeals.services.stats). A period is a range of local days
(Asia/Shanghai); each counter belongs to the day of its own event.

Definitions (one per figure; the pages show the same text as a tooltip):

- 受理量 received: appeals submitted in the period.
- 一次派准率 dispatched right first time: of the appeals first dispatched in
  the period, the share never returned by a unit (return count 0).
- 按时派单率 on-time dispatch rate: of the appeals whose dispatch deadline
  (urgent 30 min, general 2 h after intake) fell in the period and has
  passed, the share first dispatched by that deadline.
- 按时办结率 on-time completion rate: of the appeals whose handling deadline
  fell in the period and has passed, the share resolved by that deadline
  (an appeal still open after its deadline counts as late).
- 平均办理时长 average handling time: mean hours from intake to resolution of
  the appeals resolved in the period.
- 答复率 reply rate: of the appeals submitted in the period, the share with
  at least one public reply from a unit.
- 满意率 satisfaction rate: of the ratings given in the period, the share
  with 4 or 5 stars (a re-rating after rectification is a rating of its own;
  automatic ratings exist only when the setting allows them).
- 差评率 bad-review rate: of the ratings given in the period, the share with
  1 or 2 stars.
- 整改按时率 on-time rectification rate: of the rectification tasks whose
  deadline fell in the period and has passed, the share whose unit reported
  by the deadline and whose report the dispatch centre verified.

A figure whose denominator is zero is shown as "—", never as 0 % or 100 %.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from appeals.enums import Period
from appeals.models import Area, Category, DailyStat
from portal import caching
from portal.models import Unit
from portal.timeutils import local_day

COUNTERS = [
    "received", "replied", "dispatched", "right_first_time", "dispatch_due", "dispatched_on_time", "handling_due",
    "completed_on_time", "completed", "handling_seconds", "ratings", "ratings_good", "ratings_bad",
    "rectifications_due", "rectifications_on_time",
]


@dataclass(frozen=True)
class FigureDef:
    key: str
    label: str
    definition: str
    kind: str  # "count", "rate" or "hours"


FIGURES: list[FigureDef] = [
    FigureDef("received", _("受理量"), _("统计期内提交的诉求件数。"), "count"),
    FigureDef("right_first_time_rate", _("一次派准率"),
              _("统计期内首次派单的诉求中，没有被承办单位退回过的比例。"), "rate"),
    FigureDef("on_time_dispatch_rate", _("按时派单率"),
              _("派单时限（紧急30分钟、一般2小时）落在统计期内且已到期的诉求中，在时限内首次派单的比例。"), "rate"),
    FigureDef("on_time_completion_rate", _("按时办结率"),
              _("办理时限落在统计期内且已到期的诉求中，在时限内办结的比例；到期仍未办结的算作超期。"), "rate"),
    FigureDef("average_handling_hours", _("平均办理时长"),
              _("统计期内办结的诉求，从提交到办结的平均小时数。"), "hours"),
    FigureDef("reply_rate", _("答复率"), _("统计期内提交的诉求中，已有承办单位公开答复的比例。"), "rate"),
    FigureDef("satisfaction_rate", _("满意率"),
              _("统计期内收到的评价中，4星（满意）和5星（非常满意）所占比例；整改后的再次评价单独计一次。"), "rate"),
    FigureDef("bad_review_rate", _("差评率"), _("统计期内收到的评价中，1星和2星（不满意）所占比例。"), "rate"),
    FigureDef("on_time_rectification_rate", _("整改按时率"),
              _("整改时限落在统计期内且已到期的整改任务中，单位在时限内提交整改情况并经派单中心核实通过的比例。"), "rate"),
]
FIGURE_BY_KEY = {f.key: f for f in FIGURES}


def _ratio(numerator: int, denominator: int) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


@dataclass
class Figures:
    """Summed counters of a slice, and the figures defined above."""

    received: int = 0
    replied: int = 0
    dispatched: int = 0
    right_first_time: int = 0
    dispatch_due: int = 0
    dispatched_on_time: int = 0
    handling_due: int = 0
    completed_on_time: int = 0
    completed: int = 0
    handling_seconds: int = 0
    ratings: int = 0
    ratings_good: int = 0
    ratings_bad: int = 0
    rectifications_due: int = 0
    rectifications_on_time: int = 0

    @classmethod
    def from_row(cls, row: dict) -> Figures:
        return cls(**{c: int(row.get(c) or 0) for c in COUNTERS})

    @property
    def right_first_time_rate(self) -> Decimal | None:
        return _ratio(self.right_first_time, self.dispatched)

    @property
    def on_time_dispatch_rate(self) -> Decimal | None:
        return _ratio(self.dispatched_on_time, self.dispatch_due)

    @property
    def on_time_completion_rate(self) -> Decimal | None:
        return _ratio(self.completed_on_time, self.handling_due)

    @property
    def average_handling_hours(self) -> Decimal | None:
        if not self.completed:
            return None
        return (Decimal(self.handling_seconds) / Decimal(self.completed) / Decimal(3600)).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )

    @property
    def reply_rate(self) -> Decimal | None:
        return _ratio(self.replied, self.received)

    @property
    def satisfaction_rate(self) -> Decimal | None:
        return _ratio(self.ratings_good, self.ratings)

    @property
    def bad_review_rate(self) -> Decimal | None:
        return _ratio(self.ratings_bad, self.ratings)

    @property
    def on_time_rectification_rate(self) -> Decimal | None:
        return _ratio(self.rectifications_on_time, self.rectifications_due)

    def value(self, key: str):
        return getattr(self, key)

    def as_dict(self) -> dict:
        data = {c: getattr(self, c) for c in COUNTERS}
        for figure in FIGURES:
            if figure.kind != "count":
                value = getattr(self, figure.key)
                data[figure.key] = None if value is None else float(value)
        return data

    def cells(self) -> list[dict]:
        """The figures in display order, with their definitions (templates)."""
        return [{"def": f, "value": getattr(self, f.key)} for f in FIGURES]


# --- periods -------------------------------------------------------------

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


# --- queries -------------------------------------------------------------

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


def next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def _whole(kind: str, start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The first day of the first whole week or month inside start..end and
    the day after the last one (first >= after: none inside)."""
    if kind == "week":
        return start + dt.timedelta(days=-start.weekday() % 7), end + dt.timedelta(days=1 - (end.weekday() + 1) % 7)
    first = start if start.day == 1 else next_month(start)
    after = next_month(end) if next_month(end) == end + dt.timedelta(days=1) else end.replace(day=1)
    return first, after


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
        first_whole, after_whole = _whole(kind, start, end)
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
    from django.db import connection

    rows_sql, params = _rows(start=start, end=end, unit_id=unit_id, area_id=area_id, category_id=category_id)
    sums = ", ".join(f"sum({c})" for c in COUNTERS)
    sql = (
        f"SELECT GROUPING(unit_id, area_id, category_id), unit_id, area_id, category_id, {sums} "
        f"FROM ({rows_sql}) r "
        "GROUP BY GROUPING SETS ((unit_id), (area_id), (category_id), ())"
    )
    with connection.cursor() as cursor:
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


def rank(rows: list[BreakdownRow], *, min_received: int) -> list[RankRow]:
    """Ranks breakdown-by-unit rows by the published formula (shared ranks: 1, 2, 2, 4)."""
    ranked = []
    for row in rows:
        if row.key is None or row.figures.received < min_received:
            continue
        score, parts = unit_score(row.figures)
        ranked.append(RankRow(rank=0, unit=row.key, score=score, figures=row.figures, parts=parts))

    def key(r: RankRow):
        return (r.score, r.parts["satisfaction_rate"], r.parts["on_time_completion_rate"], r.figures.received)

    ranked.sort(key=lambda r: (key(r), -r.unit.pk), reverse=True)
    previous = None
    for position, row in enumerate(ranked, start=1):
        row.rank = previous.rank if previous is not None and key(previous) == key(row) else position
        previous = row
    return ranked


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
    from django.db import connection

    rows_sql, params = _rows(start=start, end=end, unit_id=unit_id, area_id=area_id, category_id=category_id,
                             coarsest={"year": "month"}.get(kind, kind))
    sums = ", ".join(f"sum({c})" for c in COUNTERS)
    with connection.cursor() as cursor:
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


# --- ranking (优秀回复单位) ------------------------------------------------

RANKING_WEIGHTS = {
    "on_time_completion_rate": Decimal("0.35"),
    "satisfaction_rate": Decimal("0.35"),
    "reply_rate": Decimal("0.20"),
    "on_time_rectification_rate": Decimal("0.10"),
}
RANKING_FORMULA = _(
    "绩效得分 = 100 ×（0.35 × 按时办结率 + 0.35 × 满意率 + 0.20 × 答复率 + 0.10 × 整改按时率）。"
    "统计期内受理量不足最低要求的单位不参加排名；没有到期整改任务的单位整改按时率按 100% 计，"
    "没有评价或没有到期诉求的单位相应比率按 0 计。得分相同时依次比较满意率、按时办结率、受理量，仍相同则并列。"
)


@dataclass
class RankRow:
    rank: int
    unit: Unit
    score: Decimal
    figures: Figures
    parts: dict = field(default_factory=dict)


def unit_score(f: Figures) -> tuple[Decimal, dict]:
    """The published formula (RANKING_FORMULA), in Decimal, rounded once to 0.01."""
    parts = {}
    total = Decimal(0)
    for key, weight in RANKING_WEIGHTS.items():
        value = getattr(f, key)
        if value is None:
            value = Decimal(1) if key == "on_time_rectification_rate" else Decimal(0)
        parts[key] = value
        total += weight * value
    return (total * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), parts


def unit_ranking(*, start: dt.date, end: dt.date, min_received: int = 20, limit: int | None = None) -> list[RankRow]:
    """Units ranked by the formula over the period (shared ranks: 1, 2, 2, 4)."""
    rows = rank(breakdown(by="unit", start=start, end=end), min_received=min_received)
    return rows[:limit] if limit else rows


def award_ranking(award) -> list[RankRow]:
    """The shortlist of a campaign's "best replying units" track (UnitRankingAward)."""
    rows = unit_ranking(start=award.period_start, end=award.period_end, min_received=award.min_received)
    return [r for r in rows if r.rank <= award.winners]


# --- caching -------------------------------------------------------------

VERSION_KEY = "appeals:stats:version"
SETTLED_VERSION_KEY = "appeals:stats:settled-version"
# The periodic job rebuilds the last 35 local days (services.stats.recompute_recent);
# figures of days before that are settled: only a rebuild reaching further
# back (the nightly full one) changes them.
RECENT_DAYS = 35


def version() -> int:
    return caching.version(VERSION_KEY)


def settled_before() -> dt.date:
    """Periods ending before this day keep their figures across the periodic rebuilds."""
    return today() - dt.timedelta(days=RECENT_DAYS + 1)


def is_settled(end: dt.date) -> bool:
    """A period ending on ``end`` keeps its figures (and its cached dashboard)
    across the periodic rebuilds."""
    return end < settled_before()


def bump_version(first_day: dt.date | None = None) -> None:
    """Called after every rebuild: cached dashboards of recent periods are
    dropped at once; those of settled periods too when the rebuild reached
    back into them (or when it is not said how far it reached)."""
    caching.bump(VERSION_KEY)
    if first_day is None or first_day < settled_before():
        caching.bump(SETTLED_VERSION_KEY)


def cached(name: str, compute, timeout: int = 600, *, settled: bool = False):
    """Dashboard pieces cached until the next rebuild of the figures
    (``settled``: of settled periods only, see bump_version), computed once
    however many requests ask at the same moment (portal.caching)."""
    key = (f"appeals:stats:s{caching.version(SETTLED_VERSION_KEY)}:{name}" if settled
           else f"appeals:stats:{version()}:{name}")
    return caching.remember(key, compute, timeout, single_flight=True)


def today() -> dt.date:
    return local_day()


__all__ = [
    "FIGURES", "Figures", "figures", "breakdown", "trend", "period_range", "unit_ranking", "award_ranking",
    "RANKING_FORMULA",
]
