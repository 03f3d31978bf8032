"""What goes into the standings and what comes out: plain frozen records."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from voting.panel.enums import Aggregate, VoteMethod


# --- inputs -------------------------------------------------------------------


@dataclass(frozen=True)
class Criterion:
    key: str
    name: str
    weight: Decimal
    max_mark: Decimal
    required: bool = True


@dataclass(frozen=True)
class CaseInput:
    case_id: int
    votes: int
    title: str = ""
    unit: str = ""
    assigned: int | None = None  # reviews expected; None when unknown


@dataclass(frozen=True)
class ReviewInput:
    reviewer_id: int
    case_id: int
    marks: Mapping[str, Decimal | int | str | None]


@dataclass(frozen=True)
class StandingsSettings:
    aggregate: str = Aggregate.TRIMMED_MEAN
    vote_method: str = VoteMethod.MAX_RATIO
    vote_weight: Decimal = Decimal("0.3")
    panel_weight: Decimal = Decimal("0.7")
    places: int = 2


# --- outputs ------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewLine:
    reviewer_id: int
    marks: dict[str, Decimal | None]
    total: Decimal | None  # exact; None when incomplete
    missing: tuple[str, ...] = ()  # required criteria left blank
    adjusted: Decimal | None = None  # z-score method: the total on the common scale
    dropped: str = ""  # "", "highest", "lowest", "incomplete"
    reviewer_place: int | None = None  # where this reviewer placed the case

    @property
    def complete(self) -> bool:
        return self.total is not None

    @property
    def used(self) -> bool:
        return self.complete and not self.dropped


@dataclass(frozen=True)
class Standing:
    case_id: int
    title: str
    unit: str
    votes: int
    vote_rank: int
    vote_score_exact: Decimal
    vote_score: Decimal
    reviews: tuple[ReviewLine, ...]
    complete_reviews: int
    incomplete_reviews: int
    assigned: int | None
    panel_score_exact: Decimal | None
    panel_score: Decimal | None
    vote_part: Decimal  # exact weight × vote score
    panel_part: Decimal | None
    final_score_exact: Decimal | None
    final_score: Decimal | None
    criterion_averages: dict[str, Decimal | None]
    countback: tuple[int, ...]
    rank: int | None = None
    tie_break: str = ""  # "", "panel_score", "countback", "votes", "shared"

    @property
    def missing_reviews(self) -> int | None:
        if self.assigned is None:
            return None
        return max(self.assigned - self.complete_reviews, 0)


@dataclass(frozen=True)
class Standings:
    rows: tuple[Standing, ...]
    settings: StandingsSettings
    criteria: tuple[Criterion, ...]
    max_votes: int
    min_votes: int
    panel_mean: Decimal | None = None  # z-score method: the common scale
    panel_sd: Decimal | None = None
    reviewer_scales: dict[int, tuple[Decimal, Decimal]] = field(default_factory=dict)

    def row(self, case_id: int) -> Standing:
        return next(r for r in self.rows if r.case_id == case_id)
