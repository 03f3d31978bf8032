"""The demo data loads, is realistic in size, and can be loaded again."""

from __future__ import annotations

import pytest

from appeals import demo
from appeals.models import Appeal, Category, Item, OnlineClue, Responsibility
from portal import demo as portal_demo


@pytest.mark.django_db
def test_demo_seed_is_complete_and_rerunnable():
    portal_demo.seed()
    first = demo.seed()
    counts = (Category.objects.count(), Item.objects.count(), Responsibility.objects.count(), Appeal.objects.count())
    assert counts[0] >= 18 and counts[1] >= 150 and counts[2] >= 1000
    assert set(Appeal.objects.values_list("state", flat=True)) >= {
        "submitted", "dispatched", "accepted", "returned", "replied", "resolved"
    }
    assert set(Appeal.objects.values_list("channel", flat=True)) == {"web", "hotline", "online_clue"}
    assert OnlineClue.objects.filter(state="new").exists()
    second = demo.seed()
    assert second["appeals_created"] == 0 and first["appeals_created"] == counts[3]
    assert (Category.objects.count(), Item.objects.count(), Responsibility.objects.count(), Appeal.objects.count()) == counts
    # The demo unit accounts have work in their inboxes.
    assert Appeal.objects.filter(primary_unit__name="南城街道住房和城乡建设局").count() >= 4
    assert Appeal.objects.filter(assignments__unit__name="大朗镇城市管理和综合执法分局").exists()
