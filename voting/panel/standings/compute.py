"""The final standings: review totals, the panel score by the campaign's
aggregate, the vote score, the weighted sum, then the ranking."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal, localcontext

from voting.panel.enums import Aggregate
from voting.panel.standings.arithmetic import HUNDRED, PRECISION, ZERO, competition_ranks, mean, median, population_sd, quantize
from voting.panel.standings.data import CaseInput, Criterion, ReviewInput, ReviewLine, Standing, Standings, StandingsSettings
from voting.panel.standings.ranking import rank_rows
from voting.panel.standings.scores import clean_marks, review_total, vote_scores

TRIM_MIN_REVIEWS = 5


def compute_standings(
    *,
    cases: Iterable[CaseInput],
    reviews: Iterable[ReviewInput],
    criteria: Iterable[Criterion],
    settings: StandingsSettings = StandingsSettings(),
) -> Standings:
    """The final standings of a campaign's finalists (the rules: voting.panel.standings)."""
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
        marks = clean_marks(review, by_key)
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
        panel_mean, panel_sd = mean(all_totals), population_sd(all_totals)
        for reviewer, totals in by_reviewer.items():
            values = list(totals.values())
            scales[reviewer] = (mean(values), population_sd(values))

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
                panel_exact = mean(totals)
            elif settings.aggregate == Aggregate.MEAN:
                panel_exact = mean(totals)
            elif settings.aggregate == Aggregate.MEDIAN:
                panel_exact = median(totals)
            else:
                for line in complete:
                    own_mean, own_sd = scales[line["reviewer_id"]]
                    z = (line["total"] - own_mean) / own_sd if own_sd else ZERO
                    adjusted[line["reviewer_id"]] = min(max(panel_mean + panel_sd * z, ZERO), HUNDRED)
                panel_exact = mean(list(adjusted.values()))

        countback = [0] * countback_length
        for line in complete:
            countback[reviewer_places[line["reviewer_id"]][case.case_id] - 1] += 1

        averages: dict[str, Decimal | None] = {}
        for criterion in criteria:
            given = [line["marks"][criterion.key] for line in complete if line["marks"].get(criterion.key) is not None]
            averages[criterion.key] = quantize(mean(given), places) if given else None

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
        rows=tuple(rank_rows(rows)),
        settings=settings,
        criteria=criteria,
        max_votes=max(votes.values(), default=0),
        min_votes=min(votes.values(), default=0),
        panel_mean=panel_mean,
        panel_sd=panel_sd,
        reviewer_scales=scales,
    )
