"""The admin site is no side door to a resident's identity (issue 14).

A resident's name, e-mail and phone reach staff only through the logged
reveal. The admin is for superusers only (portal.adminsite, issue 21): every
admin list and page refuses an organiser, who once worked there, and nothing
changes through it. Superusers (the portal's technical administrators) keep
the raw values.
"""

from __future__ import annotations

import pytest

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


def test_no_admin_list_or_page_is_a_side_door_for_an_organiser(client, organiser, victim):
    """Walks every registered ModelAdmin: its list and the page of its first
    rows answer an organiser 403 (the admin is for superusers only)."""
    client.force_login(organiser)
    walked = 0
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        listing = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"), follow=True)
        assert listing.status_code == 403, opts.label
        assert_no_identity(listing.content.decode(), opts.label)
        for obj in model._default_manager.all()[:2]:
            page = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]), follow=True)
            assert page.status_code == 403, (opts.label, obj.pk)
            assert_no_identity(page.content.decode(), f"{opts.label} {obj.pk}")
            walked += 1
    assert walked >= 5  # the resident's user row, appeal, ballot, rating and more were asked for


def test_organiser_cannot_change_a_residents_contact_through_the_admin(client, organiser, victim):
    client.force_login(organiser)
    client.post(reverse("admin:portal_user_change", args=[victim.pk]),
                {"email": "thief@example.cn", "phone": "+8613700000000", "display_name": "x", "is_active": "on"})
    victim.refresh_from_db()
    assert (victim.email, victim.phone, victim.display_name) == (EMAIL, PHONE, NAME)


def test_superuser_sees_the_raw_values(client, victim):
    root = factories.UserFactory(email="root@example.cn", is_staff=True, is_superuser=True)
    client.force_login(root)
    body = client.get(reverse("admin:portal_user_changelist"), {"q": "13912345678"}).content.decode()
    assert EMAIL in body and NAME in body
