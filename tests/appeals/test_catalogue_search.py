"""Searching the catalogue as residents write (issue 21, stumble 3): the
picker's placeholder suggested 路灯 and 路灯 found nothing. Synonyms and
common words are data on the item (keywords), edited and imported with it;
pinyin initials and full pinyin find the same items."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from appeals import selectors
from appeals.models import Item
from appeals.selectors import catalogue_lists
from appeals.services import catalogue_io
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    city = factories.AppealCategoryFactory(code="CG", name="城市管理")
    water = factories.AppealCategoryFactory(code="SW", name="供水排水")
    noise = factories.AppealCategoryFactory(code="ZS", name="噪音扰民")
    return {
        "light": factories.AppealItemFactory(category=city, code="CG-11", name="路灯损坏", keywords="路灯 街灯、灯不亮"),
        "stall": factories.AppealItemFactory(category=city, code="CG-01", name="占道经营", keywords="摆摊"),
        "cover": factories.AppealItemFactory(category=water, code="SW-04", name="井盖缺失破损", keywords="沙井盖"),
        "night": factories.AppealItemFactory(category=noise, code="ZS-01", name="夜间施工噪音", keywords="噪声 吵"),
        "old": factories.AppealItemFactory(category=city, code="CG-99", name="旧路灯事项", keywords="路灯", active=False),
    }


def names(query: str) -> list[str]:
    return [item.name for item in selectors.search_items(query)]


def test_a_synonym_finds_the_item_whose_name_does_not_contain_it(catalogue):
    assert names("路灯") == ["路灯损坏"]
    assert names("街灯") == ["路灯损坏"]


def test_words_containing_a_synonym_find_the_item(catalogue):
    assert names("门口路灯坏了好几天") == ["路灯损坏"]
    assert names("楼下有人摆摊") == ["占道经营"]


def test_pinyin_initials_and_full_pinyin_find_the_item(catalogue):
    assert names("ld") == ["路灯损坏"]
    assert names("LuDeng") == ["路灯损坏"]
    assert names("ｊｇ") == ["井盖缺失破损"]  # full-width letters from a phone keyboard


def test_the_category_and_the_name_still_find_items_name_first(catalogue):
    assert names("噪音") == ["夜间施工噪音"]
    assert names("井盖") == ["井盖缺失破损"]
    assert names("城市管理") == ["占道经营", "路灯损坏"]


def test_an_exact_name_ranks_before_a_synonym(catalogue):
    factories.AppealItemFactory(category=catalogue["light"].category, code="CG-12", name="灯不亮")
    assert names("灯不亮") == ["灯不亮", "路灯损坏"]


def test_nothing_matches_unrelated_words_or_a_single_letter(catalogue):
    assert names("没有这个词") == []
    assert names("l") == []


def test_editing_the_synonyms_updates_the_pinyin(catalogue):
    item = catalogue["stall"]
    item.keywords = "走鬼"
    item.save(update_fields=["keywords"])
    assert Item.objects.get(pk=item.pk).search_pinyin == "zdjy zhandaojingying zg zougui"
    assert names("zg") == ["占道经营"]


def test_imported_synonyms_are_searchable_by_word_and_pinyin(catalogue):
    dispatcher = factories.StaffFactory(role="dispatcher")
    rows = [catalogue_lists.ITEM_HEADER, *catalogue_lists.item_rows(), ["CG", "城市管理", "CG-13", "树木倒伏", "一般", 3, "工作日", "是", "是", "倒树 树倒了"]]
    upload = io.BytesIO("\n".join(",".join(str(cell) for cell in row) for row in rows).encode())
    upload.name = "items.csv"
    preview = catalogue_io.preview_import(actor=dispatcher, kind="items", upload=upload)
    assert preview.plan.added == 1 and preview.plan.changes[0].key == "CG-13"
    catalogue_io.apply_import(actor=dispatcher, preview_id=preview.draft.pk)
    assert names("倒树") == ["树木倒伏"]
    assert names("ds") == ["树木倒伏"]


def test_picker_shows_the_synonym_match_for_the_placeholder_words(client, catalogue):
    page = client.get(reverse("appeals:picker"), {"q": "路灯"}).content.decode()
    assert "路灯损坏" in page and "没有找到" not in page
    assert "旧路灯事项" not in page
