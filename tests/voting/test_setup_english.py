"""English names in the campaign set-up (issue 21, stumble 11): the
organiser enters the edition's, tracks' and domains' English names beside
the Chinese ones; they are kept, shown on English pages, checked for length
and carried a year on by "copy last year"."""

from __future__ import annotations

import pytest

from cases.models import Campaign, Domain, Track
from tests import factories
from tests.signin import sign_in
from tests.voting.test_setup_views import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def organiser(client):
    user = factories.StaffFactory(role="organiser")
    sign_in(client, user)
    return user


def english_form(**changes) -> dict:
    return form_data(**{"title_en": "2031 Dongguan Citizens' Applause Board", "tracks-0-name_en": "Typical cases",
                        "domains-0-name_en": "Education", **changes})


def test_the_wizard_offers_an_english_name_beside_each_chinese_one(client, organiser):
    page = client.get("/campaign-setup/new").content.decode()
    for name in ("title_en", "tracks-0-name_en", "domains-0-name_en"):
        assert f'name="{name}"' in page, name


def test_english_names_entered_in_the_wizard_are_kept_and_shown_in_english(client, organiser):
    response = client.post("/campaign-setup/new", english_form())
    assert response.status_code == 302
    campaign = Campaign.objects.get(slug="dg-2031")
    assert campaign.title_en == "2031 Dongguan Citizens' Applause Board"
    assert list(Track.objects.filter(campaign=campaign).values_list("name", "name_en")) == [("典型案例", "Typical cases")]
    assert list(Domain.objects.filter(campaign=campaign).order_by("position").values_list("name", "name_en")) == [
        ("教育", "Education"), ("交通", "")]
    edit = client.get(f"/campaign-setup/{campaign.pk}/").content.decode()
    assert 'value="2031 Dongguan Citizens&#x27; Applause Board"' in edit and 'value="Typical cases"' in edit
    client.cookies["portal_language"] = "en"
    board = client.get(f"/board/edition/{campaign.slug}/").content.decode()
    assert "2031 Dongguan Citizens&#x27; Applause Board" in board


def test_a_too_long_english_name_is_refused_beside_its_field_and_nothing_is_made(client, organiser):
    response = client.post("/campaign-setup/new", english_form(**{"domains-0-name_en": "x" * 61}))
    assert response.status_code == 400 and not Campaign.objects.exists()
    response = client.post("/campaign-setup/new", english_form(title_en="x" * 201))
    assert response.status_code == 400 and not Campaign.objects.exists()


def test_copy_last_year_carries_the_english_names_a_year_on(client, organiser):
    client.post("/campaign-setup/new", english_form())
    source = Campaign.objects.get(slug="dg-2031")
    client.post("/campaign-setup/copy", {"source": source.pk})
    copy = Campaign.objects.get(year=2032)
    assert copy.title_en == "2032 Dongguan Citizens' Applause Board"
    assert copy.tracks.get().name_en == "Typical cases"
    assert copy.domains.get(name="教育").name_en == "Education"


def test_the_set_up_pages_in_english_name_campaigns_in_english(client, organiser):
    client.post("/campaign-setup/new", english_form())
    campaign = Campaign.objects.get(slug="dg-2031")
    client.cookies["portal_language"] = "en"
    for address in ("/campaign-setup/", f"/campaign-setup/{campaign.pk}/"):
        page = client.get(address).content.decode()
        assert "2031 Dongguan Citizens&#x27; Applause Board" in page and "2031 东莞市民点赞榜</" not in page, address
