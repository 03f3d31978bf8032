"""The admin site is no side door to a resident's identity (issue 14).

Organisers sign into /admin/; a resident's name, e-mail and phone reach
staff only through the logged reveal, so every admin list and page shows
residents masked (portal.masking), a search by a resident's e-mail, phone or
name finds nothing (no "has this person an account?" oracle), and the
autocomplete behind role grants offers staff only. Superusers (the portal's
technical administrators) keep the raw values.
"""

from __future__ import annotations

import pytest
from urllib.parse import quote, quote_plus

from django.contrib import admin
from django.urls import reverse

from tests import factories

NAME, EMAIL, PHONE = "陈晓梅", "chenxiaomei@example.cn", "+8613912345678"
RAW = (NAME, EMAIL, PHONE, "13912345678", "chenxiaomei", "晓梅")


@pytest.fixture
def victim(db):
    """A resident with a verified phone who filed an appeal under her name,
    voted and rated, so that every admin table holds a row of hers."""
    resident = factories.ResidentFactory(display_name=NAME, email=EMAIL, phone=PHONE, phone_verified=True)
    appeal = factories.AppealFactory(resident=resident, contact_name=NAME, contact_phone="13912345678")
    factories.BallotFactory(voter=resident)
    factories.RatingFactory(appeal=appeal)
    return resident


def assert_no_identity(text: str, where: str = "") -> None:
    for raw in RAW:
        assert raw not in text, (raw, where)


def test_organiser_user_list_shows_the_resident_masked(client, organiser, victim):
    client.force_login(organiser)
    response = client.get(reverse("admin:portal_user_changelist"))
    assert response.status_code == 200
    body = response.content.decode()
    assert_no_identity(body)
    assert "陈*" in body and "c***@example.cn" in body and "139****5678" in body
    assert str(organiser.email) in body  # staff are named: they act in the portal's name


def test_organiser_user_page_shows_the_resident_masked(client, organiser, victim):
    client.force_login(organiser)
    response = client.get(reverse("admin:portal_user_change", args=[victim.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert_no_identity(body)
    assert "陈*" in body and "139****5678" in body


def test_organiser_cannot_change_a_residents_contact_through_the_admin(client, organiser, victim):
    client.force_login(organiser)
    client.post(reverse("admin:portal_user_change", args=[victim.pk]),
                {"email": "thief@example.cn", "phone": "+8613700000000", "display_name": "x", "is_active": "on"})
    victim.refresh_from_db()
    assert (victim.email, victim.phone, victim.display_name) == (EMAIL, PHONE, NAME)


@pytest.mark.parametrize("term", [EMAIL, "13912345678", PHONE, NAME, "chenxiaomei", "5678"])
def test_organiser_search_by_a_residents_contact_finds_nothing(client, organiser, victim, term):
    client.force_login(organiser)
    response = client.get(reverse("admin:portal_user_changelist"), {"q": term})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []
    body = response.content.decode()
    for echo in (term, quote(term), quote_plus(term)):  # the search box and its links repeat the term
        body = body.replace(echo, "")
    assert_no_identity(body)


def test_organiser_search_still_finds_staff(client, organiser, victim):
    staff = factories.StaffFactory(role="unit_staff", email="wang.staff@example.cn")
    client.force_login(organiser)
    response = client.get(reverse("admin:portal_user_changelist"), {"q": "wang.staff"})
    assert list(response.context["cl"].result_list) == [staff]


def test_role_grant_autocomplete_offers_staff_only(client, organiser, victim):
    staff = factories.StaffFactory(role="dispatcher")
    client.force_login(organiser)
    url = reverse("admin:autocomplete")
    for term in ("", "chen", "139", "陈"):
        response = client.get(url, {"app_label": "portal", "model_name": "membership", "field_name": "user",
                                    "term": term})
        assert response.status_code == 200
        assert_no_identity(response.content.decode())
        assert str(victim.pk) not in {row["id"] for row in response.json()["results"]}
    listed = client.get(url, {"app_label": "portal", "model_name": "membership", "field_name": "user", "term": ""})
    assert str(staff.pk) in {row["id"] for row in listed.json()["results"]}


def test_user_admin_offers_no_export_or_bulk_action_to_organisers(client, organiser, victim):
    client.force_login(organiser)
    response = client.get(reverse("admin:portal_user_changelist"))
    assert response.context["cl"].model_admin.get_actions(response.wsgi_request) == {}


def test_every_admin_list_and_page_shows_organisers_no_resident_identity(client, organiser, victim):
    """Walks every registered ModelAdmin: its list, and the page of each of
    its rows, as an organiser sees them."""
    client.force_login(organiser)
    walked = 0
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        listing = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        if listing.status_code != 200:
            continue
        assert_no_identity(listing.content.decode(), opts.label)
        for obj in model_admin.get_queryset(listing.wsgi_request)[:5]:
            page = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
            assert page.status_code == 200, (opts.label, obj.pk)
            assert_no_identity(page.content.decode(), f"{opts.label} {obj.pk}")
            walked += 1
    assert walked >= 5  # the resident's user row, appeal, ballot, rating and more were read


def test_ballot_admin_names_the_voter_by_pseudonym(client, organiser, victim):
    from voting.models import Ballot
    from voting.selectors import voter_label

    ballot = Ballot.objects.get(voter=victim)
    client.force_login(organiser)
    body = client.get(reverse("admin:voting_ballot_changelist")).content.decode()
    assert voter_label(campaign_id=ballot.campaign_id, voter_id=victim.pk) in body
    assert_no_identity(body)


def test_superuser_sees_the_raw_values(client, victim):
    root = factories.UserFactory(email="root@example.cn", is_staff=True, is_superuser=True)
    client.force_login(root)
    body = client.get(reverse("admin:portal_user_changelist"), {"q": "13912345678"}).content.decode()
    assert EMAIL in body and NAME in body
