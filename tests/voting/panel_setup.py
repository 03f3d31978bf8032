"""Building blocks of the expert-panel tests: a campaign whose vote has
closed, cases with known valid vote counts, and a panel."""

from __future__ import annotations

from decimal import Decimal

from cases.models import Campaign, CaseEntry, Phase
from tests import factories
from voting.panel import services as panel_services
from voting.models import CaseTally


def closed_campaign(**kwargs) -> Campaign:
    """A campaign in its expert-review phase: voting closed five days ago."""
    return factories.CampaignFactory(timeline=factories.campaign_timeline(open_phase="review"), **kwargs)


def open_phase(campaign: Campaign, kind: str) -> Campaign:
    """Move the campaign's whole timeline so that `kind` runs now: reviewers
    save only in the review phase, results are published only from the
    results phase on."""
    Phase.objects.filter(campaign=campaign).delete()
    spans = factories.campaign_timeline(open_phase=kind)
    Phase.objects.bulk_create(Phase(campaign=campaign, kind=k, starts_at=s, ends_at=e) for k, (s, e) in spans.items())
    campaign.__dict__.pop("_phases_cache", None)
    return campaign


def set_votes(case: CaseEntry, votes: int) -> None:
    """The valid vote count of a case, as the voting app's tallies hold it."""
    CaseTally.objects.update_or_create(case=case, shard=0, defaults={"campaign_id": case.campaign_id, "votes": votes})


def cases_with_votes(campaign: Campaign, votes: list[int], **kwargs) -> list[CaseEntry]:
    cases = []
    for n, count in enumerate(votes):
        case = factories.CaseEntryFactory(campaign=campaign, title=f"案例{n + 1:02d}", **kwargs)
        set_votes(case, count)
        cases.append(case)
    return cases


def reviewer(campaign: Campaign, *, units=(), name: str | None = None):
    profile = factories.ReviewerProfileFactory(**({"name": name} if name else {}))
    for unit in units:
        factories.MembershipFactory(user=profile.user, role="reviewer", unit=unit)
    factories.PanelSeatFactory(campaign=campaign, reviewer=profile.user)
    return profile.user


def panel(campaign: Campaign, organiser, votes: list[int], reviewers: int = 3):
    """Cases, finalists, default criteria, reviewers and all-to-all assignments."""
    cases = cases_with_votes(campaign, votes)
    panel_services.select_finalists(actor=organiser, campaign=campaign)
    people = [reviewer(campaign) for _n in range(reviewers)]
    panel_services.assign_finalists(actor=organiser, campaign=campaign)
    return cases, people


def marks(campaign: Campaign, total: int) -> dict[int, Decimal]:
    """Default-criteria marks adding up to ``total`` (40/30/30 split)."""
    criteria = list(campaign.criteria.order_by("position"))
    inn = res = total * 3 // 10
    return {criteria[0].pk: Decimal(total - inn - res), criteria[1].pk: Decimal(inn), criteria[2].pk: Decimal(res)}


def submit(campaign: Campaign, user, case: CaseEntry, total: int, comment: str = ""):
    return panel_services.save_review(actor=user, campaign=campaign, case_id=case.pk, marks=marks(campaign, total),
                                      comment=comment, submit=True)
