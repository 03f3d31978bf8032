"""The catalogue and the responsibility list as rows of their file: what the
download holds and what an upload is compared with, so that a downloaded
file uploaded again changes nothing. The file's words are Chinese whatever
the reader's language (the header is; an English label would not read back)."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils import translation

from appeals.enums import DeadlineUnit, Urgency
from appeals.models import Item, Responsibility
from portal.models import Unit

ITEM_HEADER = ["大类编码", "大类名称", "事项编码", "事项名称", "默认紧急程度", "办理时限", "时限单位", "可公开", "启用", "检索词", "事项英文名称",
               "大类英文名称"]
# Columns a file may lack (one downloaded before they were added): what they
# hold is then kept as it is, not cleared.
# In the order they were added (at the end of the header).
ITEM_OPTIONAL = ["事项英文名称", "大类英文名称"]
RESPONSIBILITY_HEADER = ["事项编码", "区域", "主办单位", "协办单位", "允许自动派单"]
CITY_WIDE = "全市"
YES, NO = "是", "否"
CO_UNIT_SEPARATOR = "、"


def file_labels() -> tuple[dict[str, str], dict[str, str]]:
    """The urgency and deadline-unit labels of the file, value → label."""
    with translation.override("zh-hans"):
        return ({v: str(label) for v, label in Urgency.choices}, {v: str(label) for v, label in DeadlineUnit.choices})


def yes_no(flag: bool) -> str:
    return YES if flag else NO


def item_rows() -> list[list]:
    """Every item, by its category's position and its code (办理时限 a number)."""
    urgency, unit = file_labels()
    return [
        [item.category.code, item.category.name, item.code, item.name, urgency[item.default_urgency],
         item.deadline_value, unit[item.deadline_unit], yes_no(item.publishable), yes_no(item.active), item.keywords,
         item.name_en, item.category.name_en]
        for item in Item.objects.select_related("category").order_by("category__position", "category__code", "code")
    ]


def responsibility_rows() -> list[list]:
    """Every row of the responsibility list, co-handling units by name."""
    rows = (
        Responsibility.objects.select_related("item", "area", "primary_unit")
        .prefetch_related(Prefetch("co_units", queryset=Unit.objects.only("name")))
        .order_by("item__code", "area__position", "area__name", "pk")
    )
    return [
        [row.item.code, row.area.name if row.area_id else CITY_WIDE, row.primary_unit.name,
         co_unit_text(unit.name for unit in row.co_units.all()), yes_no(row.auto_dispatch)]
        for row in rows
    ]


def co_unit_text(names) -> str:
    """Co-handling units in one cell, in one order (the file's and the list's alike)."""
    return CO_UNIT_SEPARATOR.join(sorted(names))


def inactive_unit_names() -> set[str]:
    return set(Unit.objects.filter(is_active=False).values_list("name", flat=True))
