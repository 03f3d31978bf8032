"""Reading an uploaded list: bounded in bytes and rows, checked by its
content (an .xlsx must be a workbook, a .csv text), and never taking a
formula for a value. Every problem is a RowError (line, column, message);
a problem with the whole file stops the reading at once."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from appeals.exceptions import CatalogueImportError
from portal.exports import FORMULA_LEADERS

MAX_ROWS = 50_000
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the binary .xls of Excel 97-2003
# What a spreadsheet program reads as the start of a formula in a CSV cell
# (tab and carriage return are stripped with the spaces around a cell).
CSV_FORMULA_LEADERS = tuple(c for c in FORMULA_LEADERS if c.strip())


@dataclass(frozen=True)
class RowError:
    """A problem at a line of the file (None: a row of the current list the
    file leaves out) and a column (its header, empty for the whole row)."""

    line: int | None
    column: str
    message: str


Table = list[tuple[int, list[str]]]


def refuse(message: str, *, line: int | None = None, column: str = "") -> CatalogueImportError:
    return CatalogueImportError(message, errors=[RowError(line, column, message)])


def read_table(upload, *, header: list[str], optional: list[str] | None = None) -> Table:
    """(line number, cells) of each non-empty row below the header (line 1),
    as text, cut to the header's columns. The header may lack a tail of the
    `optional` columns at its end (an older file): their cells are then None, not ""."""
    data = _bounded_bytes(upload)
    name = (getattr(upload, "name", "") or "").lower()
    if data.startswith(OLE_MAGIC) or name.endswith(".xls"):
        raise refuse(_("这是旧版 Excel（.xls）文件，请在 Excel 或 WPS 中另存为 .xlsx 后再上传。"))
    if name.endswith(".xlsx"):
        if not data.startswith(ZIP_MAGIC):
            raise refuse(_("这个文件不是有效的 .xlsx 表格，请上传从 Excel 或 WPS 保存的 .xlsx 文件。"))
        rows = _xlsx_rows(data, width=len(header))
    elif name.endswith(".csv"):
        if data.startswith(ZIP_MAGIC) or b"\x00" in data[:65536]:
            raise refuse(_("这个文件不是 CSV 文本，请上传 .csv 或 .xlsx 表格。"))
        rows = _csv_rows(data, width=len(header))
    else:
        raise refuse(_("请上传 .xlsx 或 .csv 文件。"))
    return _table(rows, header=header, optional=optional or [])


def _bounded_bytes(upload) -> bytes:
    limit = settings.APPEALS_CATALOGUE_MAX_BYTES
    too_big = _("文件太大，最多 %(limit)d MB；请分成几个文件或删去多余的工作表。") % {"limit": limit // 1_048_576}
    if (getattr(upload, "size", None) or 0) > limit:
        raise refuse(too_big)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise refuse(too_big)
    if not data:
        raise refuse(_("文件是空的。"))
    return data


def _table(rows, *, header: list[str], optional: list[str]) -> Table:
    first = next(rows, None)
    cells = [c for c in (cell for cell, _formula in first or []) if c]
    missing: list[str] = []
    if optional and cells[: len(header)] != header and header[-len(optional):] == optional:
        # Optional columns were added one by one at the end: a file has the
        # ones of its time, in order, so what it lacks is a tail of them.
        base = len(header) - len(optional)
        for present in range(len(optional) - 1, -1, -1):
            if cells[: base + present] == header[: base + present]:
                missing = optional[present:]
                break
    if first is None or (cells[: len(header)] != header and not missing):
        expected = "，".join(header)
        raise CatalogueImportError(
            _("表头不对，第一行应为：%(header)s") % {"header": expected},
            errors=[RowError(1, "", _("表头应为：%(header)s") % {"header": expected})],
        )
    table: Table = []
    formulas: list[RowError] = []
    for line, row in enumerate(rows, start=2):
        row = (row + [("", False)] * len(header))[: len(header)]
        if missing:
            row = row[: -len(missing)] + [(None, False)] * len(missing)
        if not any(cell for cell, _formula in row):
            continue
        for column, (_cell, formula) in zip(header, row):
            if formula:
                formulas.append(RowError(line, column, _("这一格是公式，请改为直接填写内容（以 ' 开头可保留为文字）")))
        table.append((line, [cell for cell, _formula in row]))
        if len(table) > MAX_ROWS:
            raise refuse(_("行数太多，一次最多导入 %(n)d 行。") % {"n": MAX_ROWS}, line=line)
    if formulas:
        raise CatalogueImportError(
            _("文件里有公式，全部未导入：请把公式改为直接填写的内容后重新上传。"), errors=formulas[:500]
        )
    return table


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _unquoted(text: str) -> tuple[str, bool]:
    """A cell the export quoted ('=1+1) reads back as its text; an unquoted
    one that starts like a formula (=, +, -, @) and is not a number is a formula."""
    if text[:1] == "'" and text[1:2] in FORMULA_LEADERS and text[1:2]:
        return text[1:], False
    if text.startswith(CSV_FORMULA_LEADERS):
        try:
            float(text)
        except ValueError:
            return text, True
    return text, False


def _xlsx_rows(data: bytes, *, width: int):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        raise refuse(_("这个文件不是有效的 .xlsx 表格，请上传从 Excel 或 WPS 保存的 .xlsx 文件。")) from None
    if "xl/workbook.xml" not in names:
        raise refuse(_("这个文件不是有效的 .xlsx 表格，请上传从 Excel 或 WPS 保存的 .xlsx 文件。"))
    # A small file that unpacks to gigabytes (a zip bomb) is refused before any of it is read.
    if unpacked > settings.APPEALS_CATALOGUE_MAX_UNPACKED_BYTES:
        raise refuse(_("表格解压后太大，请删去多余的工作表、格式或空行后再上传。"))
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a damaged file
        raise refuse(_("这个文件不是有效的 .xlsx 表格，请上传从 Excel 或 WPS 保存的 .xlsx 文件。")) from None
    try:
        for row in workbook.worksheets[0].iter_rows(max_col=width):
            cells = []
            for cell in row:
                if getattr(cell, "data_type", None) == "f":
                    cells.append((_text(cell.value), True))
                    continue
                text = _text(cell.value)
                cells.append((_unquoted(text)[0] if text[:1] == "'" else text, False))
            yield cells
    finally:
        workbook.close()


def _csv_rows(data: bytes, *, width: int):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on a Chinese system saves "CSV" in GB18030 (GBK), not UTF-8.
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise refuse(_("无法识别 CSV 文件的编码，请另存为 UTF-8 编码的 CSV 或 .xlsx。")) from None
    for row in csv.reader(io.StringIO(text, newline="")):
        yield [_unquoted(cell.strip()) for cell in row[:width]]
