"""Rate limits of write paths (portal.ratelimits), against the real Redis."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from portal import ratelimits
from portal.exceptions import RateLimitedError
from tests import factories


@pytest.fixture
def limits(settings):
    """Small limits for one action, leaving the others as configured."""
    def set_limits(action: str, **scopes: str):
        settings.PORTAL_RATE_LIMITS = {**settings.PORTAL_RATE_LIMITS, action: scopes}
    return set_limits


def _request(ip="10.0.0.1", user=None):
    request = RequestFactory().post("/anything", REMOTE_ADDR=ip)
    request.user = user or factories.ResidentFactory.build()
    return request


@pytest.mark.django_db
def test_the_attempt_over_the_limit_is_refused_with_the_seconds_left(limits):
    limits("appeal.file", user="2/h")
    user = factories.ResidentFactory()
    for _attempt in range(2):
        ratelimits.check_rate(_request(user=user), "appeal.file")
    with pytest.raises(RateLimitedError) as refused:
        ratelimits.check_rate(_request(user=user), "appeal.file")
    assert refused.value.status == 429 and 1 <= refused.value.retry_after <= 3600
    assert "秒后再试" in str(refused.value.message)
    # Another account is counted apart.
    ratelimits.check_rate(_request(user=factories.ResidentFactory()), "appeal.file")


@pytest.mark.django_db
def test_per_ip_limit_holds_across_accounts(limits):
    limits("appeal.file", user="100/h", ip="2/h")
    for _attempt in range(2):
        ratelimits.check_rate(_request(user=factories.ResidentFactory()), "appeal.file")
    with pytest.raises(RateLimitedError):
        ratelimits.check_rate(_request(user=factories.ResidentFactory()), "appeal.file")
    ratelimits.check_rate(_request(ip="10.0.0.2", user=factories.ResidentFactory()), "appeal.file")


@pytest.mark.django_db
def test_a_named_scope_without_a_value_is_not_counted(limits):
    limits("open311.post", key="1/h")
    for _attempt in range(3):
        ratelimits.check_rate(_request(), "open311.post", key="")


@pytest.mark.django_db
def test_limits_fail_open_when_redis_is_unreachable(limits, settings):
    """Appeal intake must keep working through a Redis outage (the vote
    path fails closed instead, voting.ratelimits)."""
    limits("appeal.file", user="1/h")
    settings.CACHES = {**settings.CACHES, "ratelimit": {
        **settings.CACHES["ratelimit"], "LOCATION": "redis://127.0.0.1:1/0"}}
    user = factories.ResidentFactory()
    for _attempt in range(3):
        ratelimits.check_rate(_request(user=user), "appeal.file")


@pytest.mark.django_db
def test_every_other_write_counts_against_the_general_limit(client, limits):
    limits("write", user="3/m", ip="")
    client.force_login(factories.ResidentFactory())
    answers = [client.post("/prefs/elder", {"elder": "1"}).status_code for _attempt in range(4)]
    assert answers == [302, 302, 302, 429]
    response = client.post("/prefs/elder", {"elder": "1"})
    assert response["Retry-After"].isdigit() and "秒后再试" in response.content.decode()
    # Reading is never limited.
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_the_general_limit_answers_the_api_in_its_error_shape(client, limits):
    limits("write", user="1/m", ip="")
    client.force_login(factories.ResidentFactory())
    client.post("/api/v1/appeals/public/DG-NOPE/me-too")  # counted by its own limit, not the general one
    client.post("/prefs/elder", {"elder": "1"})
    response = client.post("/prefs/elder", {"elder": "1"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 429 and response.json()["error"]["code"] == "rate_limited"


@pytest.mark.django_db
def test_uploads_are_counted_apart_by_their_content_type(client, limits):
    limits("upload", user="1/h", ip="")
    client.force_login(factories.ResidentFactory())
    first = client.post("/prefs/elder", {"elder": "1"})  # multipart: the test client's default
    second = client.post("/prefs/elder", {"elder": "1"})
    urlencoded = client.post("/prefs/elder", "elder=1", content_type="application/x-www-form-urlencoded")
    assert (first.status_code, second.status_code, urlencoded.status_code) == (302, 429, 302)

