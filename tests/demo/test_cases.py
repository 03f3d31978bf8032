import pytest

from cases import selectors
from cases.enums import EntryState, PhaseKind
from cases.models import CaseEntry
from demo import cases as cases_demo
from demo import portal as portal_demo
from portal import timeutils

pytestmark = pytest.mark.django_db


def test_demo_seeds_the_board_and_is_rerunnable():
    portal_demo.seed()
    campaign = cases_demo.seed()
    assert campaign.title == "第三届东莞市民点赞榜"
    board = CaseEntry.objects.filter(campaign=campaign, state=EntryState.ACCEPTED)
    assert board.count() == 80
    assert board.values("domain").distinct().count() == 9
    assert board.values("unit").distinct().count() >= 30
    titles = set(board.values_list("title", flat=True))
    assert set(cases_demo.TOP_CASE_TITLES) <= titles
    assert set(CaseEntry.objects.filter(campaign=campaign).values_list("state", flat=True)) == set(EntryState.values)
    assert all(entry.images.exists() for entry in board[:5])
    now = timeutils.now()
    assert selectors.current_phase(campaign, now).kind == PhaseKind.VOTING
    assert selectors.phase(campaign, PhaseKind.CALL).ends_at < now
    count = CaseEntry.objects.count()
    cases_demo.seed()
    assert CaseEntry.objects.count() == count
