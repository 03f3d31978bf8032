"""Import and export of the catalogue and the responsibility list (XLSX/CSV).

An import reads every row first and checks them all; if any row is bad,
every bad row is reported by its line number and nothing is written. A good
file is written in one transaction with bulk statements (thousands of rows
in seconds). Rows are matched by natural key: item code; item code + area.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from appeals.catalogue_terms import pinyin_terms
from appeals.enums import DeadlineUnit, Urgency
from appeals.exceptions import CatalogueImportError
from appeals.models import Area, Category, Item, Responsibility
from portal.models import Unit, User
from portal.permissions import require

ITEM_HEADER = ["大类编码", "大类名称", "事项编码", "事项名称", "默认紧急程度", "办理时限", "时限单位", "可公开", "启用", "检索词"]
RESPONSIBILITY_HEADER = ["事项编码", "区域", "主办单位", "协办单位", "允许自动派单"]
CITY_WIDE = "全市"
YES = {"是", "y", "yes", "true", "1"}
NO = {"否", "n", "no", "false", "0"}
URGENCY_BY_LABEL = {str(label): value for value, label in Urgency.choices} | {v: v for v in Urgency.values}
UNIT_BY_LABEL = {str(label): value for value, label in DeadlineUnit.choices} | {v: v for v in DeadlineUnit.values}
SEPARATORS = ("、", ";", "；", ",", "，", "|")
MAX_ROWS = 50_000


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int


def read_table(upload, *, header: list[str]) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs from an .xlsx or .csv upload; line 1 is the header."""
    name = (getattr(upload, "name", "") or "").lower()
    data = upload.read()
    if name.endswith(".xlsx"):
        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:
            raise CatalogueImportError(_("无法读取这个 Excel 文件。"), errors=[(0, _("文件不是有效的 .xlsx"))]) from None
        rows = ([("" if v is None else str(v)).strip() for v in row] for row in workbook.active.iter_rows(values_only=True))
    elif name.endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise CatalogueImportError(_("CSV 文件须为 UTF-8 编码。"), errors=[(0, _("编码不是 UTF-8"))]) from None
        rows = ([cell.strip() for cell in row] for row in csv.reader(io.StringIO(text)))
    else:
        raise CatalogueImportError(_("请上传 .xlsx 或 .csv 文件。"), errors=[(0, _("文件类型不支持"))])
    first = next(rows, None)
    if first is None or [c for c in first if c][: len(header)] != header:
        raise CatalogueImportError(
            _("表头不对，第一行应为：%(header)s") % {"header": "，".join(header)},
            errors=[(1, _("表头应为：%(header)s") % {"header": "，".join(header)})],
        )
    table = []
    for line, row in enumerate(rows, start=2):
        if not any(row):
            continue
        row = (row + [""] * len(header))[: len(header)]
        table.append((line, dict(zip(header, row))))
        if len(table) > MAX_ROWS:
            raise CatalogueImportError(_("文件太大，一次最多导入 %(n)d 行。") % {"n": MAX_ROWS}, errors=[(line, _("行数超限"))])
    return table


def _flag(value: str, default: bool) -> bool | None:
    value = value.strip().lower()
    if not value:
        return default
    if value in YES:
        return True
    if value in NO:
        return False
    return None


def _reject(errors: list[tuple[int, str]]):
    raise CatalogueImportError(
        _("有 %(n)d 行有问题，全部未导入。请改正后重新上传。") % {"n": len(errors)}, errors=sorted(errors)
    )


def import_items(*, actor: User | None, upload) -> ImportResult:
    """Categories and items: creates new ones, updates existing ones by code."""
    require(actor, "appeals.import_catalogue")
    table = read_table(upload, header=ITEM_HEADER)
    errors: list[tuple[int, str]] = []
    categories: dict[str, str] = dict(Category.objects.values_list("code", "name"))
    category_names = {name: code for code, name in categories.items()}
    seen_codes: dict[str, int] = {}
    seen_names: dict[tuple[str, str], int] = {}
    parsed = []
    for line, row in table:
        problems = []
        cat_code, cat_name = row["大类编码"], row["大类名称"]
        code, name = row["事项编码"], row["事项名称"]
        if not cat_code or not cat_name:
            problems.append(_("缺少大类编码或名称"))
        elif category_names.get(cat_name, cat_code) != cat_code or (categories.get(cat_code, cat_name) != cat_name):
            problems.append(_("大类编码“%(code)s”与名称“%(name)s”不一致") % {"code": cat_code, "name": cat_name})
        else:
            categories[cat_code] = cat_name
            category_names[cat_name] = cat_code
        if not code or len(code) > 24:
            problems.append(_("事项编码为空或超过24个字符"))
        elif code in seen_codes:
            problems.append(_("事项编码“%(code)s”与第 %(line)d 行重复") % {"code": code, "line": seen_codes[code]})
        if not name or len(name) > 60:
            problems.append(_("事项名称为空或超过60个字"))
        elif (cat_code, name) in seen_names:
            problems.append(_("同一大类下事项名称与第 %(line)d 行重复") % {"line": seen_names[(cat_code, name)]})
        urgency = URGENCY_BY_LABEL.get(row["默认紧急程度"] or "一般")
        if urgency is None:
            problems.append(_("默认紧急程度应为“紧急”或“一般”"))
        unit = UNIT_BY_LABEL.get(row["时限单位"] or "工作日")
        if unit is None:
            problems.append(_("时限单位应为“工作日”或“小时”"))
        try:
            value = int(float(row["办理时限"]))
            if not 1 <= value <= 720 or float(row["办理时限"]) != value:
                raise ValueError
        except ValueError:
            value = None
            problems.append(_("办理时限应为 1 到 720 的整数"))
        publishable, active = _flag(row["可公开"], True), _flag(row["启用"], True)
        if publishable is None or active is None:
            problems.append(_("“可公开”“启用”应填“是”或“否”"))
        if problems:
            errors.append((line, "；".join(str(p) for p in problems)))
            continue
        seen_codes[code] = line
        seen_names[(cat_code, name)] = line
        parsed.append((line, cat_code, cat_name, code, name, urgency, value, unit, publishable, active, row["检索词"][:200]))
    if not errors:
        # Names must also stay unique against items the file does not mention.
        clashes = Item.objects.filter(
            category__code__in={p[1] for p in parsed}, name__in={p[4] for p in parsed}
        ).exclude(code__in={p[3] for p in parsed}).values_list("category__code", "name", "code")
        clash = {(c, n): code for c, n, code in clashes}
        for p in parsed:
            if (p[1], p[4]) in clash:
                errors.append((p[0], _("该大类下已有同名事项（编码 %(code)s）") % {"code": clash[(p[1], p[4])]}))
    if errors:
        _reject(errors)
    with transaction.atomic():
        existing_categories = {c.code: c for c in Category.objects.all()}
        position = len(existing_categories)
        for cat_code, cat_name in {(p[1], p[2]) for p in parsed}:
            if cat_code not in existing_categories:
                position += 1
                existing_categories[cat_code] = Category.objects.create(code=cat_code, name=cat_name, position=position)
        existing = set(Item.objects.filter(code__in=[p[3] for p in parsed]).values_list("code", flat=True))
        Item.objects.bulk_create(
            [
                Item(category=existing_categories[p[1]], code=p[3], name=p[4], default_urgency=p[5], deadline_value=p[6],
                     deadline_unit=p[7], publishable=p[8], active=p[9], keywords=p[10],
                     search_pinyin=pinyin_terms(p[4], p[10]))
                for p in parsed
            ],
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=["category", "name", "default_urgency", "deadline_value", "deadline_unit", "publishable", "active", "keywords",
                           "search_pinyin"],
        )
    return ImportResult(created=len(parsed) - len(existing), updated=len(existing))


def _split_units(value: str) -> list[str]:
    for separator in SEPARATORS[1:]:
        value = value.replace(separator, SEPARATORS[0])
    return [name.strip() for name in value.split(SEPARATORS[0]) if name.strip()]


def import_responsibilities(*, actor: User | None, upload) -> ImportResult:
    """The responsibility list: one row per item × area (or 全市)."""
    require(actor, "appeals.import_catalogue")
    table = read_table(upload, header=RESPONSIBILITY_HEADER)
    items = dict(Item.objects.values_list("code", "pk"))
    areas = dict(Area.objects.values_list("name", "pk"))
    units: dict[str, int] = {}
    for pk, name, short in Unit.objects.values_list("pk", "name", "short_name"):
        units[name] = pk
    errors: list[tuple[int, str]] = []
    seen: dict[tuple[int, int | None], int] = {}
    parsed = []
    for line, row in table:
        problems = []
        item_id = items.get(row["事项编码"])
        if item_id is None:
            problems.append(_("事项编码“%(code)s”不存在") % {"code": row["事项编码"]})
        area_name = row["区域"] or CITY_WIDE
        area_id = None if area_name == CITY_WIDE else areas.get(area_name)
        if area_name != CITY_WIDE and area_id is None:
            problems.append(_("区域“%(area)s”不存在（全市通用请填“全市”）") % {"area": area_name})
        primary = units.get(row["主办单位"])
        if primary is None:
            problems.append(_("主办单位“%(unit)s”不存在") % {"unit": row["主办单位"]})
        co_names = _split_units(row["协办单位"])
        co_ids = []
        for name in co_names:
            if name not in units:
                problems.append(_("协办单位“%(unit)s”不存在") % {"unit": name})
            else:
                co_ids.append(units[name])
        if primary is not None and primary in co_ids:
            problems.append(_("主办单位不能同时是协办单位"))
        if len(set(co_ids)) != len(co_ids):
            problems.append(_("协办单位重复"))
        auto = _flag(row["允许自动派单"], True)
        if auto is None:
            problems.append(_("“允许自动派单”应填“是”或“否”"))
        key = (item_id, area_id)
        if item_id is not None and not problems and key in seen:
            problems.append(_("与第 %(line)d 行是同一事项和区域") % {"line": seen[key]})
        if problems:
            errors.append((line, "；".join(str(p) for p in problems)))
            continue
        seen[key] = line
        parsed.append((item_id, area_id, primary, co_ids, auto))
    if errors:
        _reject(errors)
    with transaction.atomic():
        keys = {(p[0], p[1]) for p in parsed}
        old = Responsibility.objects.filter(item_id__in={k[0] for k in keys})
        existing = [(i, a) for i, a in old.values_list("item_id", "area_id") if (i, a) in keys]
        # Replace the rows the file names (delete + bulk insert): one statement each way.
        stale = [r for r, i, a in old.values_list("pk", "item_id", "area_id") if (i, a) in keys]
        Responsibility.objects.filter(pk__in=stale).delete()
        created = Responsibility.objects.bulk_create(
            [Responsibility(item_id=p[0], area_id=p[1], primary_unit_id=p[2], auto_dispatch=p[4]) for p in parsed],
            batch_size=1000,
        )
        through = Responsibility.co_units.through
        through.objects.bulk_create(
            [through(responsibility_id=row.pk, unit_id=unit_id) for row, p in zip(created, parsed) for unit_id in p[3]],
            batch_size=2000,
        )
    return ImportResult(created=len(parsed) - len(existing), updated=len(existing))


def item_rows():
    for item in Item.objects.select_related("category").order_by("category__position", "code").iterator():
        yield [
            item.category.code, item.category.name, item.code, item.name, item.get_default_urgency_display(),
            item.deadline_value, item.get_deadline_unit_display(), "是" if item.publishable else "否",
            "是" if item.active else "否", item.keywords,
        ]


def responsibility_rows():
    rows = (
        Responsibility.objects.select_related("item", "area", "primary_unit")
        .prefetch_related("co_units")
        .order_by("item__code", "area__position", "pk")
    )
    for row in rows:
        yield [
            row.item.code, row.area.name if row.area else CITY_WIDE, row.primary_unit.name,
            "、".join(sorted(u.name for u in row.co_units.all())), "是" if row.auto_dispatch else "否",
        ]
