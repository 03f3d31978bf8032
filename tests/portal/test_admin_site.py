"""Django admin is for superusers only (issue 21): every role does its work in
the portal's own pages; signed in as any role, /admin/ and its model pages
answer 403 and change nothing, and only a superuser gets in."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.models import Unit
from tests import factories
from tests.signin import sign_in

pytestmark = pytest.mark.django_db

ROLES = ["resident", "unit_staff", "dispatcher", "organiser", "reviewer", "portal_admin"]


def person(role: str):
    if role == "resident":
        return factories.ResidentFactory()
    return factories.StaffFactory(role=role, with_totp=True)


@pytest.mark.parametrize("role", ROLES)
def test_no_role_gets_into_django_admin(client, role):
    sign_in(client, person(role))

    response = client.get("/admin/", follow=True)

    assert response.status_code == 403
    assert response.redirect_chain == [(reverse("admin:login") + "?next=/admin/", 302)]
    assert "管理后台仅供超级管理员使用" in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_no_role_reaches_a_model_page_or_changes_anything_through_admin(client, role):
    unit = factories.UnitFactory(name="大朗镇")
    sign_in(client, person(role))

    listing = client.get(reverse("admin:portal_unit_changelist"), follow=True)
    change = client.post(reverse("admin:portal_unit_change", args=[unit.pk]), {"name": "改名"}, follow=True)

    assert (listing.status_code, change.status_code) == (403, 403)
    assert "大朗镇" not in listing.content.decode()
    assert Unit.objects.get(pk=unit.pk).name == "大朗镇"


def test_an_organiser_marked_staff_before_the_rule_is_refused_too(client):
    organiser = factories.StaffFactory(role="organiser", with_totp=True, is_staff=True)
    sign_in(client, organiser)

    assert client.get("/admin/", follow=True).status_code == 403


def test_the_superuser_gets_in(client):
    factories.UnitFactory(name="大朗镇")
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))

    index = client.get("/admin/")
    units = client.get(reverse("admin:portal_unit_changelist"))

    assert index.status_code == 200 and reverse("admin:portal_unit_changelist") in index.content.decode()
    assert units.status_code == 200 and "大朗镇" in units.content.decode()


def test_a_visitor_is_sent_to_the_portals_sign_in_not_the_admins_form(client):
    response = client.get("/admin/", follow=True)

    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))
    assert response.status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_no_role_is_shown_a_link_to_django_admin(client, role):
    sign_in(client, person(role))

    assert reverse("admin:index") not in client.get("/").content.decode()
