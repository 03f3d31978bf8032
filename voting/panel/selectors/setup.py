"""The panel's set-up as read: settings, the vote counts behind the cut,
the finalists, criteria and seats."""

from __future__ import annotations

from decimal import Decimal

from django.apps import apps
from django.db.models import Count, Prefetch, Q, Sum

from cases.enums import EntryState
from cases.models import Campaign, CaseEntry
from voting.panel.enums import ReviewState
from voting.panel.models import Criterion, Finalist, FinalistCut, PanelEvent, PanelSeat, PanelSettings
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


def seat_prefetch() -> Prefetch:
    return Prefetch("panel_seats", queryset=PanelSeat.objects.select_related("reviewer__reviewer_profile"))


def criterion_spec(criterion: Criterion) -> CriterionSpec:
    """A criterion as the standings arithmetic takes it."""
    return CriterionSpec(
        key=str(criterion.pk), name=criterion.name, weight=criterion.weight, max_mark=criterion.max_mark,
        required=criterion.required,
    )
