"""The ranking of units (优秀回复单位) by the published formula."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

from appeals.selectors.stats.definitions import Figures
from appeals.selectors.stats.queries import BreakdownRow, breakdown
from portal.models import Unit

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

