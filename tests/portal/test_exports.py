"""The one export helper keeps typed text from running as a spreadsheet formula."""

from __future__ import annotations

import csv
import io
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from portal import exports

HOSTILE = ['=HYPERLINK("http://evil.example","点我")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
           "\t=1+1", "\r=1+1"]


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.mark.parametrize("text", HOSTILE)
def test_csv_cell_starting_like_a_formula_is_quoted(text):
    response = exports.csv_response(filename="f", header=["标题"], rows=[[text]])
    assert _csv_rows(response)[1] == ["'" + text]


def test_csv_keeps_numbers_and_plain_text_as_they_are():
    response = exports.csv_response(filename="f", header=["a", "b", "c", "d"],
                                    rows=[[-3, Decimal("-1.50"), "加装电梯", None]])
    assert _csv_rows(response)[1] == ["-3", "-1.50", "加装电梯", ""]


def test_csv_header_is_neutralised_too():
    response = exports.csv_response(filename="f", header=["=cmd"], rows=[])
    assert _csv_rows(response)[0] == ["'=cmd"]


@pytest.mark.parametrize("text", HOSTILE)
def test_xlsx_cell_starting_like_a_formula_is_stored_as_quoted_text(text):
    sheet = load_workbook(io.BytesIO(exports.xlsx_bytes(sheet="s", header=["标题"], rows=[[text]]))).active
    cell = sheet["A2"]
    # XML stores a carriage return as a line feed; the cell stays text.
    assert (cell.value, cell.data_type, cell.quotePrefix) == (text.replace("\r", "\n"), "s", True)


def test_xlsx_has_no_formula_anywhere():
    content = exports.xlsx_bytes(sheet="s", header=["=a"], rows=[[text] for text in HOSTILE])

    xml = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml


def test_xlsx_keeps_numbers_as_numbers():
    sheet = load_workbook(io.BytesIO(exports.xlsx_bytes(sheet="s", header=["n"], rows=[[-3]]))).active
    assert (sheet["A2"].value, sheet["A2"].data_type, sheet["A2"].quotePrefix) == (-3, "n", False)
