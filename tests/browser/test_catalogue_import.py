"""Issue 21 on a phone (390×844): the dispatch centre downloads the demo
catalogue, edits it, uploads a file with a bad row and sees where, then
uploads the corrected file, checks the preview and imports it."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from appeals.models import Item
from demo import appeals as appeals_demo
from demo import portal as portal_demo
from portal.models import AuditEntry
from tests.browser.conftest import check_a11y, screenshot, sign_in_with_cookie

pytestmark = pytest.mark.django_db(transaction=True)


def edited(content: bytes, *, deadline, new_code: str) -> dict:
    """The downloaded workbook with one item's deadline changed and one item added."""
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.active
    row = next(r for r in sheet.iter_rows(min_row=2) if r[3].value == "路灯损坏")
    row[5].value = deadline
    sheet.append([row[0].value, row[1].value, new_code, "楼道电动车飞线充电", "一般", 3, "工作日", "是", "是", "飞线 充电"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return {"name": "目录清单.xlsx", "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "buffer": buffer.getvalue()}


def test_the_dispatch_centre_imports_a_catalogue_change_on_a_phone(phone_page, live_server):
    seeded = portal_demo.seed()
    appeals_demo.seed_catalogue(seeded["units"])
    light = Item.objects.get(name="路灯损坏")
    category = light.category.code
    page = phone_page
    sign_in_with_cookie(page, seeded["accounts"]["dispatcher@demo.minxinbang.cn"], live_server)

    page.goto("/appeals/centre/")
    page.get_by_role("link", name="目录清单与责任清单").click()
    expect(page.get_by_role("heading", name=re.compile(r"当前目录清单：\d+ 行"))).to_be_visible()
    check_a11y(page, context="catalogue page")
    screenshot(page, "catalogue-1-page")

    with page.expect_download() as download:
        page.get_by_role("link", name="下载 Excel（.xlsx）").click()
    content = open(download.value.path(), "rb").read()
    new_code = f"{category}-90"

    # First a slip: a deadline of 0 working days. The row and the column are named; nothing is imported.
    page.get_by_label("文件（.xlsx 或 .csv）").set_input_files(edited(content, deadline=0, new_code=new_code))
    page.get_by_role("button", name="上传并预览").click()
    problems = page.get_by_role("region", name=re.compile("处问题，全部未导入"))
    expect(problems).to_be_visible()
    expect(problems).to_contain_text("办理时限")
    expect(problems).to_contain_text("应为 1 到 720 的整数")
    expect(problems).to_contain_text(re.compile(r"第 \d+ 行"))
    assert not Item.objects.filter(code=new_code).exists()
    check_a11y(page, context="catalogue page, a bad row")
    problems.scroll_into_view_if_needed()
    screenshot(page, "catalogue-2-bad-row")

    page.get_by_label("文件（.xlsx 或 .csv）").set_input_files(edited(content, deadline=2, new_code=new_code))
    page.get_by_role("button", name="上传并预览").click()
    expect(page.get_by_role("heading", name="预览：目录清单")).to_be_visible()
    counts = page.get_by_role("list", name="变动")
    expect(counts).to_contain_text("新增 1 行")
    expect(counts).to_contain_text("修改 1 行")
    expect(counts).to_contain_text("删除 0 行")
    changed = page.locator(".change.changed")
    expect(changed).to_contain_text(light.code)
    expect(changed.locator("del")).to_contain_text(str(light.deadline_value))
    expect(changed.locator("ins")).to_contain_text("2")
    expect(page.locator(".change.added")).to_contain_text("楼道电动车飞线充电")
    assert Item.objects.get(pk=light.pk).deadline_value == light.deadline_value  # nothing yet
    check_a11y(page, context="catalogue preview")
    screenshot(page, "catalogue-3-preview")

    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_text("已导入目录清单：新增 1 行，修改 1 行，删除 0 行。")).to_be_visible()
    assert Item.objects.get(pk=light.pk).deadline_value == 2
    assert Item.objects.get(code=new_code).keywords == "飞线 充电"
    assert AuditEntry.objects.filter(action="catalogue_imported").count() == 1
    check_a11y(page, context="catalogue page after the import")
    screenshot(page, "catalogue-4-imported")


def test_the_dispatch_centre_removes_a_responsibility_row_from_a_csv_on_a_phone(phone_page, live_server):
    from appeals.models import Responsibility

    seeded = portal_demo.seed()
    appeals_demo.seed_catalogue(seeded["units"])
    before = Responsibility.objects.count()
    page = phone_page
    sign_in_with_cookie(page, seeded["accounts"]["dispatcher@demo.minxinbang.cn"], live_server)

    page.goto("/appeals/centre/catalogue/")
    page.get_by_role("link", name="责任清单").click()
    expect(page.get_by_role("heading", name=f"当前责任清单：{before} 行")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="下载 CSV").click()
    lines = open(download.value.path(), encoding="utf-8-sig").read().splitlines()
    gone = lines.pop(1)  # the first row after the header
    page.get_by_label("文件（.xlsx 或 .csv）").set_input_files(
        {"name": "责任清单.csv", "mimeType": "text/csv", "buffer": "\n".join(lines).encode("utf-8-sig")})
    page.get_by_role("button", name="上传并预览").click()
    expect(page.get_by_role("heading", name="预览：责任清单")).to_be_visible()
    counts = page.get_by_role("list", name="变动")
    expect(counts).to_contain_text("删除 1 行")
    expect(counts).to_contain_text(f"不变 {before - 1} 行")
    removed = page.locator(".change.removed")
    expect(removed).to_contain_text(" · ".join(gone.split(",")[:2]))
    check_a11y(page, context="responsibility list preview, a row removed")
    screenshot(page, "catalogue-5-responsibility-removal")
    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_text("已导入责任清单：新增 0 行，修改 0 行，删除 1 行。")).to_be_visible()
    assert Responsibility.objects.count() == before - 1
