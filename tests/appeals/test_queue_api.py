"""The dispatch queue's API is searched as the dispatch centre's page is
(issue 21): the same form and the same selector (appeals.selectors.queue);
only dispatch staff may use it; a bad parameter is refused with 400 and the
shared error body naming it."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from appeals import services
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/appeals/queue"


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def appeals(world, resident):
    # The manual item: the centre routes them, so they wait in its queue.
    lamp = services.file_appeal(resident=resident, **world.report(title="路灯不亮", contact_phone="13800131234", item_id=world.item_manual.pk)).appeal
    cover = services.file_appeal(resident=resident, **world.report(title="井盖缺失", contact_phone="13800135678", item_id=world.item_manual.pk)).appeal
    return lamp, cover


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_dispatcher_searches_the_queue_by_tracking_number_phone_digits_and_words(api, dispatcher, appeals):
    lamp, cover = appeals
    api.force_authenticate(dispatcher)

    assert sorted(ids(api.get(URL))) == sorted([lamp.pk, cover.pk])
    assert ids(api.get(URL, {"q": lamp.tracking_number})) == [lamp.pk]
    assert ids(api.get(URL, {"q": "5678"})) == [cover.pk]
    assert ids(api.get(URL, {"q": "路灯"})) == [lamp.pk]
    assert ids(api.get(URL, {"q": "路灯", "due": "overdue"})) == []
    assert "13800135678" not in api.get(URL, {"q": "5678"}).content.decode()  # the digits find, never show


def test_the_api_and_the_page_find_the_same_appeals(api, client, dispatcher, appeals, world):
    api.force_authenticate(dispatcher)
    client.force_login(dispatcher)
    query = {"q": "井盖", "area": world.area.pk, "state": "submitted"}

    found = ids(api.get(URL, query))

    page = client.get("/appeals/centre/", query)
    assert [appeal.pk for appeal in page.context["page"].object_list] == found


@pytest.mark.parametrize(("query", "field"), [
    ({"state": "closed"}, "state"),
    ({"due": "tomorrow"}, "due"),
    ({"category": "lamps"}, "category"),
    ({"q": "x" * 41}, "q"),
])
def test_a_bad_parameter_is_refused_with_400_naming_it(api, dispatcher, appeals, query, field):
    api.force_authenticate(dispatcher)

    response = api.get(URL, query)

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


@pytest.mark.parametrize("role", ["resident", "unit_staff", "reviewer", "portal_admin"])
def test_only_dispatch_staff_search_the_queue(api, appeals, role):
    user = factories.ResidentFactory() if role == "resident" else factories.StaffFactory(role=role)
    api.force_authenticate(user)

    response = api.get(URL, {"q": appeals[0].tracking_number})

    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"


def test_the_schema_documents_the_search_and_its_refusals(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/appeals/queue"]["get"]

    assert {"q", "state", "category", "area", "due"} <= {p["name"] for p in operation["parameters"]}
    assert {"400", "403"} <= set(operation["responses"])
