"""Reviewing as read: the panel's progress for organisers (states only,
never marks), a reviewer's queue, conflicts skipped, a reviewer's own case
and review, and the marks shown once a review is submitted."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from cases.models import Campaign, CaseEntry
from portal.enums import ConflictReason
from portal.models import User
from portal.permissions import require
from portal.selectors import conflicted_units, conflicted_units_of
from voting.panel.enums import ReviewState
from voting.panel.models import Criterion, Finalist, PanelSeat, Review, ReviewAssignment
from voting.panel.selectors.setup import criteria_of, criterion_spec, finalists, settings_of


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
    specs = [criterion_spec(c) for c in criteria]
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
