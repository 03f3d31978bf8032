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
  by the deadline and whose report the dispatch centre verified
  (Rectification.rectified_on_time: one rule for Python and the rebuild's SQL).

A figure whose denominator is zero is shown as "—", never as 0 % or 100 %.

The package, by concept: ``definitions`` (the counters and ``Figures``),
``periods`` (days, weeks, months, years, trend buckets), ``queries`` (a
slice's figures, breakdowns and trend), ``ranking`` (the units' ranking by the
published formula) and ``versions`` (cached pieces and their invalidation).
Callers import the names below from ``appeals.selectors.stats``.
"""

from __future__ import annotations

from appeals.selectors.stats.definitions import COUNTERS, FIGURE_BY_KEY, FIGURES, FigureDef, Figures, ratio
from appeals.selectors.stats.periods import (
    EARLIEST_DAY,
    LATEST_DAY,
    TREND,
    next_month,
    period_range,
    shift,
    whole_periods,
)
from appeals.selectors.stats.queries import (
    BREAKDOWN,
    ROLLUPS,
    BreakdownRow,
    Slices,
    TrendPoint,
    breakdown,
    figures,
    slices,
    total,
    trend,
)
from appeals.selectors.stats.ranking import (
    RANKING_FORMULA,
    RANKING_WEIGHTS,
    RankRow,
    award_ranking,
    rank,
    unit_ranking,
    unit_score,
)
from appeals.selectors.stats.versions import (
    RECENT_DAYS,
    SETTLED_VERSION_KEY,
    VERSION_KEY,
    bump_version,
    cached,
    is_settled,
    settled_before,
    today,
    version,
)

__all__ = [
    "BREAKDOWN", "COUNTERS", "EARLIEST_DAY", "FIGURES", "FIGURE_BY_KEY", "LATEST_DAY", "RANKING_FORMULA",
    "RANKING_WEIGHTS", "RECENT_DAYS", "ROLLUPS", "SETTLED_VERSION_KEY", "TREND", "VERSION_KEY", "BreakdownRow",
    "FigureDef", "Figures", "RankRow", "Slices", "TrendPoint", "award_ranking", "breakdown", "bump_version",
    "cached", "figures", "is_settled", "next_month", "period_range", "rank", "ratio", "settled_before", "shift",
    "slices", "today", "total", "trend", "unit_ranking", "unit_score", "version", "whole_periods",
]
