"""Read side of the expert panel: vote counts for the cut, the current
finalists, a reviewer's queue, live standings and published results."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.db.models import Count, Max, Prefetch, Q, Sum
from django.utils.translation import gettext as _

from cases.enums import EntryState
from cases.models import Campaign, CaseEntry
from portal.enums import ConflictReason
from portal.models import User
from portal.permissions import require
from portal.selectors import conflicted_units, conflicted_units_of
from voting.panel.models import (
    Criterion,
    Finalist,
    FinalistCut,
    Mark,
    PanelEvent,
    PanelSeat,
    PanelSettings,
    ResultVersion,
    Review,
    ReviewAssignment,
    ReviewerProfile,
)
from voting.panel.enums import ReviewState
from voting.panel.standings import (
    CaseInput,
    ReviewInput,
    Standings,
    StandingsSettings,
    compute_standings,
    outlier_hints,
)
from voting.panel.standings import Criterion as CriterionSpec

# The defaults of DESIGN.md: name, weight (= maximum mark), guidance.
DEFAULT_CRITERIA = (
    ("有效性", Decimal(40), "案例是否切实解决了群众急难愁盼问题，成效是否可衡量、可持续。"),
    ("创新性", Decimal(30), "做法是否有新思路、新机制、新技术，是否可复制推广。"),
    ("反响度", Decimal(30), "群众、媒体和社会的评价与参与程度，包括公众投票情况。"),
)


def settings_of(campaign: Campaign) -> PanelSettings:
    """The campaign's panel settings, or the defaults when none were saved."""
    cached = getattr(campaign, "_panel_settings", None)
    if cached is None:
        cached = PanelSettings.objects.filter(campaign=campaign).first() or PanelSettings(campaign=campaign)
        campaign._panel_settings = cached
    return cached


def valid_vote_counts(campaign: Campaign) -> dict[int, int]:
    """Exact non-void ballots per case on the board, read from the voting
    app's tally shards (which always equal the committed non-void ballots);
    cases without a vote count 0."""
    # Looked up by name: voting.models imports the panel's models to register them.
    tally = apps.get_model("voting", "CaseTally")
    counts = dict(tally.objects.filter(campaign=campaign).values_list("case_id").annotate(n=Sum("votes")))
    on_board = CaseEntry.objects.filter(campaign=campaign, state=EntryState.ACCEPTED).values_list("pk", flat=True)
    return {case_id: counts.get(case_id, 0) for case_id in on_board}


def current_cut(campaign: Campaign) -> FinalistCut | None:
    return FinalistCut.objects.filter(campaign=campaign, is_current=True).first()


def cuts(campaign: Campaign):
    return FinalistCut.objects.filter(campaign=campaign).select_related("actor").order_by("-made_at", "-pk")


def finalists(campaign: Campaign) -> list[Finalist]:
    cut = current_cut(campaign)
    if cut is None:
        return []
    return list(
        Finalist.objects.filter(cut=cut).select_related("case__unit", "case__domain").order_by("vote_rank", "case__title")
    )


def finalist_ids(campaign: Campaign) -> list[int]:
    return list(Finalist.objects.filter(cut__campaign=campaign, cut__is_current=True).values_list("case_id", flat=True))


def criteria_of(campaign: Campaign) -> list[Criterion]:
    return list(Criterion.objects.filter(campaign=campaign).order_by("position", "pk"))


def criteria_frozen(campaign: Campaign) -> bool:
    return PanelEvent.objects.filter(campaign=campaign, action="review_submitted").exists()


def seats(campaign: Campaign):
    return (
        PanelSeat.objects.filter(campaign=campaign)
        .select_related("reviewer__reviewer_profile")
        .prefetch_related("reviewer__memberships__unit")
        .annotate(
            assigned=Count("reviewer__panel_assignments", filter=Q(reviewer__panel_assignments__campaign=campaign),
                           distinct=True),
            submitted=Count("reviewer__panel_reviews", filter=Q(reviewer__panel_reviews__campaign=campaign,
                                                               reviewer__panel_reviews__state=ReviewState.SUBMITTED),
                            distinct=True),
        )
        .order_by("reviewer__reviewer_profile__category", "reviewer__reviewer_profile__name", "pk")
    )


def panel_campaigns(user) -> list[Campaign]:
    return list(Campaign.objects.filter(panel_seats__reviewer=user).order_by("-year", "-created_at"))


@dataclass(frozen=True)
class CaseProgress:
    title: str
    state: str  # "submitted", "draft" or "todo": never the marks


@dataclass(frozen=True)
class ReviewerProgress:
    name: str
    cases: list[CaseProgress]

    @property
    def assigned(self) -> int:
        return len(self.cases)

    @property
    def submitted(self) -> int:
        return sum(1 for case in self.cases if case.state == ReviewState.SUBMITTED)

    @property
    def drafts(self) -> int:
        return sum(1 for case in self.cases if case.state == ReviewState.DRAFT)


@dataclass(frozen=True)
class PanelProgress:
    campaign: Campaign
    reviewers: list[ReviewerProgress]

    @property
    def assigned(self) -> int:
        return sum(r.assigned for r in self.reviewers)

    @property
    def submitted(self) -> int:
        return sum(r.submitted for r in self.reviewers)


def panel_progress(actor: User) -> list[PanelProgress]:
    """Each campaign with finalists, newest first: every reviewer's current
    finalists and how far they are with each (submitted, draft, not
    started), for the organisers. Reads the states only, never a mark or a
    comment, so nothing of the blind scoring shows. Three queries."""
    require(actor, "voting.view_panel_progress")
    campaigns = list(Campaign.objects.filter(finalist_cuts__is_current=True).distinct().order_by("-year", "-created_at"))
    current = Finalist.objects.filter(cut__campaign__in=campaigns, cut__is_current=True).values("case_id")
    assignments = (
        ReviewAssignment.objects.filter(campaign__in=campaigns, case_id__in=current)
        .values_list("campaign_id", "reviewer_id", "reviewer__reviewer_profile__name", "reviewer__display_name",
                     "case_id", "case__title")
        .order_by("campaign_id", "reviewer__reviewer_profile__name", "reviewer_id", "case__title", "case_id")
    )
    states = {
        (campaign_id, reviewer_id, case_id): state
        for campaign_id, reviewer_id, case_id, state in Review.objects.filter(campaign__in=campaigns)
        .values_list("campaign_id", "reviewer_id", "case_id", "state")
    }
    grouped: dict[int, dict[int, tuple[str, list[CaseProgress]]]] = {c.pk: {} for c in campaigns}
    for campaign_id, reviewer_id, name, display_name, case_id, title in assignments:
        _name, cases = grouped[campaign_id].setdefault(reviewer_id, (name or display_name or "", []))
        cases.append(CaseProgress(title, states.get((campaign_id, reviewer_id, case_id), "todo")))
    return [PanelProgress(c, [ReviewerProgress(name, cases) for name, cases in grouped[c.pk].values()])
            for c in campaigns]


@dataclass(frozen=True)
class QueueItem:
    finalist: Finalist
    review: Review | None

    @property
    def state(self) -> str:
        if self.review is None:
            return "todo"
        return self.review.state


def queue(user, campaign: Campaign) -> list[QueueItem]:
    """The reviewer's finalists, in vote-rank order, with their own review."""
    assigned = set(ReviewAssignment.objects.filter(campaign=campaign, reviewer=user).values_list("case_id", flat=True))
    blocked = conflicted_units(user)
    items = [f for f in finalists(campaign) if f.case_id in assigned and f.case.unit_id not in blocked]
    reviews = {r.case_id: r for r in Review.objects.filter(campaign=campaign, reviewer=user)}
    return [QueueItem(finalist=f, review=reviews.get(f.case_id)) for f in items]


@dataclass(frozen=True)
class SkippedPair:
    """A reviewer on the panel who is not given a finalist, and why."""

    reviewer: User
    case: CaseEntry
    reason: str
    via: object  # the reviewer's unit that makes the conflict

    @property
    def explanation(self) -> str:
        unit, via = self.case.unit.name, self.via.name
        if self.reason == ConflictReason.OWN_UNIT:
            return _("评委是%(unit)s的工作人员") % {"unit": unit}
        if self.reason == ConflictReason.DECLARED:
            return _("评委申报与%(unit)s有关联") % {"unit": unit}
        if self.reason == ConflictReason.PARENT_UNIT:
            return _("%(unit)s是评委所在单位%(via)s的上级单位") % {"unit": unit, "via": via}
        return _("%(unit)s是评委所在单位%(via)s的下级单位") % {"unit": unit, "via": via}


def skipped_for_conflict(campaign: Campaign) -> list[SkippedPair]:
    """Every (reviewer, finalist) pair of the panel that a conflict of
    interest keeps apart, in vote-rank then seat order."""
    reviewers = [
        seat.reviewer for seat in
        PanelSeat.objects.filter(campaign=campaign).select_related("reviewer__reviewer_profile").order_by("pk")
    ]
    conflicts = conflicted_units_of(reviewers)
    pairs = []
    for finalist in finalists(campaign):
        for person in reviewers:
            conflict = conflicts[person.pk].get(finalist.case.unit_id)
            if conflict is not None:
                pairs.append(SkippedPair(reviewer=person, case=finalist.case, reason=conflict.reason, via=conflict.via))
    return pairs


def case_for_reviewer(user, campaign: Campaign, case_id: int, *, message=None) -> Finalist:
    """A finalist the reviewer may open. Anything else — not a finalist, not
    assigned, a forged id, a conflict of interest — does not exist for them:
    one 404 (NotFoundError) for all of them, with `message` when the caller
    words its 404s otherwise than the pages do (the API)."""
    finalist = (
        Finalist.objects.filter(cut__campaign=campaign, cut__is_current=True, case_id=case_id)
        .select_related("case__unit", "case__domain", "case__track", "case__campaign")
        .first()
    )
    # A missing finalist is asked about as None, which voting.score_case never allows.
    require(user, "voting.score_case", finalist.case if finalist else None, message=message, conceal=True)
    return finalist


def own_review(user, case: CaseEntry) -> Review | None:
    return Review.objects.filter(case=case, reviewer=user).prefetch_related("marks").first()


def reviewer_labels(campaign: Campaign) -> dict[int, str]:
    """How a reviewer is named to other reviewers and in exports: their name
    when the campaign shows names, otherwise 评委 1, 评委 2… (in seat order)."""
    show = settings_of(campaign).show_reviewer_names
    labels = {}
    for index, seat in enumerate(
        PanelSeat.objects.filter(campaign=campaign).select_related("reviewer__reviewer_profile").order_by("pk"), start=1
    ):
        profile = getattr(seat.reviewer, "reviewer_profile", None)
        labels[seat.reviewer_id] = profile.name if show and profile else _("评委 %(number)s") % {"number": index}
    return labels


@dataclass(frozen=True)
class OtherMark:
    label: str
    marks: list[tuple[Criterion, Decimal | None]]
    total: Decimal | None
    comment: str
    own: bool


def marks_after_submitting(user, case: CaseEntry) -> list[OtherMark] | None:
    """Every submitted review of the case — only once the reviewer's own is
    submitted (None before: nobody peeks)."""
    own = Review.objects.filter(case=case, reviewer=user, state=ReviewState.SUBMITTED).exists()
    if not own:
        return None
    criteria = criteria_of(case.campaign)
    specs = [_spec(c) for c in criteria]
    labels = reviewer_labels(case.campaign)
    from voting.panel.standings import review_total

    result = []
    for review in Review.objects.filter(case=case, state=ReviewState.SUBMITTED).prefetch_related("marks").order_by("pk"):
        values = {m.criterion_id: m.value for m in review.marks.all()}
        total, _missing = review_total({str(k): v for k, v in values.items()}, specs)
        result.append(OtherMark(
            label=labels.get(review.reviewer_id, "评委"),
            marks=[(c, values.get(c.pk)) for c in criteria],
            total=total.quantize(Decimal("0.01")) if total is not None else None,
            comment=review.comment,
            own=review.reviewer_id == user.pk,
        ))
    return result


def _spec(criterion: Criterion) -> CriterionSpec:
    return CriterionSpec(
        key=str(criterion.pk), name=criterion.name, weight=criterion.weight, max_mark=criterion.max_mark,
        required=criterion.required,
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
    return compute_standings(cases=cases, reviews=reviews, criteria=[_spec(c) for c in criteria],
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


def seat_prefetch() -> Prefetch:
    return Prefetch("panel_seats", queryset=PanelSeat.objects.select_related("reviewer__reviewer_profile"))
