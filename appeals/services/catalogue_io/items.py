"""The catalogue's file (目录清单): its rows checked into the list they
describe, the items it leaves out checked for removal, and the change written."""

from __future__ import annotations

from django.utils.translation import gettext as _

from appeals.catalogue_terms import pinyin_terms
from appeals.models import Appeal, Category, Cluster, Item, Responsibility
from appeals.selectors.catalogue_lists import ITEM_HEADER, NO, YES, file_labels
from appeals.services.catalogue_io.reading import RowError, Table

KEY = "事项编码"
ENGLISH = "事项英文名称"
ENGLISH_AT = ITEM_HEADER.index(ENGLISH)
CATEGORY_ENGLISH = "大类英文名称"
FLAG_WORDS = {"是": YES, "y": YES, "yes": YES, "true": YES, "1": YES, "否": NO, "n": NO, "no": NO, "false": NO, "0": NO}
# Field lengths of the tables (appeals.models.catalogue).
LIMITS = {"大类编码": 16, "大类名称": 40, "事项编码": 24, "事项名称": 60, "检索词": 200, "事项英文名称": 120,
          "大类英文名称": 80}


def flag(value: str) -> str | None:
    """是/否 from the words people type; empty is 是."""
    return YES if not value else FLAG_WORDS.get(value.strip().lower())


def parse(table: Table, *, current: dict[str, list[str]]) -> tuple[dict[str, tuple[int, list[str]]], list[RowError]]:
    """The items the file describes, code → (line, row as the download
    writes it), and every problem, by line and column. The file is the
    whole catalogue: an item it leaves out is removed (removal_problems).
    A file without the English name column (None) keeps the names in
    force (`current`, the list as the download writes it); one without the
    category English name column keeps the categories' names. The rows of a
    category must agree on its English name; empty cells take the others'."""
    urgency_labels, unit_labels = file_labels()
    urgencies = set(urgency_labels.values()) | set(urgency_labels)
    units = set(unit_labels.values()) | set(unit_labels)
    categories: dict[str, str] = dict(Category.objects.values_list("code", "name"))
    category_english, conflicts = _category_english(table)
    english_in_force: dict[str, str] = dict(Category.objects.values_list("code", "name_en"))
    category_codes = {name: code for code, name in categories.items()}
    seen_codes: dict[str, int] = {}
    seen_names: dict[tuple[str, str], int] = {}
    wanted: dict[str, tuple[int, list[str]]] = {}
    errors: list[RowError] = []
    for line, cells in table:
        row = dict(zip(ITEM_HEADER, cells))
        if row[ENGLISH] is None:
            row[ENGLISH] = (current.get(row[KEY]) or [""] * len(ITEM_HEADER))[ENGLISH_AT]
        older = row[CATEGORY_ENGLISH] is None
        if older:
            row[CATEGORY_ENGLISH] = english_in_force.get(row["大类编码"], "")
        problems: list[tuple[str, str]] = []
        if line in conflicts:
            problems.append((CATEGORY_ENGLISH, conflicts[line]))
        for column, limit in LIMITS.items():
            if len(row[column]) > limit:
                problems.append((column, _("超过 %(n)d 个字") % {"n": limit}))
        cat_code, cat_name, code, name = row["大类编码"], row["大类名称"], row["事项编码"], row["事项名称"]
        if not cat_code:
            problems.append(("大类编码", _("请填写大类编码")))
        if not cat_name:
            problems.append(("大类名称", _("请填写大类名称")))
        if cat_code and cat_name:
            if categories.get(cat_code, cat_name) != cat_name:
                problems.append(("大类名称", _("大类编码“%(code)s”已对应名称“%(name)s”，大类改名请联系平台管理员")
                                 % {"code": cat_code, "name": categories[cat_code]}))
            elif category_codes.get(cat_name, cat_code) != cat_code:
                problems.append(("大类编码", _("大类名称“%(name)s”已对应编码“%(code)s”")
                                 % {"name": cat_name, "code": category_codes[cat_name]}))
        if not code:
            problems.append((KEY, _("请填写事项编码")))
        elif code in seen_codes:
            problems.append((KEY, _("事项编码“%(code)s”与第 %(line)d 行重复") % {"code": code, "line": seen_codes[code]}))
        if not name:
            problems.append(("事项名称", _("请填写事项名称")))
        elif (cat_code, name) in seen_names:
            problems.append(("事项名称", _("同一大类下事项名称与第 %(line)d 行重复") % {"line": seen_names[(cat_code, name)]}))
        urgency = row["默认紧急程度"] or urgency_labels["general"]
        if urgency not in urgencies:
            problems.append(("默认紧急程度", _("应为“紧急”或“一般”")))
        unit = row["时限单位"] or unit_labels["working_days"]
        if unit not in units:
            problems.append(("时限单位", _("应为“工作日”或“小时”")))
        deadline = _deadline(row["办理时限"])
        if deadline is None:
            problems.append(("办理时限", _("应为 1 到 720 的整数")))
        publishable, active = flag(row["可公开"]), flag(row["启用"])
        for column, value in (("可公开", publishable), ("启用", active)):
            if value is None:
                problems.append((column, _("应填“是”或“否”")))
        if problems:
            errors += [RowError(line, column, message) for column, message in problems]
            continue
        categories[cat_code], category_codes[cat_name] = cat_name, cat_code
        english = row[CATEGORY_ENGLISH] if older else category_english.get(cat_code, "")
        seen_codes[code], seen_names[(cat_code, name)] = line, line
        wanted[code] = (line, [cat_code, cat_name, code, name, urgency_labels.get(urgency, urgency), str(deadline),
                               unit_labels.get(unit, unit), publishable, active, row["检索词"],
                               row[ENGLISH], english])
    return wanted, errors


def _category_english(table: Table) -> tuple[dict[str, str], dict[int, str]]:
    """The one English name each category's rows give (code → name; a
    category whose cells are all empty is absent: its name is cleared), and
    the lines that contradict an earlier row of their category."""
    chosen: dict[str, tuple[int, str]] = {}
    conflicts: dict[int, str] = {}
    for line, cells in table:
        row = dict(zip(ITEM_HEADER, cells))
        code, value = row["大类编码"], row[CATEGORY_ENGLISH]
        if not code or not value or len(value) > LIMITS[CATEGORY_ENGLISH]:
            continue  # too long: refused by its own row's check
        first_line, first = chosen.setdefault(code, (line, value))
        if first != value:
            conflicts[line] = _("同一大类各行的大类英文名称应相同，与第 %(line)d 行的“%(name)s”不同") % {
                "line": first_line, "name": first}
    return {code: value for code, (_line, value) in chosen.items()}, conflicts


def _deadline(text: str) -> int | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() and 1 <= number <= 720 else None


def removal_problems(codes: list[str]) -> list[RowError]:
    """Items the file leaves out are deleted, unless something still uses them."""
    if not codes:
        return []
    in_use = set(Appeal.objects.filter(item__code__in=codes).values_list("item__code", flat=True).distinct())
    in_use |= set(Cluster.objects.filter(item__code__in=codes).values_list("item__code", flat=True).distinct())
    routed = set(Responsibility.objects.filter(item__code__in=codes).values_list("item__code", flat=True).distinct())
    errors = [
        RowError(None, KEY, _("事项“%(code)s”已有诉求，不能删除：请保留这一行，把“启用”改为“否”") % {"code": code})
        for code in sorted(in_use)
    ]
    errors += [
        RowError(None, KEY, _("责任清单中还有事项“%(code)s”的行：请先在责任清单中删去它们，再删除事项") % {"code": code})
        for code in sorted(routed - in_use)
    ]
    return errors


def write(*, upserts: list[list[str]], removals: list[str]) -> None:
    """Writes the previewed change: new categories, items created or updated
    by code (their search words with them), items removed."""
    urgency_labels, unit_labels = file_labels()
    urgency_of = {label: value for value, label in urgency_labels.items()} | {v: v for v in urgency_labels}
    unit_of = {label: value for value, label in unit_labels.items()} | {v: v for v in unit_labels}
    categories = {c.code: c for c in Category.objects.all()}
    position = max((c.position for c in categories.values()), default=0)
    for row in upserts:
        if row[0] not in categories:
            position += 1
            categories[row[0]] = Category.objects.create(code=row[0], name=row[1], name_en=row[11], position=position)
        elif categories[row[0]].name_en != row[11]:
            categories[row[0]].name_en = row[11]
            categories[row[0]].save(update_fields=["name_en"])
    if removals:
        Item.objects.filter(code__in=removals).delete()
    Item.objects.bulk_create(
        [
            Item(category=categories[row[0]], code=row[2], name=row[3], default_urgency=urgency_of[row[4]],
                 deadline_value=int(row[5]), deadline_unit=unit_of[row[6]], publishable=row[7] == YES,
                 active=row[8] == YES, keywords=row[9], name_en=row[10], search_pinyin=pinyin_terms(row[3], row[9]))
            for row in upserts
        ],
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["category", "name", "default_urgency", "deadline_value", "deadline_unit", "publishable",
                       "active", "keywords", "name_en", "search_pinyin"],
    )
