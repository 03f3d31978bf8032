"""The edition's title, tracks, domains and units in English (issue 21,
stumble 11): an English page, the API in English and the share poster show
the English names staff entered, and the Chinese ones where none was."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from django.utils import translation
from PIL import Image
from rest_framework.test import APIClient

from cases import posters
from cases.models import Domain
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def english_campaign(campaign):
    campaign.title_en = "3rd Citizens' Applause Board"
    campaign.save(update_fields=["title_en"])
    campaign.tracks.update(name_en="Typical cases")
    Domain.objects.filter(campaign=campaign, name="社区服务").update(name_en="Community services")
    return campaign


@pytest.fixture
def entry(english_campaign):
    unit = factories.UnitFactory(name="东莞市水务局", name_en="Dongguan Water Affairs Bureau")
    return factories.CaseEntryFactory(campaign=english_campaign, unit=unit, title="河涌整治",
                                      domain=english_campaign.domains.get(name="社区服务"))


def test_english_board_shows_the_english_title_domain_and_unit(client, entry):
    client.cookies["portal_language"] = "en"
    page = client.get(reverse("cases:campaign-board", kwargs={"slug": entry.campaign.slug})).content.decode()
    assert "3rd Citizens&#x27; Applause Board" in page
    assert "Community services" in page and "Dongguan Water Affairs Bureau" in page
    assert entry.campaign.title not in page and "东莞市水务局" not in page


def test_chinese_board_keeps_the_chinese_names(client, entry):
    page = client.get(reverse("cases:campaign-board", kwargs={"slug": entry.campaign.slug})).content.decode()
    assert entry.campaign.title in page and "东莞市水务局" in page
    assert "Applause Board" not in page and "Dongguan Water Affairs Bureau" not in page


def test_english_page_falls_back_to_chinese_where_no_english_name_is_kept(client, entry):
    other = factories.CaseEntryFactory(campaign=entry.campaign, unit=factories.UnitFactory(name="南城街道"),
                                       domain=entry.campaign.domains.get(name="教育"))
    client.cookies["portal_language"] = "en"
    page = client.get(reverse("cases:case", kwargs={"pk": other.pk})).content.decode()
    assert "南城街道" in page and "教育" in page
    assert "3rd Citizens&#x27; Applause Board" in page and "Typical cases" in page


def test_case_page_in_english_names_the_track_domain_and_unit_in_english(client, entry):
    client.cookies["portal_language"] = "en"
    page = client.get(reverse("cases:case", kwargs={"pk": entry.pk})).content.decode()
    assert "Typical cases" in page and "Community services" in page and "Dongguan Water Affairs Bureau" in page
    assert "典型案例" not in page


def test_api_in_english_by_accept_language(entry):
    api = APIClient()
    english = api.get(f"/api/v1/campaigns/{entry.campaign.slug}", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["title"] == "3rd Citizens' Applause Board"
    assert english["tracks"][0]["name"] == "Typical cases"
    domains = {d["name"] for d in english["domains"]}
    assert "Community services" in domains and "教育" in domains  # 教育 has no English: Chinese
    case = api.get(f"/api/v1/board-cases/{entry.pk}", HTTP_ACCEPT_LANGUAGE="en").json()
    assert (case["unit"], case["domain"], case["track"]) == (
        "Dongguan Water Affairs Bureau", "Community services", "Typical cases")
    chinese = api.get(f"/api/v1/campaigns/{entry.campaign.slug}").json()
    assert chinese["title"] == entry.campaign.title and chinese["tracks"][0]["name"] == "典型案例"


def test_poster_words_are_english_on_an_english_request(entry):
    with translation.override("en"):
        words = posters.poster_words(entry)
    assert words == posters.PosterWords(
        edition="3rd Citizens' Applause Board", tagline="Practical things for the people · outstanding case",
        domain="#Community services", title="河涌整治", unit="Dongguan Water Affairs Bureau",
        scan="Press and hold the QR code", call="to see the case and applaud it",
        footer="Minxin Board · Citizens' Applause Board",
    )
    with translation.override("zh-hans"):
        words = posters.poster_words(entry)
    assert (words.edition, words.tagline, words.unit, words.scan) == (
        entry.campaign.title, "我为群众办实事 · 优秀案例", "东莞市水务局", "长按识别二维码")


def test_english_poster_is_drawn_apart_from_the_chinese_one(client, entry):
    url = reverse("cases:poster", kwargs={"pk": entry.pk})
    chinese = client.get(url).content
    client.cookies["portal_language"] = "en"
    english = client.get(url).content
    assert Image.open(io.BytesIO(english)).size == (750, 1334)
    assert english != chinese  # not the Chinese poster from the cache


def test_wrapping_keeps_english_words_whole_and_breaks_chinese_anywhere():
    draw = posters.ImageDraw.Draw(Image.new("RGB", (10, 10)))
    face = posters.font(30)
    lines = posters.wrap(draw, "Dongguan Urban Management and Law Enforcement Bureau", face, 300, 4)
    assert " ".join(lines) == "Dongguan Urban Management and Law Enforcement Bureau"
    assert all(draw.textlength(line, font=face) <= 300 for line in lines)
    assert posters.wrap(draw, "东莞市城市管理和综合执法局", face, 150, 4) == ["东莞市城市", "管理和综合", "执法局"]


def test_the_board_is_searched_by_english_unit_and_domain_names_too(client, entry):
    other = factories.CaseEntryFactory(campaign=entry.campaign, unit=factories.UnitFactory(name="南城街道"),
                                       domain=entry.campaign.domains.get(name="教育"), title="护学岗")
    client.cookies["portal_language"] = "en"
    url = reverse("cases:campaign-board", kwargs={"slug": entry.campaign.slug})
    for words in ("water affairs", "Community", "水务局"):
        page = client.get(url, {"q": words}).content.decode()
        assert entry.title in page and other.title not in page, words
