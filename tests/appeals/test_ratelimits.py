"""Every appeals write path and every lookup by a typed code has a rate
limit: a burst gets 429 with Retry-After and a clear message, and changes
nothing."""

from __future__ import annotations

import uuid

import pytest
from rest_framework.test import APIClient

from appeals.models import Appeal, MeToo, Open311Key, Rating
from tests import factories
from tests.appeals.test_api import body

OPEN311 = "/open311/v2"


@pytest.fixture
def limits(settings):
    def set_limits(action: str, **scopes: str):
        settings.PORTAL_RATE_LIMITS = {**settings.PORTAL_RATE_LIMITS, action: scopes}
    return set_limits


def _refused(response, json=False):
    assert response.status_code == 429, response.status_code
    assert int(response["Retry-After"]) >= 1
    if json:
        assert response.json()["error"]["code"] == "rate_limited"
        assert "秒后再试" in response.json()["error"]["message"]
    else:
        assert "秒后再试" in response.content.decode()


def test_intake_page_burst_from_one_account_is_refused(client, world, resident, limits):
    limits("appeal.file", user="2/h", ip="")
    client.force_login(resident)
    for _attempt in range(2):
        client.post("/appeals/new/", {"title": "x"})
    before = Appeal.objects.count()
    _refused(client.post("/appeals/new/", {"title": "x"}))
    assert Appeal.objects.count() == before


def test_intake_api_burst_from_one_address_is_refused_across_accounts(world, limits):
    limits("appeal.file", user="100/h", ip="2/h")
    for _attempt in range(2):
        api = APIClient()
        api.force_authenticate(factories.ResidentFactory())
        assert api.post("/api/v1/appeals/", body(world), format="json",
                        HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex).status_code == 201
    api = APIClient()
    api.force_authenticate(factories.ResidentFactory())
    response = api.post("/api/v1/appeals/", body(world), format="json", HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex)
    _refused(response, json=True)
    assert Appeal.objects.count() == 2


def test_rating_burst_is_refused_on_the_page_and_the_api(client, world, resolved, resident, limits):
    limits("appeal.rate", user="1/h", ip="")
    client.force_login(resident)
    url = f"/appeals/t/{resolved.tracking_number}/rate/"
    client.post(url, {"score": "9"})  # refused by the rules, still an attempt
    _refused(client.post(url, {"score": "5"}))
    api = APIClient()
    api.force_authenticate(resident)
    _refused(api.post(f"/api/v1/appeals/track/{resolved.tracking_number}/rate", {"score": 5}, format="json"), json=True)
    assert Rating.objects.count() == 0


def test_me_too_burst_is_refused_on_the_page_and_the_api(client, world, dispatched, limits):
    limits("appeal.me_too", user="1/h", ip="")
    neighbour = factories.ResidentFactory()
    client.force_login(neighbour)
    client.post(f"/appeals/wall/{dispatched.tracking_number}/me-too/")
    assert MeToo.objects.count() == 1
    _refused(client.post(f"/appeals/wall/{dispatched.tracking_number}/me-too/"))
    api = APIClient()
    api.force_authenticate(neighbour)
    _refused(api.post(f"/api/v1/appeals/public/{dispatched.tracking_number}/me-too"), json=True)
    assert MeToo.objects.count() == 1


def test_guessing_tracking_numbers_is_refused_after_a_few_misses(client, world, dispatched, resident, limits):
    """Misses are counted, hits are not: a resident following their own
    appeals is never slowed, a guesser is stopped on every lookup path."""
    limits("tracking.miss", ip="3/h")
    client.force_login(resident)
    for _attempt in range(5):
        assert client.get(f"/appeals/t/{dispatched.tracking_number}/").status_code == 200
    answers = [client.get(f"/appeals/wall/DG-2026-{n:06d}/").status_code for n in range(3)]
    assert answers == [404, 404, 404]
    _refused(client.get(f"/appeals/wall/{dispatched.tracking_number}/"))  # even a right guess now
    _refused(client.get(f"/appeals/t/{dispatched.tracking_number}/"))
    _refused(client.get(f"/api/v1/appeals/public/{dispatched.tracking_number}"), json=True)
    other = client.get(f"{OPEN311}/requests/{dispatched.tracking_number}.json")
    assert other.status_code == 429 and int(other["Retry-After"]) >= 1 and other.json()[0]["code"] == 429
    assert client.get(f"{OPEN311}/tokens/whatever.xml").status_code == 429
    # Another address is not affected.
    assert client.get(f"/appeals/wall/{dispatched.tracking_number}/", REMOTE_ADDR="10.9.9.9").status_code == 200


def test_open311_tokens_cannot_be_walked(client, world, limits):
    limits("tracking.miss", ip="2/h")
    answers = [client.get(f"{OPEN311}/tokens/guess{n}.json").status_code for n in range(4)]
    assert answers == [404, 404, 429, 429]


def _open311_post(client, key, ip="10.1.1.1"):
    return client.post(f"{OPEN311}/requests.json", {
        "api_key": key, "service_code": "CG-01", "attribute[area]": "", "description": "测试路口的井盖不见了，晚上很危险。",
        "lat": "23.020000", "long": "113.750000", "phone": "13800138000", "first_name": "女士", "last_name": "陈",
    }, REMOTE_ADDR=ip)


def test_open311_posts_are_limited_per_api_key_and_per_address(client, world, limits):
    limits("open311.post", key="2/h", ip="2/h")
    account = factories.StaffFactory(role="dispatcher", with_totp=True)
    one, two = (Open311Key.objects.create(name=f"App {n}", account=account) for n in (1, 2))
    for ip in ("10.1.1.1", "10.1.1.2"):
        _open311_post(client, one.key, ip)
    by_key = _open311_post(client, one.key, "10.1.1.3")
    assert by_key.status_code == 429 and by_key.json()[0]["code"] == 429 and int(by_key["Retry-After"]) >= 1
    _open311_post(client, two.key, "10.1.1.1")
    by_address = _open311_post(client, two.key, "10.1.1.1")  # third from this address within the hour
    assert by_address.status_code == 429
    xml = client.post(f"{OPEN311}/requests.xml", {"api_key": two.key}, REMOTE_ADDR="10.1.1.1")
    assert xml.status_code == 429 and b"<errors>" in xml.content
