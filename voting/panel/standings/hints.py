"""Outlier hints for the organisers: how far each reviewer sits from the
others on the same cases."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, localcontext

from voting.panel.standings.arithmetic import PRECISION, mean, quantize
from voting.panel.standings.data import Standings


@dataclass(frozen=True)
class ReviewerHint:
    reviewer_id: int
    compared: int  # reviews compared with at least one other reviewer's
    mean_deviation: Decimal | None  # average of (own total − others' mean)
    far_reviews: tuple[tuple[int, Decimal], ...]  # (case id, deviation) beyond the case threshold
    flagged: bool

    @property
    def direction(self) -> str:
        if self.mean_deviation is None or not self.flagged:
            return ""
        return "lenient" if self.mean_deviation > 0 else "strict"


def outlier_hints(
    standings: Standings, *, reviewer_threshold: Decimal = Decimal(10), case_threshold: Decimal = Decimal(20)
) -> list[ReviewerHint]:
    """Hints, not verdicts: for each reviewer, how far their totals sit from
    the other reviewers' mean on the same cases. A reviewer is flagged when
    that gap averages ``reviewer_threshold`` points or more, or when any one
    total is ``case_threshold`` points or more away."""
    deviations: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
    reviewers: set[int] = set()
    with localcontext() as ctx:
        ctx.prec = PRECISION
        for row in standings.rows:
            complete = [line for line in row.reviews if line.complete]
            for line in row.reviews:
                reviewers.add(line.reviewer_id)
            for line in complete:
                others = [o.total for o in complete if o.reviewer_id != line.reviewer_id]
                if others:
                    deviations[line.reviewer_id].append((row.case_id, line.total - mean(others)))
        hints = []
        places = standings.settings.places
        for reviewer in sorted(reviewers):
            own = deviations.get(reviewer, [])
            average = quantize(mean([d for _, d in own]), places) if own else None
            far = tuple((case_id, quantize(d, places)) for case_id, d in own if abs(d) >= case_threshold)
            flagged = bool(far) or (average is not None and abs(average) >= reviewer_threshold)
            hints.append(ReviewerHint(reviewer, len(own), average, far, flagged))
    return hints
