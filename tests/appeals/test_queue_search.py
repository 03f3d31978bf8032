"""The dispatch centre searches its queue (issue 21, stumble 8): by tracking
number, the phone's last four digits (never shown), words and area, with
filters by state, category, area and the dispatch deadline, paginated."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from appeals.selectors.queue import QueueFilters, search_queue
from portal.exceptions import PermissionDeniedError
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue(world):
    now = timezone.now()
    make = factories.AppealFactory
    return {
        "now": now,
        "light": make(tracking_number="DG-2026-000101", title="鸿福路路灯一到晚上就闪", area=world.area, item=None,
                      contact_phone="13912345678", dispatch_due_at=now + dt.timedelta(minutes=20)),
        "cover": make(tracking_number="DG-2026-000102", title="路口井盖缺失", area=world.area2, item=world.item,
                      description="井盖不见了，晚上很危险。", contact_phone="+8613700005678",
                      dispatch_due_at=now - dt.timedelta(minutes=5)),
        "noise": make(tracking_number="DG-2026-000103", title="工地半夜施工", area=world.area, item=world.item_town,
                      description="凌晨两点还在打桩。", contact_phone="13600001111", state="returned",
                      dispatch_due_at=now + dt.timedelta(hours=2)),
        "done": make(tracking_number="DG-2026-000104", title="已派出的路灯问题", area=world.area, item=None,
                     contact_phone="13912345678", state="dispatched", dispatch_due_at=now),
    }


def found(dispatcher, queue, **filters) -> list[str]:
    rows = search_queue(actor=dispatcher, filters=QueueFilters(**filters), now=queue["now"])
    return [appeal.tracking_number for appeal in rows]


def test_without_search_the_queue_is_every_waiting_appeal_earliest_deadline_first(dispatcher, queue):
    assert found(dispatcher, queue) == ["DG-2026-000102", "DG-2026-000101", "DG-2026-000103"]


def test_a_tracking_number_or_its_end_finds_the_appeal(dispatcher, queue):
    assert found(dispatcher, queue, query="DG-2026-000103") == ["DG-2026-000103"]
    assert found(dispatcher, queue, query="dg-2026-000103") == ["DG-2026-000103"]
    assert found(dispatcher, queue, query="000101") == ["DG-2026-000101"]
    assert found(dispatcher, queue, query="DG-2026-000104") == []  # dispatched: not in the queue


def test_the_last_four_digits_of_the_phone_find_the_appeal_with_or_without_country_code(dispatcher, queue):
    assert found(dispatcher, queue, query="5678") == ["DG-2026-000102", "DG-2026-000101"]
    assert found(dispatcher, queue, query="1111") == ["DG-2026-000103"]
    assert found(dispatcher, queue, query="9999") == []


def test_words_match_title_description_area_and_item_every_word(dispatcher, queue, world):
    assert found(dispatcher, queue, query="路灯") == ["DG-2026-000101"]
    assert found(dispatcher, queue, query="打桩") == ["DG-2026-000103"]
    assert found(dispatcher, queue, query=world.area2.name) == ["DG-2026-000102"]
    assert found(dispatcher, queue, query="井盖缺失 危险") == ["DG-2026-000102"]
    assert found(dispatcher, queue, query="井盖 打桩") == []


def test_filters_by_state_category_area_and_deadline(dispatcher, queue, world):
    assert found(dispatcher, queue, state="returned") == ["DG-2026-000103"]
    assert found(dispatcher, queue, category_id=world.item.category_id) == ["DG-2026-000102", "DG-2026-000103"]
    assert found(dispatcher, queue, area_id=world.area.pk) == ["DG-2026-000101", "DG-2026-000103"]
    assert found(dispatcher, queue, due="overdue") == ["DG-2026-000102"]
    assert found(dispatcher, queue, due="soon") == ["DG-2026-000101"]
    assert found(dispatcher, queue, query="5678", area_id=world.area.pk) == ["DG-2026-000101"]


def test_only_the_dispatch_centre_may_search_the_queue(queue, world, resident):
    for actor in (world.bureau_staff, resident):
        with pytest.raises(PermissionDeniedError):
            search_queue(actor=actor, filters=QueueFilters(query="5678"), now=queue["now"])


def test_the_page_finds_by_last_four_and_never_shows_the_phone(client, dispatcher, queue):
    client.force_login(dispatcher)
    response = client.get(reverse("appeals:centre"), {"q": "5678"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "DG-2026-000101" in page and "DG-2026-000102" in page and "DG-2026-000103" not in page
    assert "找到 2 条" in page
    for shown in ("13912345678", "1391234", "139****5678", "13700005678"):
        assert shown not in page


def test_unit_staff_and_residents_cannot_search_the_queue(client, world, resident, queue):
    for user in (world.bureau_staff, resident):
        client.force_login(user)
        response = client.get(reverse("appeals:centre"), {"q": "5678"})
        assert response.status_code == 403 and "DG-2026-000101" not in response.content.decode()


def test_a_forged_filter_is_named_and_the_rest_still_applies(client, dispatcher, queue):
    client.force_login(dispatcher)
    response = client.get(reverse("appeals:centre"), {"q": "路灯", "area": "999999"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "镇街" in page and "DG-2026-000101" in page and "DG-2026-000102" not in page


def test_pages_keep_the_search_and_the_query_count_is_constant(client, dispatcher, world, django_assert_max_num_queries):
    for n in range(3):
        factories.AppealFactory(title=f"排水渠堵塞{n}", area=world.area)
    client.force_login(dispatcher)
    with django_assert_max_num_queries(30) as one:
        client.get(reverse("appeals:centre"), {"q": "排水", "area": world.area.pk})
    for n in range(40):
        factories.AppealFactory(title=f"排水渠堵塞{n + 3}", area=world.area)
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get(reverse("appeals:centre"), {"q": "排水", "area": world.area.pk}).content.decode()
    assert "找到 43 条" in page and "第 1 / 2 页" in page
    assert f"?page=2&amp;q=%E6%8E%92%E6%B0%B4&amp;area={world.area.pk}" in page
