"""The finished 2020 edition of the demo: 30 finalists, 7 reviewers, every
mark in, results published; re-running changes nothing."""

import pytest

from demo import panel as demo_panel
from demo import portal as portal_demo
from portal.selectors import affiliated_unit_ids
from voting.panel import selectors
from voting import selectors as voting_selectors
from voting.models import CaseTally, VoteSnapshot
from voting.panel.models import ResultVersion, Review, ReviewAssignment
from voting.panel.enums import ReviewState

pytestmark = pytest.mark.django_db


def test_demo_has_a_finished_edition_with_published_results():
    portal_demo.seed()
    campaign = demo_panel.seed()
    assert campaign.title == "第二届东莞市民点赞榜"
    assert len(selectors.finalist_ids(campaign)) == 30
    assert campaign.panel_seats.count() == 7
    submitted, assigned = selectors.completeness(campaign)
    assert submitted == assigned >= 30 * 6
    assert not Review.objects.filter(campaign=campaign).exclude(state=ReviewState.SUBMITTED).exists()
    (published,) = ResultVersion.objects.filter(campaign=campaign)
    rows = published.breakdown["rows"]
    assert [r["rank"] for r in rows][:3] == [1, 2, 3] and len(rows) == 30
    assert all(r["complete_reviews"] >= 6 for r in rows)
    # The demo reviewer's affiliated unit keeps its finalist out of their queue.
    demo_reviewer = campaign.panel_seats.get(reviewer__email="reviewer@demo.minxinbang.cn").reviewer
    blocked = affiliated_unit_ids(demo_reviewer)
    assert not ReviewAssignment.objects.filter(reviewer=demo_reviewer, case__unit_id__in=blocked).exists()
    assert ReviewAssignment.objects.filter(campaign=campaign, case__unit_id__in=blocked).exists()
    # Its leaderboard: the final tallies, the voters behind them, the week's curve.
    snapshots = list(VoteSnapshot.objects.filter(campaign=campaign).order_by("minute"))
    assert len(snapshots) > 7 * 24
    assert snapshots[-1].total_votes == sum(CaseTally.objects.filter(campaign=campaign).values_list("votes", flat=True))
    assert [s.total_votes for s in snapshots] == sorted(s.total_votes for s in snapshots)
    assert voting_selectors.totals(campaign.pk).voters == snapshots[-1].voters > 0
    demo_panel.seed()
    assert ResultVersion.objects.filter(campaign=campaign).count() == 1
    assert VoteSnapshot.objects.filter(campaign=campaign).count() == len(snapshots)
