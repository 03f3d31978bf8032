"""Staff sessions end after 8 hours or 30 idle minutes; residents keep theirs.
Every staff role must enrol a second factor before doing anything."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.contrib.auth import get_user
from django.urls import get_resolver
from django.utils import timezone

from tests import factories
from tests.signin import sign_in

pytestmark = pytest.mark.django_db

STAFF_PAGE = "/tokens/"


def signed_in(client) -> bool:
    return get_user(client).is_authenticated


@pytest.mark.parametrize("role", ["organiser", "dispatcher", "unit_staff", "reviewer"])
def test_staff_idle_for_31_minutes_is_signed_out(client, role):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        sign_in(client, factories.StaffFactory(role=role))
        assert client.get(STAFF_PAGE).status_code == 200

        traveller.shift(datetime.timedelta(minutes=31))
        response = client.get(STAFF_PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not signed_in(client)


def test_staff_active_every_20_minutes_stays_signed_in_until_8_hours(client, unit_staff):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        sign_in(client, unit_staff)
        client.get(STAFF_PAGE)
        for _step in range(23):  # 7 h 40 min of work
            traveller.shift(datetime.timedelta(minutes=20))
            assert client.get(STAFF_PAGE).status_code == 200
        traveller.shift(datetime.timedelta(minutes=21))  # 8 h 1 min after signing in
        response = client.get(STAFF_PAGE)

    assert response.status_code == 302
    assert not signed_in(client)


def test_resident_idle_for_a_day_stays_signed_in(client, resident):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        sign_in(client, resident)
        client.get("/")
        traveller.shift(datetime.timedelta(hours=20))
        client.get("/")

    assert signed_in(client)


def test_staff_session_store_expiry_follows_the_idle_limit(client, dispatcher):
    sign_in(client, dispatcher)
    client.get(STAFF_PAGE)
    assert client.session.get_expiry_age() <= 31 * 60


@pytest.mark.parametrize("role", ["organiser", "dispatcher", "unit_staff", "reviewer"])
def test_every_staff_role_without_totp_is_sent_to_enrol(client, role):
    sign_in(client, factories.StaffFactory(role=role, with_totp=False))

    for path in ("/", "/tokens/", "/appeals/inbox/", "/panel/"):
        assert client.get(path)["Location"] == "/accounts/2fa/totp/activate/", path
    assert client.get("/accounts/2fa/totp/activate/").status_code == 200


def test_resident_without_totp_is_not_asked_to_enrol_but_may(client, resident):
    sign_in(client, resident)
    assert client.get("/").status_code == 200
    assert client.get("/accounts/2fa/totp/activate/").status_code == 200


def page_routes() -> list[str]:
    """Every page route outside /api/ (left to the API's own rule, walked by
    test_tokens) and outside the prefixes the rule lets through, ids that match nothing."""
    from portal.middleware import StaffSecondFactorMiddleware
    from tests.portal.test_tokens import _fill, _walk

    paths = {_fill(route) for route, _pattern in _walk(get_resolver().url_patterns)}
    return sorted(p for p in paths if not p.startswith(StaffSecondFactorMiddleware.ALLOWED_PREFIXES) and "^" not in p)


def test_staff_without_totp_is_sent_to_enrol_from_every_page_by_get_and_post(client):
    """Done means of issue 14: a staff member without a second factor can do
    nothing but enrol (the API: test_tokens)."""
    sign_in(client, factories.StaffFactory(role="organiser", with_totp=False))
    routes = page_routes()
    assert "/admin/" in routes and "/appeals/centre/" in routes and len(routes) >= 60
    for path in routes:
        for method in (client.get, client.post):
            response = method(path)
            assert (response.status_code, response.get("Location")) == (302, "/accounts/2fa/totp/activate/"), path
