"""The one export helper: rows to CSV or XLSX, as a download.

Every cell passes through here, so this is the one place that keeps text
typed by residents and units (a case title, an appeal's text) from becoming
a live formula in a spreadsheet (CSV/formula injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.utils import get_column_letter


# Spreadsheet programs read a cell starting with one of these as a formula
# (or, for tab and carriage return, strip them and read what follows).
FORMULA_LEADERS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value):
    """Text as a spreadsheet will show it, never run it: text that starts
    like a formula gets a leading apostrophe (OWASP's advice for CSV).
    Numbers, dates and empty cells are returned as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_LEADERS):
        return "'" + value
    return value


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (int, float, Decimal)):  # "-3" is a number, not a formula
        return str(value)
    return neutralised(str(value))


def _cell(value):
    if value is None:
        return ""
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        return value.replace(tzinfo=None)
    return value if isinstance(value, (int, float)) else str(value)


def csv_response(*, filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> HttpResponse:
    buffer = io.StringIO()
    # A BOM so that Excel opens Chinese text correctly.
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([_csv_cell(str(h)) for h in header])
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_bytes(*, sheet: str, header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    workbook = Workbook(write_only=False)
    worksheet = workbook.active
    worksheet.title = sheet[:31]
    _append_row(worksheet, [str(h) for h in header])
    widths = [len(str(h)) for h in header]
    for row in rows:
        values = [_cell(v) for v in row]
        _append_row(worksheet, values)
        widths = [max(w, min(len(str(v)), 60)) for w, v in zip(widths, values)]
    for index, width in enumerate(widths, start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = width + 2
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _append_row(worksheet, values: list) -> None:
    """Appends a row with formula-like text stored as text: openpyxl would
    write a string starting with "=" as a formula. A string cell with the
    quote prefix (what typing ' before it does in Excel or WPS) is shown and
    kept as text even when edited, and its value reads back unchanged (the
    catalogue's import relies on that)."""
    worksheet.append(values)
    for cell in worksheet[worksheet.max_row]:
        if isinstance(cell.value, str) and cell.value.startswith(FORMULA_LEADERS):
            cell.data_type = "s"
            cell.quotePrefix = True


def xlsx_response(*, filename: str, sheet: str, header: Sequence[str], rows: Iterable[Sequence]) -> HttpResponse:
    response = HttpResponse(
        xlsx_bytes(sheet=sheet, header=header, rows=rows),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response
