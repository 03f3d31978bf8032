"""The holiday list file: a year's holidays and make-up workdays as the
State Council publishes them (国务院办公厅关于放假安排的通知), in CSV.

    date,kind,name
    2027-01-01,holiday,元旦
    2027-02-20,workday,春节调休

UTF-8 (a BOM is fine), one day a line; the header is ``date,kind,name`` or
``日期,类型,名称``. ``kind`` is ``holiday`` (放假) for a weekday off or
``workday`` (调休上班, 上班) for a weekend day worked; weekend days inside a
holiday are not listed (they are off anyway). Blank lines and lines starting
with ``#`` are skipped. Every row must fall in the year imported, once. The
README documents it; demo/holidays-2027.csv is an example.

Reading checks every row and reports each bad one by its line; nothing is
imported from a file with a bad row (appeals.exceptions.CatalogueImportError,
the app's refusal that lists an import's bad rows)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from django.utils.translation import gettext as _

from appeals.deadlines import check_day
from appeals.enums import HolidayKind
from appeals.exceptions import CatalogueImportError
from portal.exceptions import PortalError

HEADERS = (["date", "kind", "name"], ["日期", "类型", "名称"])
KIND_WORDS = {
    "holiday": HolidayKind.HOLIDAY, "放假": HolidayKind.HOLIDAY, "休": HolidayKind.HOLIDAY,
    "workday": HolidayKind.WORKDAY, "调休上班": HolidayKind.WORKDAY, "上班": HolidayKind.WORKDAY, "班": HolidayKind.WORKDAY,
}
MAX_BYTES = 64 * 1024
MAX_ROWS = 400


@dataclass(frozen=True)
class Row:
    line: int
    date: dt.date
    kind: str
    name: str


def decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise CatalogueImportError(_("文件太大：节假日文件不超过 64 KB。"), errors=[(0, _("文件太大"))])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CatalogueImportError(_("文件须为 UTF-8 编码的 CSV。"), errors=[(0, _("编码不是 UTF-8"))]) from None


def read_rows(text: str, *, year: int) -> list[Row]:
    """The file's days, each checked (a weekday off, a weekend day worked,
    named, in ``year``, once), or every bad line at once."""
    lines = [(number, row) for number, row in enumerate(csv.reader(io.StringIO(text)), start=1)
             if row and any(cell.strip() for cell in row) and not row[0].lstrip().startswith("#")]
    if not lines:
        raise CatalogueImportError(_("文件是空的。"), errors=[(0, _("没有内容"))])
    header_line, header = lines[0]
    if [cell.strip().lower() for cell in header] not in HEADERS:
        raise CatalogueImportError(_("第一行应为表头 date,kind,name（或 日期,类型,名称）。"),
                                   errors=[(header_line, _("表头应为 date,kind,name"))])
    if len(lines) - 1 > MAX_ROWS:
        raise CatalogueImportError(_("行数太多（最多 %(n)d 行）。") % {"n": MAX_ROWS}, errors=[(0, _("行数太多"))])
    rows, errors, seen = [], [], {}
    for number, cells in lines[1:]:
        cells = [cell.strip() for cell in cells]
        if len(cells) != 3:
            errors.append((number, _("应有 3 列（日期、类型、名称），这一行有 %(n)d 列") % {"n": len(cells)}))
            continue
        date_text, kind_text, name = cells
        try:
            day = dt.date.fromisoformat(date_text)
        except ValueError:
            errors.append((number, _("日期“%(value)s”无效，应为 2027-02-08 这样的格式") % {"value": date_text[:20]}))
            continue
        if day.year != year:
            errors.append((number, _("%(day)s 不在 %(year)d 年") % {"day": day.isoformat(), "year": year}))
            continue
        if day in seen:
            errors.append((number, _("%(day)s 重复（第 %(line)d 行已有）") % {"day": day.isoformat(), "line": seen[day]}))
            continue
        seen[day] = number
        kind = KIND_WORDS.get(kind_text.lower())
        if kind is None:
            errors.append((number, _("类型“%(value)s”无效，应为 holiday（放假）或 workday（调休上班）") % {"value": kind_text[:20]}))
            continue
        try:
            kind, name = check_day(day, kind, name, today=dt.date.min)
        except PortalError as exc:
            errors.append((number, str(exc.message)))
            continue
        rows.append(Row(line=number, date=day, kind=kind, name=name))
    if errors:
        raise CatalogueImportError(_("文件有 %(n)d 行有误，没有导入任何内容。请改正后重新上传。") % {"n": len(errors)}, errors=errors)
    return rows
