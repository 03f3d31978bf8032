"""The demo's English names (issue 21, stumble 11): every category, item,
town, unit, edition, track and domain the demo makes has one, so the demo in
English shows no Chinese names."""

from __future__ import annotations

import re

import pytest

from cases.services import DEFAULT_DOMAINS, DEFAULT_TRACKS
from demo import appeals, cases, english, panel, portal
from portal.models import Unit
from tests import factories


def test_every_demo_name_has_its_english_name():
    items = {spec if isinstance(spec, str) else spec[0] for *_rest, specs in appeals.CATALOGUE for spec in specs}
    assert {name for _code, name, *_rest in appeals.CATALOGUE} <= set(english.CATEGORIES)
    assert items <= set(english.ITEMS)
    assert set(portal.TOWNS) <= set(english.TOWNS)
    units = {portal.CITY, *portal.TOWNS, *(name for name, _kind in portal.BUREAUS),
             *(name for name, *_rest in portal.SUB_UNITS)}
    assert units <= set(english.UNITS)
    assert {cases.TITLE, panel.TITLE} <= set(english.CAMPAIGNS)
    assert {name for _kind, name in DEFAULT_TRACKS} | {"最佳回复单位"} <= set(english.TRACKS)
    assert set(DEFAULT_DOMAINS) <= set(english.DOMAINS)
    assert not [name for name in [*english.ITEMS.values(), *english.UNITS.values()] if re.search(r"[\u4e00-\u9fff]", name)]


@pytest.mark.django_db
def test_seeding_fills_empty_english_names_and_keeps_those_staff_entered():
    factories.UnitFactory(name="东莞市水务局")
    kept = factories.UnitFactory(name="东莞市教育局", name_en="Education Bureau of Dongguan")
    item = factories.AppealItemFactory(name="路灯损坏", category=factories.AppealCategoryFactory(name="城市管理"))
    english.seed()
    assert Unit.objects.get(name="东莞市水务局").name_en == "Dongguan Water Affairs Bureau"
    kept.refresh_from_db()
    item.refresh_from_db()
    assert kept.name_en == "Education Bureau of Dongguan"
    assert (item.name_en, item.category.name_en) == ("Broken streetlight", "City management")
