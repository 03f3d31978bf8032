"""The responsibility list's file (责任清单): one row per item × area (or
全市), checked against the catalogue, the areas and the units, and the
change written. A deactivated unit is given no new rows: routing would
leave its appeals to the dispatch centre (appeals.services.intake)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from appeals.models import Area, Item, Responsibility
from appeals.selectors.catalogue_lists import CITY_WIDE, CO_UNIT_SEPARATOR, RESPONSIBILITY_HEADER, YES, co_unit_text
from appeals.services.catalogue_io.items import flag
from appeals.services.catalogue_io.reading import RowError, Table
from portal.models import Unit

SEPARATORS = (";", "；", ",", "，", "|", "/")

Key = tuple[str, str]


def split_units(value: str) -> list[str]:
    for separator in SEPARATORS:
        value = value.replace(separator, CO_UNIT_SEPARATOR)
    return [name.strip() for name in value.split(CO_UNIT_SEPARATOR) if name.strip()]


def parse(table: Table, *, current: dict[Key, list[str]]) -> tuple[dict[Key, tuple[int, list[str]]], list[RowError], list[RowError]]:
    """The rows the file describes, (item code, area) → (line, row as the
    download writes it); the problems that block it and the warnings that
    do not (a row left as it was that still names a deactivated unit)."""
    items = set(Item.objects.values_list("code", flat=True))
    areas = set(Area.objects.values_list("name", flat=True))
    active = dict(Unit.objects.values_list("name", "is_active"))
    seen: dict[Key, int] = {}
    wanted: dict[Key, tuple[int, list[str]]] = {}
    errors: list[RowError] = []
    warnings: list[RowError] = []
    for line, cells in table:
        row = dict(zip(RESPONSIBILITY_HEADER, cells))
        problems: list[tuple[str, str]] = []
        code, area = row["事项编码"], row["区域"] or CITY_WIDE
        if not code:
            problems.append(("事项编码", _("请填写事项编码")))
        elif code not in items:
            problems.append(("事项编码", _("事项编码“%(code)s”不在目录清单中，请先导入目录清单") % {"code": code}))
        if area != CITY_WIDE and area not in areas:
            problems.append(("区域", _("区域“%(area)s”不存在（全市通用请填“全市”）") % {"area": area}))
        primary = row["主办单位"]
        if not primary:
            problems.append(("主办单位", _("请填写主办单位")))
        elif primary not in active:
            problems.append(("主办单位", _("单位“%(unit)s”不存在，请按单位全称填写") % {"unit": primary}))
        co_units = split_units(row["协办单位"])
        for name in co_units:
            if name not in active:
                problems.append(("协办单位", _("单位“%(unit)s”不存在，请按单位全称填写") % {"unit": name}))
        if primary and primary in co_units:
            problems.append(("协办单位", _("主办单位不能同时是协办单位")))
        if len(set(co_units)) != len(co_units):
            problems.append(("协办单位", _("协办单位重复")))
        auto = flag(row["允许自动派单"])
        if auto is None:
            problems.append(("允许自动派单", _("应填“是”或“否”")))
        key = (code, area)
        if key in seen:
            problems.append(("区域", _("与第 %(line)d 行是同一事项和区域") % {"line": seen[key]}))
        if problems:
            errors += [RowError(line, column, message) for column, message in problems]
            continue
        seen[key] = line
        new = [code, area, primary, co_unit_text(co_units), auto]
        wanted[key] = (line, new)
        closed_errors, closed_warnings = _deactivated(line, new, current.get(key), active)
        errors += closed_errors
        warnings += closed_warnings
    return wanted, errors, warnings


def _deactivated(line: int, new: list[str], old: list[str] | None, active: dict[str, bool]):
    """A deactivated unit newly named (or named lead where it co-handled) is
    an error; one the row already named so is a warning: the row may stay as
    it is until someone picks another unit."""
    errors, warnings = [], []
    for column, names, kept in (("主办单位", [new[2]], [old[2]] if old else []),
                                ("协办单位", split_units(new[3]), split_units(old[3]) if old else [])):
        for name in names:
            if active.get(name, True):
                continue
            if name in kept:
                warnings.append(RowError(line, column, _("单位“%(unit)s”已停用：按这一行自动派单的诉求会留给派单中心")
                                         % {"unit": name}))
            else:
                errors.append(RowError(line, column, _("单位“%(unit)s”已停用，不能再派给它，请另选单位") % {"unit": name}))
    return errors, warnings


def write(*, upserts: list[list[str]], removals: list[Key]) -> None:
    """Writes the previewed change: the rows removed or changed are deleted,
    the rows added or changed inserted with their co-handling units."""
    items = dict(Item.objects.values_list("code", "pk"))
    areas = dict(Area.objects.values_list("name", "pk"))
    units = dict(Unit.objects.values_list("name", "pk"))

    def ids(key: Key) -> tuple[int, int | None]:
        return items[key[0]], None if key[1] == CITY_WIDE else areas[key[1]]

    gone = {ids(key) for key in removals} | {ids((row[0], row[1])) for row in upserts}
    stale = [pk for pk, item_id, area_id in Responsibility.objects.filter(item_id__in={i for i, _a in gone})
             .values_list("pk", "item_id", "area_id") if (item_id, area_id) in gone]
    Responsibility.objects.filter(pk__in=stale).delete()
    created = Responsibility.objects.bulk_create(
        [Responsibility(item_id=ids((row[0], row[1]))[0], area_id=ids((row[0], row[1]))[1], primary_unit_id=units[row[2]],
                        auto_dispatch=row[4] == YES) for row in upserts],
        batch_size=1000,
    )
    through = Responsibility.co_units.through
    through.objects.bulk_create(
        [through(responsibility_id=made.pk, unit_id=units[name]) for made, row in zip(created, upserts)
         for name in split_units(row[3])],
        batch_size=2000,
    )
