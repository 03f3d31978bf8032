"""Catalogue and responsibility list import (all-or-nothing, bad rows by line) and export."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from appeals.exceptions import CatalogueImportError
from appeals.models import Category, Item, Responsibility
from appeals.services import catalogue_io
from portal.exceptions import PermissionDeniedError
from portal.exports import xlsx_bytes
from tests import factories

ITEMS = catalogue_io.ITEM_HEADER
RESP = catalogue_io.RESPONSIBILITY_HEADER


def csv_file(header, rows, name="file.csv"):
    lines = [",".join(header)] + [",".join(str(c) for c in row) for row in rows]
    return SimpleUploadedFile(name, ("\ufeff" + "\n".join(lines)).encode("utf-8"), content_type="text/csv")


def xlsx_file(header, rows, name="file.xlsx"):
    return SimpleUploadedFile(name, xlsx_bytes(sheet="s", header=header, rows=rows))


def test_items_import_creates_and_updates(organiser):
    rows = [
        ["CG", "城市管理", "CG-01", "占道经营", "一般", 5, "工作日", "是", "是", "摆摊"],
        ["CG", "城市管理", "CG-02", "夜间施工噪音", "紧急", 24, "小时", "是", "是", ""],
        ["SW", "供水排水", "SW-01", "停水", "紧急", 4, "小时", "否", "是", ""],
    ]
    result = catalogue_io.import_items(actor=organiser, upload=xlsx_file(ITEMS, rows))
    assert (result.created, result.updated) == (3, 0)
    item = Item.objects.get(code="CG-02")
    assert (item.default_urgency, item.deadline_value, item.deadline_unit) == ("urgent", 24, "hours")
    assert not Item.objects.get(code="SW-01").publishable
    rows[0][5] = 3
    result = catalogue_io.import_items(actor=organiser, upload=csv_file(ITEMS, rows[:1]))
    assert (result.created, result.updated) == (0, 1)
    assert Item.objects.get(code="CG-01").deadline_value == 3
    assert Category.objects.count() == 2


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(organiser):
    rows = [
        ["CG", "城市管理", "CG-01", "占道经营", "一般", 5, "工作日", "是", "是", ""],       # line 2 fine
        ["CG", "城市管理", "CG-02", "噪音", "特急", 5, "工作日", "是", "是", ""],           # 3 bad urgency
        ["CG", "城市管理", "CG-03", "", "一般", 5, "工作日", "是", "是", ""],               # 4 no name
        ["CG", "城市管理", "CG-01", "重复编码", "一般", 5, "工作日", "是", "是", ""],       # 5 duplicate code
        ["CG", "城市管理", "CG-05", "违建", "一般", 0, "工作日", "是", "是", ""],           # 6 zero deadline
        ["CG", "城市管理", "CG-06", "违建2", "一般", "五", "月", "也许", "是", ""],         # 7 several problems
        ["XX", "城市管理", "CG-07", "乱码", "一般", 5, "工作日", "是", "是", ""],           # 8 code/name mismatch
    ]
    with pytest.raises(CatalogueImportError) as info:
        catalogue_io.import_items(actor=organiser, upload=xlsx_file(ITEMS, rows))
    lines = [line for line, _message in info.value.errors]
    assert lines == [3, 4, 5, 6, 7, 8]
    messages = dict(info.value.errors)
    assert "紧急程度" in messages[3] and "第 2 行重复" in messages[5] and "时限单位" in messages[7]
    assert Item.objects.count() == 0 and Category.objects.count() == 0


def test_wrong_header_or_type_is_refused(organiser):
    with pytest.raises(CatalogueImportError):
        catalogue_io.import_items(actor=organiser, upload=csv_file(["编码", "名称"], [["a", "b"]]))
    with pytest.raises(CatalogueImportError):
        catalogue_io.import_items(actor=organiser, upload=SimpleUploadedFile("x.txt", b"hello"))
    with pytest.raises(CatalogueImportError):
        catalogue_io.import_items(actor=organiser, upload=SimpleUploadedFile("x.xlsx", b"not a zip"))
    assert Item.objects.count() == 0


def test_only_organisers_import(db, dispatcher):
    with pytest.raises(PermissionDeniedError):
        catalogue_io.import_items(actor=dispatcher, upload=csv_file(ITEMS, []))


def test_responsibility_import_with_areas_and_co_handlers(organiser):
    town = factories.UnitFactory(name="测试镇")
    bureau = factories.UnitFactory(name="测试局")
    eco = factories.UnitFactory(name="生态局")
    water = factories.UnitFactory(name="水务局")
    factories.AreaFactory(name="测试镇")
    factories.AppealItemFactory(code="CG-01")
    rows = [["CG-01", "全市", "测试局", "", "是"], ["CG-01", "测试镇", "测试镇", "生态局、水务局", "否"]]
    result = catalogue_io.import_responsibilities(actor=organiser, upload=csv_file(RESP, rows))
    assert result.created == 2
    row = Responsibility.objects.get(area__name="测试镇")
    assert row.primary_unit == town and set(row.co_units.all()) == {eco, water} and not row.auto_dispatch
    # Re-import replaces the rows it names.
    catalogue_io.import_responsibilities(actor=organiser, upload=csv_file(RESP, [["CG-01", "测试镇", "测试局", "生态局", "是"]]))
    row = Responsibility.objects.get(area__name="测试镇")
    assert row.primary_unit == bureau and list(row.co_units.all()) == [eco] and Responsibility.objects.count() == 2


def test_responsibility_bad_rows(organiser):
    factories.UnitFactory(name="测试局")
    factories.AreaFactory(name="测试镇")
    factories.AppealItemFactory(code="CG-01")
    rows = [
        ["CG-01", "全市", "测试局", "", "是"],
        ["CG-99", "全市", "测试局", "", "是"],          # 3 unknown item
        ["CG-01", "火星镇", "测试局", "", "是"],         # 4 unknown area
        ["CG-01", "测试镇", "不存在的局", "", "是"],     # 5 unknown unit
        ["CG-01", "测试镇", "测试局", "测试局", "是"],   # 6 primary is co
        ["CG-01", "全市", "测试局", "", "是"],           # 7 duplicate of line 2
    ]
    with pytest.raises(CatalogueImportError) as info:
        catalogue_io.import_responsibilities(actor=organiser, upload=xlsx_file(RESP, rows))
    assert [line for line, _m in info.value.errors] == [3, 4, 5, 6, 7]
    assert Responsibility.objects.count() == 0


def test_three_thousand_rows_import_with_their_co_units(organiser):
    units = [factories.UnitFactory(name=f"单位{i}") for i in range(5)]
    areas = [factories.AreaFactory(name=f"镇{i}") for i in range(30)]
    item_rows = [["CG", "城市管理", f"CG-{i:03d}", f"事项{i}", "一般", 5, "工作日", "是", "是", ""] for i in range(100)]
    catalogue_io.import_items(actor=organiser, upload=xlsx_file(ITEMS, item_rows))
    resp_rows = [[f"CG-{i:03d}", area.name, units[i % 5].name, units[(i + 1) % 5].name, "是"] for i in range(100) for area in areas]
    result = catalogue_io.import_responsibilities(actor=organiser, upload=xlsx_file(RESP, resp_rows))
    assert result.created == 3000 and Responsibility.objects.count() == 3000
    assert Responsibility.co_units.through.objects.count() == 3000


def test_admin_import_page_lists_bad_rows_and_export_round_trips(client, organiser):
    client.force_login(organiser)
    url = reverse("admin:appeals_item_import")
    bad = csv_file(ITEMS, [["CG", "城市管理", "CG-01", "占道经营", "超级急", 5, "工作日", "是", "是", ""]])
    response = client.post(url, {"file": bad})
    assert response.status_code == 400
    assert "import-errors" in response.content.decode() and Item.objects.count() == 0
    good = csv_file(ITEMS, [["CG", "城市管理", "CG-01", "占道经营", "一般", 5, "工作日", "是", "是", ""]])
    assert client.post(url, {"file": good}).status_code == 302
    export = client.get(reverse("admin:appeals_item_export") + "?format=xlsx")
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == ITEMS and rows[1][2:6] == ["CG-01", "占道经营", "一般", 5]
    csv_export = client.get(reverse("admin:appeals_item_export") + "?format=csv").content.decode("utf-8-sig")
    assert csv_export.splitlines()[1].startswith("CG,城市管理,CG-01,占道经营")
    # The export re-imports as-is.
    catalogue_io.import_items(actor=organiser, upload=SimpleUploadedFile("e.xlsx", export.content))
    assert Item.objects.count() == 1


def test_catalogue_export_neutralises_formula_like_names_and_still_round_trips(client, organiser):
    client.force_login(organiser)
    rows = [["CG", "城市管理", "CG-01", "=1+1", "一般", 5, "工作日", "是", "是", "@摆摊"]]
    catalogue_io.import_items(actor=organiser, upload=xlsx_file(ITEMS, rows))
    csv_export = client.get(reverse("admin:appeals_item_export") + "?format=csv").content.decode("utf-8-sig")
    assert "CG-01,'=1+1," in csv_export and ",'@摆摊" in csv_export
    export = client.get(reverse("admin:appeals_item_export") + "?format=xlsx")
    name = load_workbook(io.BytesIO(export.content)).active["D2"]
    assert (name.value, name.data_type, name.quotePrefix) == ("=1+1", "s", True)
    # The XLSX keeps the exact text: importing it back changes nothing.
    result = catalogue_io.import_items(actor=organiser, upload=SimpleUploadedFile("e.xlsx", export.content))
    assert Item.objects.get(code="CG-01").name == "=1+1" and result.created == 0


def test_residents_cannot_reach_the_import(client, resident):
    client.force_login(resident)
    response = client.get(reverse("admin:appeals_item_import"))
    assert response.status_code == 302
