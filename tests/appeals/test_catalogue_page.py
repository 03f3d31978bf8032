"""The dispatch centre's catalogue page (issue 21): who may open it, the
download that uploads back as no change, bad files shown row by row in
both languages, apply, a stale preview, the rate limit and the audit log."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from appeals.models import CatalogueImport, Item
from appeals.selectors import catalogue_lists
from appeals.services import catalogue_io
from portal.exports import xlsx_bytes
from portal.models import AuditEntry
from tests import factories
from tests.signin import ROLES, assert_refused_everywhere, sign_in, signed_in_as

pytestmark = pytest.mark.django_db

PAGE = "/appeals/centre/catalogue/"
ITEMS = catalogue_lists.ITEM_HEADER


def item(code, name, deadline=5):
    return ["CG", "城市管理", code, name, "一般", deadline, "工作日", "是", "是", ""]


def upload(rows, name="catalogue.xlsx"):
    return SimpleUploadedFile(name, xlsx_bytes(sheet="s", header=ITEMS, rows=rows))


@pytest.fixture
def listed(dispatcher):
    factories.UnitFactory(name="测试局")
    draft = catalogue_io.preview_import(actor=dispatcher, kind="items", upload=upload([item("CG-01", "占道经营")])).draft
    catalogue_io.apply_import(actor=dispatcher, preview_id=draft.pk)
    return catalogue_io.preview_import(actor=dispatcher, kind="items", upload=upload([item("CG-01", "占道经营", 3)])).draft



def requests(draft):
    return [
        ("get", PAGE, {}),
        ("get", PAGE + "items.xlsx", {}),
        ("get", PAGE + "responsibilities.csv", {}),
        ("post", PAGE + "preview/", {"kind": "items", "file": upload([item("CG-01", "占道经营", 7)])}),
        ("post", PAGE + "apply/", {"kind": "items", "preview": str(draft.pk)}),
    ]


def snapshot():
    return catalogue_lists.item_rows(), catalogue_lists.responsibility_rows(), AuditEntry.objects.count()


@pytest.mark.parametrize("role", [r for r in ROLES if r != "dispatcher"])
def test_nobody_but_the_dispatch_centre_opens_downloads_previews_or_applies(client, listed, role):
    signed_in_as(client, role)
    assert_refused_everywhere(client, role, requests(listed), snapshot)
    assert CatalogueImport.objects.filter(applied_at=None).count() == 1


def test_the_dispatch_centre_opens_downloads_previews_and_applies(client, dispatcher, listed):
    sign_in(client, dispatcher)
    statuses = [getattr(client, method)(address, data).status_code for method, address, data in requests(listed)]
    assert statuses == [200, 200, 200, 200, 302]
    # The page's preview replaced the earlier one, which is gone: the newest is applied.
    replaced = client.post(PAGE + "apply/", {"kind": "items", "preview": str(listed.pk)}, follow=True).content.decode()
    assert "找不到这次预览，请重新上传文件。" in replaced and Item.objects.get(code="CG-01").deadline_value == 5
    newest = CatalogueImport.objects.get(applied_at=None)
    assert client.post(PAGE + "apply/", {"kind": "items", "preview": str(newest.pk)}).status_code == 302
    assert Item.objects.get(code="CG-01").deadline_value == 7


def test_the_workspace_links_the_page(client, dispatcher):
    sign_in(client, dispatcher)
    assert f'href="{PAGE}"' in client.get("/appeals/centre/").content.decode()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_downloaded_list_uploaded_again_previews_as_no_change(client, dispatcher, listed, fmt):
    sign_in(client, dispatcher)
    for kind in ("items", "responsibilities"):
        download = client.get(f"{PAGE}{kind}.{fmt}")
        assert download.status_code == 200 and download["Content-Disposition"].endswith(f'.{fmt}"')
        file = SimpleUploadedFile(f"{kind}.{fmt}", download.content)
        page = client.post(PAGE + "preview/", {"kind": kind, "file": file}).content.decode()
        assert "文件与当前清单一致，没有要导入的变动。" in page and "确认导入" not in page


def test_a_preview_lists_old_and_new_values_and_apply_writes_them(client, dispatcher, listed):
    sign_in(client, dispatcher)
    response = client.post(PAGE + "preview/", {"kind": "items", "file": upload([item("CG-01", "占道经营", 4), item("CG-02", "噪音")])})
    page = response.content.decode()
    assert response.status_code == 200
    assert "新增 1 行" in page and "修改 1 行" in page and "删除 0 行" in page
    assert "<del><span class=\"visually-hidden\">原：</span>5</del>" in page and "改为：</span>4</ins>" in page
    draft = CatalogueImport.objects.get(applied_at=None, created_by=dispatcher)
    response = client.post(PAGE + "apply/", {"kind": "items", "preview": str(draft.pk)}, follow=True)
    assert "已导入目录清单：新增 1 行，修改 1 行，删除 0 行。" in response.content.decode()
    assert [row[2] for row in catalogue_lists.item_rows()] == ["CG-01", "CG-02"]
    admin = factories.StaffFactory(role="portal_admin")
    sign_in(client, admin)
    audit = client.get("/staff-admin/audit/").content.decode()
    assert "导入目录清单" in audit and "新增 1 行，修改 1 行，删除 0 行" in audit


@pytest.mark.parametrize("language, words", [
    ("zh-hans", ["第 3 行", "办理时限", "应为 1 到 720 的整数", "全部未导入"]),
    ("en", ["Line 3", "办理时限", "must be a whole number from 1 to 720", "nothing was imported"]),
])
def test_bad_rows_are_listed_by_line_and_column_in_both_languages_and_nothing_changes(client, dispatcher, listed, language, words):
    sign_in(client, dispatcher)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    before = snapshot()
    response = client.post(PAGE + "preview/", {"kind": "items", "file": upload([item("CG-01", "占道经营"), item("CG-02", "噪音", 0)])})
    page = response.content.decode()
    assert response.status_code == 400
    assert all(word in page for word in words), [word for word in words if word not in page]
    assert snapshot() == before


def test_a_stale_preview_says_to_preview_again_and_writes_nothing(client, dispatcher, listed):
    sign_in(client, dispatcher)
    Item.objects.filter(code="CG-01").update(name="占道经营（改）")
    before = snapshot()
    response = client.post(PAGE + "apply/", {"kind": "items", "preview": str(listed.pk)}, follow=True)
    assert "预览之后清单已有变动，没有导入" in response.content.decode()
    assert snapshot() == before


def test_previews_are_rate_limited(client, dispatcher, listed, settings):
    settings.PORTAL_RATE_LIMITS = {**settings.PORTAL_RATE_LIMITS, "catalogue.import": {"user": "2/h"}}
    sign_in(client, dispatcher)
    statuses = [client.post(PAGE + "preview/", {"kind": "items", "file": upload([item("CG-01", "占道经营")])}).status_code
                for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_an_upload_without_a_file_is_shown_on_the_form(client, dispatcher, listed):
    sign_in(client, dispatcher)
    response = client.post(PAGE + "preview/", {"kind": "items"})
    assert response.status_code == 400 and 'role="alert"' in response.content.decode()
