"""Results as read: live standings from the marks and votes, their
breakdown and hints, and the published result versions."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Max

from cases.models import Campaign
from voting.panel.enums import ReviewState
from voting.panel.models import Mark, ResultVersion, Review, ReviewAssignment, ReviewerProfile
from voting.panel.selectors.reviewing import reviewer_labels
from voting.panel.selectors.setup import criteria_of, criterion_spec, finalist_ids, finalists, settings_of, valid_vote_counts
from voting.panel.standings import (
    CaseInput,
    ReviewInput,
    Standings,
    StandingsSettings,
    compute_standings,
    outlier_hints,
)


def standings_settings(campaign: Campaign) -> StandingsSettings:
    s = settings_of(campaign)
    return StandingsSettings(aggregate=s.aggregate, vote_method=s.vote_method, vote_weight=s.vote_weight,
                             panel_weight=s.panel_weight)


def standings(campaign: Campaign) -> Standings:
    """The standings of the current finalists from their valid votes now and
    every submitted review (drafts never count)."""
    entries = finalists(campaign)
    counts = valid_vote_counts(campaign)
    assigned = dict(
        ReviewAssignment.objects.filter(campaign=campaign).values_list("case_id").annotate(n=Count("pk"))
    )
    cases = [
        CaseInput(case_id=f.case_id, votes=counts.get(f.case_id, f.votes), title=f.case.title, unit=f.case.unit.name,
                  assigned=assigned.get(f.case_id, 0))
        for f in entries
    ]
    ids = {f.case_id for f in entries}
    criteria = criteria_of(campaign)
    marks_by_review: dict[int, dict[str, Decimal | None]] = {}
    for review_id, criterion_id, value in Mark.objects.filter(
        review__campaign=campaign, review__state=ReviewState.SUBMITTED
    ).values_list("review_id", "criterion_id", "value"):
        marks_by_review.setdefault(review_id, {})[str(criterion_id)] = value
    reviews = [
        ReviewInput(reviewer_id=reviewer_id, case_id=case_id, marks=marks_by_review.get(pk, {}))
        for pk, reviewer_id, case_id in Review.objects.filter(
            campaign=campaign, state=ReviewState.SUBMITTED, case_id__in=ids
        ).values_list("pk", "reviewer_id", "case_id")
    ]
    return compute_standings(cases=cases, reviews=reviews, criteria=[criterion_spec(c) for c in criteria],
                             settings=standings_settings(campaign))


def breakdown(campaign: Campaign, result: Standings) -> dict:
    """The full, self-contained published record: settings, criteria, every
    case's parts raw and normalised, and every reviewer's marks (labelled
    per the campaign's name setting)."""
    labels = reviewer_labels(campaign)
    criteria = result.criteria
    s = result.settings

    def num(value):
        return None if value is None else str(value)

    return {
        "settings": {
            "aggregate": s.aggregate, "vote_method": s.vote_method, "vote_weight": str(s.vote_weight),
            "panel_weight": str(s.panel_weight), "places": s.places,
            "show_reviewer_names": settings_of(campaign).show_reviewer_names,
        },
        "criteria": [{"key": c.key, "name": c.name, "weight": str(c.weight), "max_mark": str(c.max_mark),
                      "required": c.required} for c in criteria],
        "max_votes": result.max_votes,
        "min_votes": result.min_votes,
        "rows": [
            {
                "rank": row.rank, "case_id": row.case_id, "title": row.title, "unit": row.unit,
                "votes": row.votes, "vote_rank": row.vote_rank,
                "vote_score": num(row.vote_score), "vote_score_exact": num(row.vote_score_exact),
                "panel_score": num(row.panel_score), "panel_score_exact": num(row.panel_score_exact),
                "vote_part": num(row.vote_part), "panel_part": num(row.panel_part),
                "final_score": num(row.final_score), "final_score_exact": num(row.final_score_exact),
                "tie_break": row.tie_break, "countback": list(row.countback),
                "complete_reviews": row.complete_reviews, "incomplete_reviews": row.incomplete_reviews,
                "assigned": row.assigned,
                "criterion_averages": {c.key: num(row.criterion_averages.get(c.key)) for c in criteria},
                "reviews": [
                    {"reviewer": labels.get(line.reviewer_id, "评委"),
                     "marks": {c.key: num(line.marks.get(c.key)) for c in criteria},
                     "total": num(line.total), "adjusted": num(line.adjusted), "dropped": line.dropped,
                     "place": line.reviewer_place}
                    for line in row.reviews
                ],
            }
            for row in result.rows
        ],
    }


def completeness(campaign: Campaign) -> tuple[int, int]:
    """(submitted reviews, assigned reviews) over the current finalists."""
    ids = finalist_ids(campaign)
    assigned = ReviewAssignment.objects.filter(campaign=campaign, case_id__in=ids).count()
    submitted = Review.objects.filter(campaign=campaign, case_id__in=ids, state=ReviewState.SUBMITTED).count()
    return submitted, assigned


def hints(result: Standings):
    return outlier_hints(result)


def reviews_to_reopen(campaign: Campaign):
    return (
        Review.objects.filter(campaign=campaign, state=ReviewState.SUBMITTED)
        .select_related("case", "reviewer__reviewer_profile")
        .order_by("case__title", "pk")
    )


def reviewer_profiles() -> list[ReviewerProfile]:
    return list(ReviewerProfile.objects.select_related("user").order_by("name"))


def result_versions(campaign: Campaign):
    return ResultVersion.objects.filter(campaign=campaign).select_related("published_by").order_by("-version")


def published_editions() -> list[Campaign]:
    """Editions whose results are published, newest edition first (latest
    publication first within a year): what the public pages link to."""
    return list(
        Campaign.objects.annotate(last_published=Max("result_versions__published_at"))
        .filter(last_published__isnull=False)
        .order_by("-year", "-last_published", "-pk")
    )


def published(campaign: Campaign, version: int | None = None) -> ResultVersion | None:
    versions = ResultVersion.objects.filter(campaign=campaign)
    if version is not None:
        return versions.filter(version=version).first()
    return versions.order_by("-version").first()
