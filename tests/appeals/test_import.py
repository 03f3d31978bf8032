"""The catalogue and responsibility list import (issue 21): preview exactly
what changes, refuse bad rows by line and column, apply exactly the preview
or nothing, and a download that uploads back as no change."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from appeals.exceptions import CatalogueImportError
from appeals.models import CatalogueImport, Category, Item, Responsibility
from appeals.selectors import catalogue_lists
from appeals.services import catalogue_io
from demo import appeals as appeals_demo
from demo import portal as portal_demo
from portal.exceptions import ConflictError, NotFoundError, PermissionDeniedError
from portal.exports import csv_response, xlsx_bytes
from portal.models import AuditEntry
from tests import factories

pytestmark = pytest.mark.django_db

ITEMS = catalogue_lists.ITEM_HEADER
RESP = catalogue_lists.RESPONSIBILITY_HEADER


def csv_file(header, rows, name="file.csv"):
    content = csv_response(filename="x", header=header, rows=rows).content
    return SimpleUploadedFile(name, content, content_type="text/csv")


def xlsx_file(header, rows, name="file.xlsx"):
    return SimpleUploadedFile(name, xlsx_bytes(sheet="s", header=header, rows=rows))


def item(code, name, category=("CG", "城市管理"), urgency="一般", deadline=5, unit="工作日", public="是", active="是", words="",
         english="", category_english=""):
    return [*category, code, name, urgency, deadline, unit, public, active, words, english, category_english]


def snapshot():
    return (
        list(Category.objects.order_by("code").values_list("code", "name", "name_en")),
        catalogue_lists.item_rows(), catalogue_lists.responsibility_rows(), AuditEntry.objects.count(),
    )


def preview_and_apply(actor, kind, upload):
    preview = catalogue_io.preview_import(actor=actor, kind=kind, upload=upload)
    return catalogue_io.apply_import(actor=actor, preview_id=preview.draft.pk)


@pytest.fixture
def world(dispatcher):
    """Two items, one area, three units, two responsibility rows."""
    units = {name: factories.UnitFactory(name=name) for name in ("测试局", "生态局", "水务局")}
    factories.AreaFactory(name="测试镇")
    preview_and_apply(dispatcher, "items", xlsx_file(ITEMS, [item("CG-01", "占道经营", words="摆摊"), item("CG-02", "噪音")]))
    preview_and_apply(dispatcher, "responsibilities", xlsx_file(RESP, [["CG-01", "全市", "测试局", "", "是"],
                                                                      ["CG-01", "测试镇", "测试局", "生态局", "否"]]))
    return units


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_demo_catalogue_downloaded_and_uploaded_again_changes_nothing(dispatcher, fmt):
    appeals_demo.seed_catalogue(portal_demo.seed()["units"])
    before = snapshot()
    for kind, header, rows in [("items", ITEMS, catalogue_lists.item_rows()),
                               ("responsibilities", RESP, catalogue_lists.responsibility_rows())]:
        upload = (xlsx_file if fmt == "xlsx" else csv_file)(header, rows, name=f"{kind}.{fmt}")
        preview = catalogue_io.preview_import(actor=dispatcher, kind=kind, upload=upload)
        assert (preview.plan.changes, preview.plan.errors, preview.draft) == ([], [], None)
        assert preview.plan.unchanged == len(rows) > 100
    assert snapshot() == before and not CatalogueImport.objects.exists()


def test_additions_changes_and_removals_are_previewed_with_old_and_new_values_and_applied_exactly(dispatcher, world):
    rows = [item("CG-01", "占道经营", deadline=3, words="摆摊 走鬼"), item("SW-01", "停水", ("SW", "供水排水"), "紧急", 4, "小时")]
    preview = catalogue_io.preview_import(actor=dispatcher, kind="items", upload=csv_file(ITEMS, rows))
    plan = preview.plan
    assert [(c.action, c.key, c.line) for c in plan.changes] == [("changed", "CG-01", 2), ("added", "SW-01", 3),
                                                               ("removed", "CG-02", None)]
    changed = [(cell.column, cell.old, cell.new) for cell in plan.changes[0].cells() if cell.changed]
    assert changed == [("办理时限", "5", "3"), ("检索词", "摆摊", "摆摊 走鬼")]
    assert plan.changes[1].old is None and plan.changes[1].new[3:7] == ["停水", "紧急", "4", "小时"]
    assert plan.changes[2].new is None and plan.changes[2].old[3] == "噪音"
    assert (preview.draft.added, preview.draft.changed, preview.draft.removed) == (1, 1, 1)
    assert Item.objects.get(code="CG-01").deadline_value == 5  # a preview writes nothing
    applied = catalogue_io.apply_import(actor=dispatcher, preview_id=preview.draft.pk)
    assert applied.digest == plan.digest
    assert [row[2:] for row in catalogue_lists.item_rows()] == [
        ["CG-01", "占道经营", "一般", 3, "工作日", "是", "是", "摆摊 走鬼", "", ""],
        ["SW-01", "停水", "紧急", 4, "小时", "是", "是", "", "", ""]]
    assert Item.objects.get(code="SW-01").search_pinyin  # searchable as a resident types it
    entry = AuditEntry.objects.filter(action="catalogue_imported").latest("pk")
    assert (entry.actor, entry.details) == (dispatcher, {"file_name": "file.csv", "added": 1, "changed": 1, "removed": 1})


def test_responsibility_rows_are_added_changed_and_removed_with_their_co_units(dispatcher, world):
    rows = [["CG-01", "测试镇", "测试局", "水务局；生态局", "是"], ["CG-02", "全市", "水务局", "", "是"]]
    plan = catalogue_io.preview_import(actor=dispatcher, kind="responsibilities", upload=xlsx_file(RESP, rows)).plan
    assert [(c.action, c.key) for c in plan.changes] == [
        ("changed", "CG-01 · 测试镇"), ("added", "CG-02 · 全市"), ("removed", "CG-01 · 全市")]
    assert [(c.column, c.old, c.new) for c in plan.changes[0].cells() if c.changed] == [
        ("协办单位", "生态局", "水务局、生态局"), ("允许自动派单", "否", "是")]
    catalogue_io.apply_import(actor=dispatcher, preview_id=CatalogueImport.objects.get(applied_at=None).pk)
    assert catalogue_lists.responsibility_rows() == [["CG-01", "测试镇", "测试局", "水务局、生态局", "是"],
                                                     ["CG-02", "全市", "水务局", "", "是"]]
    row = Responsibility.objects.get(area__name="测试镇")
    assert {u.name for u in row.co_units.all()} == {"水务局", "生态局"} and row.auto_dispatch
    assert Responsibility.co_units.through.objects.count() == 2


def test_a_deactivated_unit_gets_no_new_rows_but_a_row_that_names_it_may_stay(dispatcher, world):
    """Routing leaves a deactivated unit's appeals to the centre (f688c9e): the list gives it no new work."""
    world["生态局"].is_active = False
    world["生态局"].save(update_fields=["is_active"])
    kept = [["CG-01", "全市", "测试局", "", "是"], ["CG-01", "测试镇", "测试局", "生态局", "否"]]
    plan = catalogue_io.preview_import(actor=dispatcher, kind="responsibilities", upload=xlsx_file(RESP, kept)).plan
    assert plan.changes == [] and [(w.line, w.column) for w in plan.warnings] == [(3, "协办单位")]
    before = snapshot()
    for rows in ([kept[0], ["CG-01", "测试镇", "生态局", "", "否"]], [*kept, ["CG-02", "全市", "测试局", "生态局", "是"]]):
        with pytest.raises(CatalogueImportError) as info:
            catalogue_io.preview_import(actor=dispatcher, kind="responsibilities", upload=xlsx_file(RESP, rows))
        assert [(e.line, e.column) for e in info.value.errors] in ([(3, "主办单位")], [(4, "协办单位")])
        assert "已停用" in info.value.errors[0].message
    assert snapshot() == before


def formula_workbook():
    workbook = Workbook()
    workbook.active.append(ITEMS)
    workbook.active.append(item("CG-01", "占道经营"))
    workbook.active.append(item("CG-02", "=HYPERLINK(\"http://x\",\"噪音\")", deadline="=2+3"))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("formula.xlsx", buffer.getvalue())

@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_english_names_download_and_upload_back_as_no_change(dispatcher, world, fmt):
    Item.objects.filter(code="CG-01").update(name_en="Street vending")
    rows = catalogue_lists.item_rows()
    assert rows[0][ITEMS.index("事项英文名称")] == "Street vending"
    upload = (xlsx_file if fmt == "xlsx" else csv_file)(ITEMS, rows, name=f"items.{fmt}")
    preview = catalogue_io.preview_import(actor=dispatcher, kind="items", upload=upload)
    assert (preview.plan.changes, preview.plan.errors, preview.draft, preview.plan.unchanged) == ([], [], None, 2)


def test_a_changed_english_name_is_previewed_as_a_change_and_applied(dispatcher, world):
    Item.objects.filter(code="CG-01").update(name_en="Street vending")
    rows = [item("CG-01", "占道经营", words="摆摊", english="Unlicensed street vending"), item("CG-02", "噪音", english="Noise")]
    preview = catalogue_io.preview_import(actor=dispatcher, kind="items", upload=csv_file(ITEMS, rows))
    changes = {c.key: [(cell.column, cell.old, cell.new) for cell in c.cells() if cell.changed] for c in preview.plan.changes}
    assert changes == {"CG-01": [("事项英文名称", "Street vending", "Unlicensed street vending")],
                       "CG-02": [("事项英文名称", "", "Noise")]}
    assert Item.objects.get(code="CG-01").name_en == "Street vending"  # a preview writes nothing
    catalogue_io.apply_import(actor=dispatcher, preview_id=preview.draft.pk)
    assert dict(Item.objects.values_list("code", "name_en")) == {"CG-01": "Unlicensed street vending", "CG-02": "Noise"}
    rows = [item("CG-01", "占道经营", words="摆摊"), item("CG-02", "噪音", english="Noise")]  # an empty cell clears it
    preview_and_apply(dispatcher, "items", xlsx_file(ITEMS, rows))
    assert dict(Item.objects.values_list("code", "name_en")) == {"CG-01": "", "CG-02": "Noise"}


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_older_file_without_the_english_column_keeps_the_english_names(dispatcher, world, fmt):
    Item.objects.filter(code="CG-01").update(name_en="Street vending")
    older = ITEMS[: ITEMS.index("事项英文名称")] + ["备注"]  # a column of the person's own is ignored, as before
    rows = [item("CG-01", "占道经营", deadline=3, words="摆摊")[:-2] + ["x"], item("SW-01", "停水", ("SW", "供水排水"))[:-2]]
    preview = catalogue_io.preview_import(actor=dispatcher, kind="items", upload=(xlsx_file if fmt == "xlsx" else csv_file)(older, rows))
    changes = {c.key: [cell.column for cell in c.cells() if cell.changed] for c in preview.plan.changes}
    assert changes == {"CG-01": ["办理时限"], "SW-01": ITEMS, "CG-02": ITEMS}
    catalogue_io.apply_import(actor=dispatcher, preview_id=preview.draft.pk)
    assert dict(Item.objects.values_list("code", "name_en")) == {"CG-01": "Street vending", "SW-01": ""}


def test_a_too_long_english_name_is_a_row_error_and_nothing_changes(dispatcher, world):
    before = snapshot()
    rows = [item("CG-01", "占道经营", words="摆摊", english="x" * 121), item("CG-02", "噪音", english="x" * 120)]
    with pytest.raises(CatalogueImportError) as info:
        catalogue_io.preview_import(actor=dispatcher, kind="items", upload=csv_file(ITEMS, rows))
    assert [(e.line, e.column) for e in info.value.errors] == [(2, "事项英文名称")]
    assert "120" in info.value.errors[0].message
    assert snapshot() == before


CATEGORY_EN = ITEMS.index("大类英文名称")


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_category_english_names_download_and_upload_back_as_no_change(dispatcher, world, fmt):
    Category.objects.filter(code="CG").update(name_en="City management")
    rows = catalogue_lists.item_rows()
    assert [row[CATEGORY_EN] for row in rows] == ["City management", "City management"]
    upload = (xlsx_file if fmt == "xlsx" else csv_file)(ITEMS, rows, name=f"items.{fmt}")
    preview = catalogue_io.preview_import(actor=dispatcher, kind="items", upload=upload)
    assert (preview.plan.changes, preview.plan.errors, preview.draft, preview.plan.unchanged) == ([], [], None, 2)


def test_a_changed_category_english_name_is_previewed_on_its_rows_and_applied(dispatcher, world):
    Category.objects.filter(code="CG").update(name_en="City management")
    rows = [item("CG-01", "占道经营", words="摆摊", category_english="Urban management"),
            item("CG-02", "噪音"),  # an empty cell beside a filled one takes the category's name
            item("SW-01", "停水", ("SW", "供水排水"), category_english="Water")]
    preview = catalogue_io.preview_import(actor=dispatcher, kind="items", upload=csv_file(ITEMS, rows))
    changes = {c.key: [(cell.column, cell.old, cell.new) for cell in c.cells() if cell.changed and cell.old is not None]
               for c in preview.plan.changes}
    assert changes == {"CG-01": [("大类英文名称", "City management", "Urban management")],
                       "CG-02": [("大类英文名称", "City management", "Urban management")], "SW-01": []}
    assert Category.objects.get(code="CG").name_en == "City management"  # a preview writes nothing
    catalogue_io.apply_import(actor=dispatcher, preview_id=preview.draft.pk)
    assert dict(Category.objects.values_list("code", "name_en")) == {"CG": "Urban management", "SW": "Water"}
    rows = [item("CG-01", "占道经营", words="摆摊"), item("CG-02", "噪音"),  # every row empty clears it
            item("SW-01", "停水", ("SW", "供水排水"), category_english="Water")]
    preview_and_apply(dispatcher, "items", xlsx_file(ITEMS, rows))
    assert dict(Category.objects.values_list("code", "name_en")) == {"CG": "", "SW": "Water"}


def test_conflicting_category_english_names_are_a_row_error_naming_the_line(dispatcher, world):
    before = snapshot()
    rows = [item("CG-01", "占道经营", words="摆摊", category_english="City management"),
            item("CG-02", "噪音", category_english="Urban affairs")]
    with pytest.raises(CatalogueImportError) as info:
        catalogue_io.preview_import(actor=dispatcher, kind="items", upload=csv_file(ITEMS, rows))
    assert [(e.line, e.column) for e in info.value.errors] == [(3, "大类英文名称")]
    assert "2" in info.value.errors[0].message and "City management" in info.value.errors[0].message
    assert snapshot() == before


def test_a_too_long_category_english_name_is_a_row_error_and_nothing_changes(dispatcher, world):
    before = snapshot()
    rows = [item("CG-01", "占道经营", words="摆摊", category_english="x" * 81), item("CG-02", "噪音")]
    with pytest.raises(CatalogueImportError) as info:
        catalogue_io.preview_import(actor=dispatcher, kind="items", upload=csv_file(ITEMS, rows))
    assert [(e.line, e.column) for e in info.value.errors] == [(2, "大类英文名称")]
    assert "80" in info.value.errors[0].message
    assert snapshot() == before


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("columns", ["事项英文名称", "大类英文名称"])  # before either column, before the category's
def test_an_older_file_without_the_category_english_column_keeps_the_categories_english_names(dispatcher, world, fmt,
                                                                                             columns):
    Category.objects.filter(code="CG").update(name_en="City management")
    Item.objects.filter(code="CG-01").update(name_en="Street vending")
    older = ITEMS[: ITEMS.index(columns)]
    rows = [item("CG-01", "占道经营", deadline=3, words="摆摊", english="Street vending")[: len(older)],
            item("CG-02", "噪音")[: len(older)]]
    preview = catalogue_io.preview_import(actor=dispatcher, kind="items", upload=(xlsx_file if fmt == "xlsx" else csv_file)(older, rows))
    changes = {c.key: [cell.column for cell in c.cells() if cell.changed] for c in preview.plan.changes}
    assert changes == {"CG-01": ["办理时限"]}
    catalogue_io.apply_import(actor=dispatcher, preview_id=preview.draft.pk)
    assert Category.objects.get(code="CG").name_en == "City management"
    assert Item.objects.get(code="CG-01").name_en == "Street vending"


def zip_bomb():
    buffer = io.BytesIO()
    workbook = Workbook()
    workbook.active.append(ITEMS)
    for n in range(3000):
        workbook.active.append(item(f"CG-{n:04d}", "同" * 60))
    workbook.save(buffer)
    return SimpleUploadedFile("big.xlsx", buffer.getvalue())


BAD_FILES = {
    "picture named .xlsx": (lambda: SimpleUploadedFile("list.xlsx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64), "items", [(None, "")]),
    "text named .xlsx": (lambda: SimpleUploadedFile("list.xlsx", b"PK\x03\x04 not really a zip"), "items", [(None, "")]),
    "binary named .csv": (lambda: SimpleUploadedFile("list.csv", b"\x89PNG\r\n\x1a\n\x00\x00"), "items", [(None, "")]),
    "old .xls": (lambda: SimpleUploadedFile("list.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64), "items", [(None, "")]),
    "a .txt": (lambda: SimpleUploadedFile("list.txt", b"hello"), "items", [(None, "")]),
    "empty": (lambda: SimpleUploadedFile("list.csv", b""), "items", [(None, "")]),
    "wrong headers": (lambda: csv_file(["编码", "名称"], [["a", "b"]]), "items", [(1, "")]),
    "the other list's file": (lambda: csv_file(ITEMS, [item("CG-01", "占道经营")]), "responsibilities", [(1, "")]),
    "formula cells": (formula_workbook, "items", [(3, "事项名称"), (3, "办理时限")]),
    "formula in a csv": (lambda: SimpleUploadedFile("f.csv", ("\n".join([",".join(ITEMS), "CG,城市管理,CG-09,=1+2,一般,5,工作日,是,是,"])).encode()),
                         "items", [(2, "事项名称")]),
    "unknown unit and area": (lambda: xlsx_file(RESP, [["CG-01", "火星镇", "不存在的局", "生态局、月球局", "是"]]), "responsibilities",
                              [(2, "区域"), (2, "主办单位"), (2, "协办单位")]),
    "unknown item": (lambda: xlsx_file(RESP, [["CG-99", "全市", "测试局", "", "是"]]), "responsibilities", [(2, "事项编码")]),
    "duplicate rows": (lambda: xlsx_file(RESP, [["CG-01", "全市", "测试局", "", "是"], ["CG-01", "", "水务局", "", "否"]]),
                       "responsibilities", [(3, "区域")]),
    "duplicate items": (lambda: csv_file(ITEMS, [item("CG-01", "占道经营"), item("CG-01", "占道"), item("CG-03", "占道经营")]), "items",
                        [(3, "事项编码"), (4, "事项名称")]),
    "bad values": (lambda: csv_file(ITEMS, [item("CG-01", "", urgency="特急", deadline=0, unit="月", public="也许"),
                                            item("XX", "占道经营", ("CG", "市容"))]), "items",
                   [(2, "事项名称"), (2, "默认紧急程度"), (2, "办理时限"), (2, "时限单位"), (2, "可公开"), (3, "大类名称")]),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_bad_file_is_refused_with_every_problem_by_line_and_column_and_nothing_changes(dispatcher, world, case):
    make, kind, where = BAD_FILES[case]
    before = snapshot()
    with pytest.raises(CatalogueImportError) as info:
        catalogue_io.preview_import(actor=dispatcher, kind=kind, upload=make())
    assert [(e.line, e.column) for e in info.value.errors] == where
    assert all(e.message for e in info.value.errors) and info.value.status == 400
    assert snapshot() == before and not CatalogueImport.objects.filter(applied_at=None).exists()


def test_an_oversized_file_or_one_that_unpacks_too_far_is_refused_before_it_is_read(dispatcher, world, settings):
    before = snapshot()
    settings.APPEALS_CATALOGUE_MAX_BYTES = 1000
    with pytest.raises(CatalogueImportError) as info:
        catalogue_io.preview_import(actor=dispatcher, kind="items", upload=csv_file(ITEMS, [item(f"CG-{n}", f"事项{n}") for n in range(40)]))
    assert "文件太大" in info.value.message
    settings.APPEALS_CATALOGUE_MAX_BYTES, settings.APPEALS_CATALOGUE_MAX_UNPACKED_BYTES = 5_000_000, 100_000
    with pytest.raises(CatalogueImportError) as info:
        catalogue_io.preview_import(actor=dispatcher, kind="items", upload=zip_bomb())
    assert "解压后太大" in info.value.message
    assert snapshot() == before


def test_an_item_in_use_or_still_routed_is_not_removed(dispatcher, world):
    factories.AppealFactory(item=Item.objects.get(code="CG-02"))
    with pytest.raises(CatalogueImportError) as info:
        catalogue_io.preview_import(actor=dispatcher, kind="items", upload=csv_file(ITEMS, []))
    assert [(e.line, e.column) for e in info.value.errors] == [(None, "事项编码"), (None, "事项编码")]
    assert "CG-01" in info.value.errors[1].message and "责任清单" in info.value.errors[1].message
    assert "CG-02" in info.value.errors[0].message and "启用" in info.value.errors[0].message


def test_a_preview_of_a_list_that_changed_since_is_refused_and_nothing_is_written(dispatcher, world):
    preview = catalogue_io.preview_import(actor=dispatcher, kind="items", upload=csv_file(ITEMS, [item("CG-01", "占道经营")]))
    noise = Item.objects.get(code="CG-02")
    noise.deadline_value = 9
    noise.save()
    before = snapshot()
    with pytest.raises(ConflictError) as info:
        catalogue_io.apply_import(actor=dispatcher, preview_id=preview.draft.pk)
    assert info.value.code == "preview_stale" and "重新上传" in info.value.message
    assert snapshot() == before


def test_a_unit_deactivated_after_the_preview_makes_it_stale(dispatcher, world):
    rows = [*catalogue_lists.responsibility_rows(), ["CG-02", "全市", "水务局", "", "是"]]
    preview = catalogue_io.preview_import(actor=dispatcher, kind="responsibilities", upload=xlsx_file(RESP, rows))
    world["水务局"].is_active = False
    world["水务局"].save(update_fields=["is_active"])
    with pytest.raises(ConflictError) as info:
        catalogue_io.apply_import(actor=dispatcher, preview_id=preview.draft.pk)
    assert info.value.code == "preview_stale" and Responsibility.objects.count() == 2


def test_a_preview_is_applied_once_by_its_own_author_within_half_an_hour(dispatcher, world):
    upload = csv_file(ITEMS, [item("CG-01", "占道经营")])
    draft = catalogue_io.preview_import(actor=dispatcher, kind="items", upload=upload).draft
    other = factories.StaffFactory(role="dispatcher")
    with pytest.raises(NotFoundError):
        catalogue_io.apply_import(actor=other, preview_id=draft.pk)
    with pytest.raises(NotFoundError):
        catalogue_io.apply_import(actor=dispatcher, preview_id="not-a-uuid")
    CatalogueImport.objects.filter(pk=draft.pk).update(created_at=draft.created_at - dt.timedelta(minutes=31))
    with pytest.raises(ConflictError) as info:
        catalogue_io.apply_import(actor=dispatcher, preview_id=draft.pk)
    assert info.value.code == "preview_expired" and Item.objects.count() == 2
    upload.seek(0)
    draft = catalogue_io.preview_import(actor=dispatcher, kind="items", upload=upload).draft
    catalogue_io.apply_import(actor=dispatcher, preview_id=draft.pk)
    with pytest.raises(ConflictError) as info:
        catalogue_io.apply_import(actor=dispatcher, preview_id=draft.pk)
    assert info.value.code == "preview_applied" and Item.objects.count() == 1
    assert CatalogueImport.objects.get(pk=draft.pk).rows == []


@pytest.mark.parametrize("role", ["organiser", "unit_staff", "reviewer", "portal_admin"])
def test_only_the_dispatch_centre_previews_or_applies(dispatcher, world, role):
    actor = factories.StaffFactory(role=role)
    draft = catalogue_io.preview_import(actor=dispatcher, kind="items", upload=csv_file(ITEMS, [item("CG-01", "占道经营")])).draft
    before = snapshot()
    with pytest.raises(PermissionDeniedError):
        catalogue_io.preview_import(actor=actor, kind="items", upload=csv_file(ITEMS, []))
    with pytest.raises(PermissionDeniedError):
        catalogue_io.apply_import(actor=actor, preview_id=draft.pk)
    assert snapshot() == before


def test_formula_like_text_downloads_neutralised_and_uploads_back_unchanged(dispatcher, world):
    rows = [item("CG-01", "=1+1", words="@摆摊"), item("CG-02", "噪音")]
    preview_and_apply(dispatcher, "items", xlsx_file(ITEMS, rows))
    exported = catalogue_lists.item_rows()
    content = csv_response(filename="x", header=ITEMS, rows=exported).content.decode("utf-8-sig")
    assert "CG-01,'=1+1," in content and ",'@摆摊" in content
    for upload in (csv_file(ITEMS, exported), xlsx_file(ITEMS, exported)):
        assert catalogue_io.preview_import(actor=dispatcher, kind="items", upload=upload).plan.changes == []
    assert Item.objects.get(code="CG-01").name == "=1+1"


def test_a_gbk_csv_saved_by_excel_reads_as_utf8_does(dispatcher, world):
    text = "\n".join([",".join(ITEMS)] + [",".join(str(c) for c in row) for row in catalogue_lists.item_rows()])
    upload = SimpleUploadedFile("excel.csv", text.encode("gb18030"))
    assert catalogue_io.preview_import(actor=dispatcher, kind="items", upload=upload).plan.changes == []


def test_three_thousand_rows_import_with_their_co_units(dispatcher):
    units = [factories.UnitFactory(name=f"单位{i}") for i in range(5)]
    areas = [factories.AreaFactory(name=f"镇{i}") for i in range(30)]
    preview_and_apply(dispatcher, "items", xlsx_file(ITEMS, [item(f"CG-{i:03d}", f"事项{i}") for i in range(100)]))
    rows = [[f"CG-{i:03d}", area.name, units[i % 5].name, units[(i + 1) % 5].name, "是"] for i in range(100) for area in areas]
    plan = preview_and_apply(dispatcher, "responsibilities", xlsx_file(RESP, rows))
    assert plan.added == 3000 and Responsibility.objects.count() == 3000
    assert Responsibility.co_units.through.objects.count() == 3000


def test_the_command_previews_then_applies_through_the_same_service(world, tmp_path):
    from django.core.management import call_command

    path = tmp_path / "items.xlsx"
    path.write_bytes(xlsx_bytes(sheet="s", header=ITEMS, rows=[item("CG-01", "占道经营", words="摆摊"), item("CG-03", "违建")]))
    out = io.StringIO()
    call_command("import_catalogue", "items", str(path), stdout=out)
    assert "added 1, changed 0, removed 1, unchanged 1" in out.getvalue() and not Item.objects.filter(code="CG-03").exists()
    call_command("import_catalogue", "items", str(path), "--apply", stdout=out)
    assert [row[2] for row in catalogue_lists.item_rows()] == ["CG-01", "CG-03"]
    assert AuditEntry.objects.filter(action="catalogue_imported", actor=None).count() == 1
