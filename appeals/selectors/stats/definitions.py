"""The counters and the figures defined over them (one definition each; the
package docstring says them in words, the pages show them as tooltips).

COUNTERS is the one list of pre-aggregated columns: the tables
(appeals.models.stats), the rebuild's SQL (appeals.services.stats) and
``Figures`` are all built from it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

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


def ratio(numerator: int, denominator: int) -> Decimal | None:
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
        return ratio(self.right_first_time, self.dispatched)

    @property
    def on_time_dispatch_rate(self) -> Decimal | None:
        return ratio(self.dispatched_on_time, self.dispatch_due)

    @property
    def on_time_completion_rate(self) -> Decimal | None:
        return ratio(self.completed_on_time, self.handling_due)

    @property
    def average_handling_hours(self) -> Decimal | None:
        if not self.completed:
            return None
        return (Decimal(self.handling_seconds) / Decimal(self.completed) / Decimal(3600)).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )

    @property
    def reply_rate(self) -> Decimal | None:
        return ratio(self.replied, self.received)

    @property
    def satisfaction_rate(self) -> Decimal | None:
        return ratio(self.ratings_good, self.ratings)

    @property
    def bad_review_rate(self) -> Decimal | None:
        return ratio(self.ratings_bad, self.ratings)

    @property
    def on_time_rectification_rate(self) -> Decimal | None:
        return ratio(self.rectifications_on_time, self.rectifications_due)

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

