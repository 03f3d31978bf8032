"""Final standings and the finalists' cut: pure functions over plain data.

Nothing here reads the database. The selectors turn rows into the inputs
below; every number the organisers' live table, the public results page and
the exports show comes out of ``compute_standings``, so each line of a
published result can be re-done by hand (and the tests do exactly that).

The rules (DESIGN.md, "Expert scoring"):

- A review's total is ``100 × Σ(weight × mark ÷ max mark) ÷ Σ weight`` over
  the criteria it marked. With the default criteria (有效性 40, 创新性 30,
  反响度 30, each marked out of its weight) that is simply the sum of marks.
  An optional criterion left blank drops out of both sums.
- A review missing a required criterion is *incomplete*: it is listed, and
  it is left out of every number; it never counts as 0.
- Panel score of a case: trimmed mean (default: the mean after dropping one
  highest and one lowest total when there are at least 5 complete reviews),
  plain mean, median, or z-score: each reviewer's totals are standardised
  over the cases that reviewer scored (population standard deviation; a
  reviewer with fewer than two totals or with all totals equal gets z = 0),
  then put back on the panel's common 0–100 scale with the mean and
  standard deviation of all complete totals, clamped to 0–100, and averaged.
- Vote score (0–100): max-ratio ``votes ÷ highest finalist's votes × 100``
  (default); log-damped min–max ``(ln(1+v) − ln(1+min)) ÷ (ln(1+max) −
  ln(1+min)) × 100``; or rank points ``(N − vote rank + 1) ÷ N × 100``.
- Final score = vote weight × vote score + panel weight × panel score,
  computed exactly in Decimal and rounded once, to ``places`` decimals
  (half up). Vote, panel and final scores are each rounded once from their
  exact values; ranking uses the published (rounded) figures, so two cases
  that show the same final score are separated by the tie-break chain a
  reader can check: higher panel score, then count-back (more reviewers
  placing the case 1st, then 2nd, …, each reviewer's places among the cases
  they scored), then more valid votes. Still tied means a shared rank
  (1, 2, 2, 4); ids never decide a rank.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal, localcontext

from voting.panel.enums import Aggregate, VoteMethod

HUNDRED = Decimal(100)
ZERO = Decimal(0)
TRIM_MIN_REVIEWS = 5
PRECISION = 40  # digits carried while computing; only the published figures are rounded


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


# --- helpers ------------------------------------------------------------------


def quantize(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _decimal(value) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        raise ValueError("marks must be Decimal, int or str, not float")
    return Decimal(value)


def _mean(values: list[Decimal]) -> Decimal:
    return sum(values, ZERO) / len(values)


def _median(values: list[Decimal]) -> Decimal:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def _population_sd(values: list[Decimal]) -> Decimal:
    mean = _mean(values)
    return (sum(((v - mean) ** 2 for v in values), ZERO) / len(values)).sqrt()


def competition_ranks(values: Mapping, *, key=lambda v: v) -> dict:
    """Rank 1 + number of strictly better values (1, 2, 2, 4)."""
    keyed = {k: key(v) for k, v in values.items()}
    ordered = sorted(keyed.values(), reverse=True)
    first_index: dict = {}
    for index, value in enumerate(ordered):
        first_index.setdefault(value, index)
    return {k: first_index[v] + 1 for k, v in keyed.items()}


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


def _clean_marks(review: ReviewInput, criteria: dict[str, Criterion]) -> dict[str, Decimal | None]:
    marks: dict[str, Decimal | None] = {}
    for key, raw in review.marks.items():
        if key not in criteria:
            raise ValueError(f"unknown criterion {key!r} in a review of case {review.case_id}")
        if raw is None or raw == "":
            marks[key] = None
            continue
        mark = _decimal(raw)
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


# --- the standings -----------------------------------------------------------


def compute_standings(
    *,
    cases: Iterable[CaseInput],
    reviews: Iterable[ReviewInput],
    criteria: Iterable[Criterion],
    settings: StandingsSettings = StandingsSettings(),
) -> Standings:
    """The final standings of a campaign's finalists (see the module docstring)."""
    with localcontext() as ctx:
        ctx.prec = PRECISION
        return _compute(list(cases), list(reviews), tuple(criteria), settings)


def _compute(cases: list[CaseInput], reviews: list[ReviewInput], criteria: tuple[Criterion, ...],
             settings: StandingsSettings) -> Standings:
    if settings.vote_weight < 0 or settings.panel_weight < 0 or settings.vote_weight + settings.panel_weight != 1:
        raise ValueError("vote and panel weights must be non-negative and add up to 1")
    if settings.aggregate not in Aggregate.values:
        raise ValueError(f"unknown aggregate {settings.aggregate!r}")
    by_key = {c.key: c for c in criteria}
    case_ids = [c.case_id for c in cases]
    if len(set(case_ids)) != len(case_ids):
        raise ValueError("a case is listed twice")
    places = settings.places

    # Each review's marks and exact total.
    lines: dict[int, list[dict]] = defaultdict(list)
    seen: set[tuple[int, int]] = set()
    for review in reviews:
        if review.case_id not in case_ids:
            raise ValueError(f"review of case {review.case_id}, which is not a finalist")
        if (review.reviewer_id, review.case_id) in seen:
            raise ValueError(f"reviewer {review.reviewer_id} reviewed case {review.case_id} twice")
        seen.add((review.reviewer_id, review.case_id))
        marks = _clean_marks(review, by_key)
        total, missing = review_total(marks, criteria)
        lines[review.case_id].append(
            {"reviewer_id": review.reviewer_id, "marks": marks, "total": total, "missing": missing}
        )

    # Each reviewer's places (count-back) and, for z-scores, their scale.
    by_reviewer: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for case_id, case_lines in lines.items():
        for line in case_lines:
            if line["total"] is not None:
                by_reviewer[line["reviewer_id"]][case_id] = line["total"]
    reviewer_places = {reviewer: competition_ranks(totals) for reviewer, totals in by_reviewer.items()}
    countback_length = max((len(t) for t in by_reviewer.values()), default=0)

    panel_mean = panel_sd = None
    scales: dict[int, tuple[Decimal, Decimal]] = {}
    all_totals = [t for totals in by_reviewer.values() for t in totals.values()]
    if settings.aggregate == Aggregate.ZSCORE and all_totals:
        panel_mean, panel_sd = _mean(all_totals), _population_sd(all_totals)
        for reviewer, totals in by_reviewer.items():
            values = list(totals.values())
            scales[reviewer] = (_mean(values), _population_sd(values))

    votes = {c.case_id: c.votes for c in cases}
    scores, vote_ranks = vote_scores(votes, settings.vote_method)

    rows: list[Standing] = []
    for case in cases:
        case_lines = lines.get(case.case_id, [])
        complete = [line for line in case_lines if line["total"] is not None]
        dropped: dict[int, str] = {line["reviewer_id"]: "incomplete" for line in case_lines if line["total"] is None}
        adjusted: dict[int, Decimal] = {}
        panel_exact: Decimal | None = None
        if complete:
            totals = [line["total"] for line in complete]
            if settings.aggregate == Aggregate.TRIMMED_MEAN:
                if len(complete) >= TRIM_MIN_REVIEWS:
                    ordered = sorted(complete, key=lambda line: (line["total"], line["reviewer_id"]))
                    dropped[ordered[0]["reviewer_id"]] = "lowest"
                    dropped[ordered[-1]["reviewer_id"]] = "highest"
                    totals = [line["total"] for line in ordered[1:-1]]
                panel_exact = _mean(totals)
            elif settings.aggregate == Aggregate.MEAN:
                panel_exact = _mean(totals)
            elif settings.aggregate == Aggregate.MEDIAN:
                panel_exact = _median(totals)
            else:
                for line in complete:
                    mean, sd = scales[line["reviewer_id"]]
                    z = (line["total"] - mean) / sd if sd else ZERO
                    adjusted[line["reviewer_id"]] = min(max(panel_mean + panel_sd * z, ZERO), HUNDRED)
                panel_exact = _mean(list(adjusted.values()))

        countback = [0] * countback_length
        for line in complete:
            countback[reviewer_places[line["reviewer_id"]][case.case_id] - 1] += 1

        averages: dict[str, Decimal | None] = {}
        for criterion in criteria:
            given = [line["marks"][criterion.key] for line in complete if line["marks"].get(criterion.key) is not None]
            averages[criterion.key] = quantize(_mean(given), places) if given else None

        vote_exact = scores[case.case_id]
        vote_part = settings.vote_weight * vote_exact
        panel_part = settings.panel_weight * panel_exact if panel_exact is not None else None
        final_exact = vote_part + panel_part if panel_part is not None else None
        rows.append(
            Standing(
                case_id=case.case_id,
                title=case.title,
                unit=case.unit,
                votes=case.votes,
                vote_rank=vote_ranks[case.case_id],
                vote_score_exact=vote_exact,
                vote_score=quantize(vote_exact, places),
                reviews=tuple(
                    ReviewLine(
                        reviewer_id=line["reviewer_id"],
                        marks=line["marks"],
                        total=line["total"],
                        missing=line["missing"],
                        adjusted=adjusted.get(line["reviewer_id"]),
                        dropped=dropped.get(line["reviewer_id"], ""),
                        reviewer_place=reviewer_places.get(line["reviewer_id"], {}).get(case.case_id),
                    )
                    for line in sorted(case_lines, key=lambda line: line["reviewer_id"])
                ),
                complete_reviews=len(complete),
                incomplete_reviews=len(case_lines) - len(complete),
                assigned=case.assigned,
                panel_score_exact=panel_exact,
                panel_score=quantize(panel_exact, places) if panel_exact is not None else None,
                vote_part=vote_part,
                panel_part=panel_part,
                final_score_exact=final_exact,
                final_score=quantize(final_exact, places) if final_exact is not None else None,
                criterion_averages=averages,
                countback=tuple(countback),
            )
        )

    return Standings(
        rows=tuple(_rank(rows)),
        settings=settings,
        criteria=criteria,
        max_votes=max(votes.values(), default=0),
        min_votes=min(votes.values(), default=0),
        panel_mean=panel_mean,
        panel_sd=panel_sd,
        reviewer_scales=scales,
    )


# The tie-break chain, in order, after the (published) final score.
TIE_BREAKS = ("panel_score", "countback", "votes")


def _chain(row: Standing) -> tuple:
    return (row.final_score, row.panel_score, row.countback, row.votes)


def _rank(rows: list[Standing]) -> list[Standing]:
    scored = [r for r in rows if r.final_score is not None]
    unscored = sorted((r for r in rows if r.final_score is None), key=lambda r: (-r.votes, r.title))
    ranks = competition_ranks({r.case_id: r for r in scored}, key=_chain)
    # Order inside a shared rank is by title only so the list reads the same
    # every time; the rank itself is shared.
    scored.sort(key=lambda r: (ranks[r.case_id], r.title))

    same_final: dict[Decimal, list[Standing]] = defaultdict(list)
    for row in scored:
        same_final[row.final_score].append(row)
    levels = (*TIE_BREAKS, "shared")
    ranked = []
    for row in scored:
        # The deepest link of the chain needed to place this case among the
        # cases showing the same final score.
        needed = [_separating_level(row, other) for other in same_final[row.final_score] if other is not row]
        tie_break = max(needed, key=levels.index) if needed else ""
        ranked.append(replace(row, rank=ranks[row.case_id], tie_break=tie_break))
    return ranked + unscored


def _separating_level(a: Standing, b: Standing) -> str:
    """The first link of the tie-break chain that tells two cases with the
    same final score apart, or "shared"."""
    for name, left, right in zip(TIE_BREAKS, _chain(a)[1:], _chain(b)[1:]):
        if left != right:
            return name
    return "shared"


# --- finalists ----------------------------------------------------------------


@dataclass(frozen=True)
class FinalistCut:
    n: int
    cut_votes: int | None  # votes of the last place inside the cut
    finalists: tuple[tuple[int, int, int], ...]  # (case id, votes, rank by votes)
    tied_at_cut: tuple[int, ...]  # case ids sharing the cut's vote count

    @property
    def case_ids(self) -> list[int]:
        return [case_id for case_id, _, _ in self.finalists]


def select_finalists(counts: Mapping[int, int] | Iterable[tuple[int, int]], n: int) -> FinalistCut:
    """The top ``n`` cases by valid votes, with every case tied at the cut
    included (so there may be more than ``n``)."""
    if n < 1:
        raise ValueError("the number of finalists must be at least 1")
    votes = dict(counts.items() if isinstance(counts, Mapping) else counts)
    if not votes:
        return FinalistCut(n=n, cut_votes=None, finalists=(), tied_at_cut=())
    ranks = competition_ranks(votes)
    ordered = sorted(votes.items(), key=lambda item: (-item[1], item[0]))
    cut_votes = ordered[min(n, len(ordered)) - 1][1]
    finalists = tuple((case_id, v, ranks[case_id]) for case_id, v in ordered if v >= cut_votes)
    at_cut = tuple(case_id for case_id, v, _ in finalists if v == cut_votes)
    tied = at_cut if len(at_cut) > 1 else ()
    return FinalistCut(n=n, cut_votes=cut_votes, finalists=finalists, tied_at_cut=tied)


# --- outlier hints ------------------------------------------------------------


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
                    deviations[line.reviewer_id].append((row.case_id, line.total - _mean(others)))
        hints = []
        places = standings.settings.places
        for reviewer in sorted(reviewers):
            own = deviations.get(reviewer, [])
            mean = quantize(_mean([d for _, d in own]), places) if own else None
            far = tuple((case_id, quantize(d, places)) for case_id, d in own if abs(d) >= case_threshold)
            flagged = bool(far) or (mean is not None and abs(mean) >= reviewer_threshold)
            hints.append(ReviewerHint(reviewer, len(own), mean, far, flagged))
    return hints
