"""The two parts of a case's score before they are combined: a review's
weighted total (the panel side) and the vote score."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from voting.panel.enums import VoteMethod
from voting.panel.standings.arithmetic import HUNDRED, ZERO, as_decimal, competition_ranks
from voting.panel.standings.data import Criterion, ReviewInput


def review_total(marks: Mapping[str, Decimal | None], criteria: Iterable[Criterion]) -> tuple[Decimal | None, tuple[str, ...]]:
    """The weighted 0–100 total of one review, or None and the required
    criteria it misses."""
    weighted = ZERO
    weights = ZERO
    missing = []
    for criterion in criteria:
        mark = marks.get(criterion.key)
        if mark is None:
            if criterion.required:
                missing.append(criterion.key)
            continue
        weighted += criterion.weight * mark / criterion.max_mark
        weights += criterion.weight
    if missing or weights == 0:
        return None, tuple(missing)
    return HUNDRED * weighted / weights, ()


def clean_marks(review: ReviewInput, criteria: dict[str, Criterion]) -> dict[str, Decimal | None]:
    marks: dict[str, Decimal | None] = {}
    for key, raw in review.marks.items():
        if key not in criteria:
            raise ValueError(f"unknown criterion {key!r} in a review of case {review.case_id}")
        if raw is None or raw == "":
            marks[key] = None
            continue
        mark = as_decimal(raw)
        if mark < 0 or mark > criteria[key].max_mark:
            raise ValueError(f"mark {mark} for {key!r} is outside 0–{criteria[key].max_mark}")
        marks[key] = mark
    return marks


def vote_scores(votes: Mapping[int, int], method: str) -> tuple[dict[int, Decimal], dict[int, int]]:
    """Each case's exact 0–100 vote score and its competition rank by votes."""
    ranks = competition_ranks(votes)
    if not votes:
        return {}, ranks
    top, bottom = max(votes.values()), min(votes.values())
    count = len(votes)
    scores: dict[int, Decimal] = {}
    for case_id, v in votes.items():
        if method == VoteMethod.MAX_RATIO:
            scores[case_id] = HUNDRED * v / top if top else ZERO
        elif method == VoteMethod.LOG_MINMAX:
            if top == bottom:
                scores[case_id] = HUNDRED if top else ZERO
            else:
                low = Decimal(1 + bottom).ln()
                scores[case_id] = HUNDRED * (Decimal(1 + v).ln() - low) / (Decimal(1 + top).ln() - low)
        elif method == VoteMethod.RANK_POINTS:
            scores[case_id] = HUNDRED * (count - ranks[case_id] + 1) / count
        else:
            raise ValueError(f"unknown vote method {method!r}")
    return scores, ranks
