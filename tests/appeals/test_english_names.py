"""The catalogue and areas in English (issue 21, stumble 11): the category
picker, the API and Open311 in English show the English names staff
entered, Chinese where none was; search still finds by Chinese, pinyin and
now by the English name."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from appeals import selectors
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    city = factories.AppealCategoryFactory(code="CG", name="城市管理", name_en="City management")
    water = factories.AppealCategoryFactory(code="SW", name="供水排水")
    return {
        "light": factories.AppealItemFactory(category=city, code="CG-11", name="路灯损坏", name_en="Broken streetlight",
                                             keywords="路灯 街灯"),
        "cover": factories.AppealItemFactory(category=water, code="SW-04", name="井盖缺失破损"),
        "town": factories.AreaFactory(name="南城街道", name_en="Nancheng Subdistrict"),
    }


def test_english_picker_shows_english_category_and_item_names(client, catalogue):
    client.cookies["portal_language"] = "en"
    page = client.get(reverse("appeals:picker")).content.decode()
    assert "City management" in page and "Broken streetlight" in page
    assert "路灯损坏" not in page and "城市管理" not in page
    assert "供水排水" in page and "井盖缺失破损" in page  # no English kept: Chinese


def test_chinese_picker_keeps_the_chinese_names(client, catalogue):
    page = client.get(reverse("appeals:picker")).content.decode()
    assert "城市管理" in page and "路灯损坏" in page and "Broken streetlight" not in page


def test_pinyin_initials_rank_before_english_words_holding_the_same_letters(catalogue):
    factories.AppealItemFactory(category=catalogue["light"].category, code="JS-04", name="房屋质量问题",
                                name_en="Building quality problem")
    assert [item.code for item in selectors.search_items("ld")][0] == "CG-11"
    assert "JS-04" not in [item.code for item in selectors.search_items("ld")]  # not a word start
    assert [item.code for item in selectors.search_items("build")] == ["JS-04"]


def test_search_finds_by_chinese_synonym_pinyin_and_english_name(client, catalogue):
    for query in ("路灯", "ld", "streetlight", "Broken Street", "city management"):
        assert [item.code for item in selectors.search_items(query)] == ["CG-11"], query
    client.cookies["portal_language"] = "en"
    page = client.get(reverse("appeals:picker"), {"q": "路灯"}).content.decode()
    assert "Broken streetlight" in page


def test_catalogue_and_areas_api_in_english_by_accept_language(catalogue):
    api = APIClient()
    english = api.get("/api/v1/appeals/catalogue", HTTP_ACCEPT_LANGUAGE="en").json()
    by_code = {c["code"]: c for c in english}
    assert by_code["CG"]["name"] == "City management"
    assert by_code["CG"]["items"][0]["name"] == "Broken streetlight"
    assert by_code["SW"]["name"] == "供水排水"  # fallback
    areas = api.get("/api/v1/appeals/areas", HTTP_ACCEPT_LANGUAGE="en").json()
    assert "Nancheng Subdistrict" in [a["name"] for a in areas]
    chinese = api.get("/api/v1/appeals/catalogue").json()
    assert {c["code"]: c["name"] for c in chinese}["CG"] == "城市管理"


def test_open311_services_in_english(client, catalogue):
    services = client.get("/open311/v2/services.json", HTTP_ACCEPT_LANGUAGE="en").json()
    light = next(s for s in services if s["service_code"] == "CG-11")
    assert (light["service_name"], light["group"]) == ("Broken streetlight", "City management")


def test_new_appeal_form_lists_areas_in_english(client, catalogue):
    client.force_login(factories.ResidentFactory())
    client.cookies["portal_language"] = "en"
    page = client.get(reverse("appeals:new")).content.decode()
    assert "Nancheng Subdistrict" in page and "City management" in page


def test_wall_filters_name_categories_and_towns_in_the_pages_language(client, catalogue):
    chinese = client.get(reverse("appeals:wall")).content.decode()
    assert "城市管理" in chinese and "南城街道" in chinese and "City management" not in chinese
    client.cookies["portal_language"] = "en"
    english = client.get(reverse("appeals:wall")).content.decode()
    assert "City management" in english and "Nancheng Subdistrict" in english and "供水排水" in english
    assert "城市管理" not in english
