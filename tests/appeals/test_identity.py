"""One logged path to a resident's identity (issue 14, item 5).

Every staff page, API answer, export and timeline shows the resident masked
(陈* / 139****5678, the address at the public level: the area). The raw name
and phone appear only in the answer of the reveal action, only to staff of
the unit currently handling the appeal or to the dispatch centre, and each
reveal is logged with its reason; organisers read the log, not the identity.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from appeals import services
from appeals.models import ContactView
from tests import factories
from tests.appeals.conftest import part_of
from tests.signin import sign_in

NAME, PHONE, ADDRESS = "陈晓梅", "13912345678", "测试镇测试路与示范街交叉口东北角"
ACCOUNT_EMAIL = "chenxiaomei@example.cn"
RAW = (NAME, PHONE, ADDRESS, ACCOUNT_EMAIL, "晓梅")
ROLES = ["organiser", "dispatcher", "handling_unit", "finished_unit", "unrelated_unit", "reviewer"]
ALLOWED = {"dispatcher", "handling_unit"}


@dataclass
class Scene:
    appeal: object
    people: dict


@pytest.fixture
def scene(world):
    """An appeal returned by the bureau (its part is finished) and now
    handled by the town; the resident's account bears their real name."""
    resident = factories.ResidentFactory(display_name=NAME, email=ACCOUNT_EMAIL)
    people = {
        "organiser": factories.StaffFactory(role="organiser", with_totp=True),
        "dispatcher": factories.StaffFactory(role="dispatcher", with_totp=True),
        "handling_unit": factories.StaffFactory(role="unit_staff", unit=world.town, with_totp=True),
        "finished_unit": factories.StaffFactory(role="unit_staff", unit=world.bureau, with_totp=True),
        "unrelated_unit": factories.StaffFactory(role="unit_staff", unit=world.other, with_totp=True),
        "reviewer": factories.StaffFactory(role="reviewer", with_totp=True),
    }
    appeal = services.file_appeal(
        resident=resident, **world.report(contact_name=NAME, contact_phone=PHONE, address=ADDRESS)
    ).appeal
    services.return_part(actor=people["finished_unit"], work_order_id=part_of(appeal, world.bureau).pk,
                         reason="不属于本单位职责，应由镇街处理")
    services.dispatch_appeal(actor=people["dispatcher"], appeal_id=appeal.pk, primary_unit_id=world.town.pk,
                             reason="改派镇街")
    services.accept_part(actor=people["handling_unit"], work_order_id=part_of(appeal, world.town).pk)
    services.add_internal_note(actor=people["handling_unit"], appeal_id=appeal.pk, body="已电话联系，约明早到场")
    appeal.refresh_from_db()
    return Scene(appeal=appeal, people=people)


def assert_no_identity(text: str) -> None:
    for raw in RAW:
        assert raw not in text


def page_text(client, user, url) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code in (200, 403, 404)
    return response.content.decode()


def api_text(user, url) -> str:
    api = APIClient()
    api.force_authenticate(user)
    response = api.get(url)
    assert response.status_code in (200, 403, 404)
    return response.content.decode()


# --- every surface, every staff role: masked -----------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_staff_appeal_page_and_its_timeline_show_the_resident_masked(client, scene, role):
    body = page_text(client, scene.people[role], reverse("appeals:staff-detail", args=[scene.appeal.pk]))
    assert_no_identity(body)
    if role in ("organiser", "dispatcher", "handling_unit", "finished_unit"):
        assert "陈*" in body and "139****5678" in body and "测试镇" in body
        assert "已电话联系，约明早到场" in body  # the timeline is there, complete


@pytest.mark.parametrize("role", ROLES)
def test_staff_api_detail_and_its_timeline_show_the_resident_masked(scene, role):
    body = api_text(scene.people[role], f"/api/v1/appeals/{scene.appeal.pk}")
    assert_no_identity(body)
    if role in ("organiser", "dispatcher", "handling_unit", "finished_unit"):
        assert '"name":"陈*"' in body and '"phone":"139****5678"' in body
        assert "已电话联系，约明早到场" in body


@pytest.mark.parametrize("role", ROLES)
def test_staff_api_lists_show_no_identity(scene, role):
    for url in ("/api/v1/appeals/inbox?bucket=in_progress", "/api/v1/appeals/inbox", "/api/v1/appeals/queue"):
        assert_no_identity(api_text(scene.people[role], url))


@pytest.mark.parametrize("role", ROLES)
def test_staff_lists_and_exports_show_no_identity(client, scene, role):
    user = scene.people[role]
    for name in ("appeals:inbox", "appeals:centre", "appeals:contact-log", "appeals:clusters"):
        assert_no_identity(page_text(client, user, reverse(name)))
    client.force_login(user)
    export = client.get(reverse("appeals:stats-export"))
    if export.status_code == 200:
        cells = " ".join(str(c.value) for ws in load_workbook(io.BytesIO(export.content)) for row in ws.iter_rows()
                         for c in row if c.value is not None)
        assert_no_identity(cells)


# --- the reveal ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_reveal_by_page_is_for_the_handling_unit_and_dispatch_centre_and_logs_one_row(client, scene, role):
    user = scene.people[role]
    sign_in(client, user)  # a reveal asks for an authentication within 15 minutes
    url = reverse("appeals:contact", args=[scene.appeal.pk])
    response = client.post(url, {"purpose": "callback", "detail": ""})
    if role in ALLOWED:
        assert response.status_code == 200
        body = response.content.decode()
        assert NAME in body and PHONE in body and ADDRESS in body
        (row,) = ContactView.objects.all()
        assert (row.appeal_id, row.viewer_id, row.via, row.reason) == (scene.appeal.pk, user.pk, "page", "回访联系市民")
    else:
        assert response.status_code in (403, 404)
        assert_no_identity(response.content.decode())
        assert not ContactView.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_reveal_by_api_is_for_the_handling_unit_and_dispatch_centre_and_logs_one_row(scene, role):
    user = scene.people[role]
    api = APIClient()
    # A program reveals with a read-write token (no interactive reauthentication).
    api.force_authenticate(user, token=factories.ApiTokenFactory(user=user))
    url = f"/api/v1/appeals/{scene.appeal.pk}/contact"
    response = api.post(url, {"reason": "核实现场位置"}, format="json")
    if role in ALLOWED:
        assert response.status_code == 200
        assert (response.json()["name"], response.json()["phone"], response.json()["address"]) == (NAME, PHONE, ADDRESS)
        (row,) = ContactView.objects.all()
        assert (row.viewer_id, row.via, row.reason) == (user.pk, "api", "核实现场位置")
    else:
        assert response.status_code == 403
        assert_no_identity(response.content.decode())
        assert not ContactView.objects.exists()


def test_reveal_without_a_reason_is_refused_and_logs_nothing(client, scene):
    user = scene.people["handling_unit"]
    sign_in(client, user)  # a reveal asks for an authentication within 15 minutes
    url = reverse("appeals:contact", args=[scene.appeal.pk])
    for data in ({}, {"purpose": "other", "detail": "  "}, {"purpose": "nonsense"}):
        response = client.post(url, data)
        assert response.status_code == 400
        assert_no_identity(response.content.decode())
    api = APIClient()
    # A program reveals with a read-write token (no interactive reauthentication).
    api.force_authenticate(user, token=factories.ApiTokenFactory(user=user))
    api_url = f"/api/v1/appeals/{scene.appeal.pk}/contact"
    for data in ({}, {"reason": ""}, {"reason": "   "}):
        response = api.post(api_url, data, format="json")
        assert response.status_code == 400
        assert_no_identity(response.content.decode())
    assert api.get(api_url).status_code == 405  # a reveal is an action with a reason, never a plain read
    assert not ContactView.objects.exists()


def test_other_purpose_is_logged_with_the_typed_text(client, scene):
    sign_in(client, scene.people["dispatcher"])
    client.post(reverse("appeals:contact", args=[scene.appeal.pk]), {"purpose": "other", "detail": "市民来电要求改约时间"})
    assert ContactView.objects.get().reason == "其他：市民来电要求改约时间"


def test_the_identity_is_not_kept_on_the_page_after_a_reveal(client, scene):
    client.force_login(scene.people["handling_unit"])
    client.post(reverse("appeals:contact", args=[scene.appeal.pk]), {"purpose": "callback"})
    assert_no_identity(client.get(reverse("appeals:staff-detail", args=[scene.appeal.pk])).content.decode())


def test_a_unit_whose_part_is_resolved_no_longer_reveals(world, file_appeal):
    appeal = file_appeal()
    staff = factories.StaffFactory(role="unit_staff", unit=world.bureau, with_totp=True)
    part = part_of(appeal, world.bureau)
    services.accept_part(actor=staff, work_order_id=part.pk)
    services.reply_to_appeal(actor=staff, work_order_id=part.pk, body="已安排维修人员今天到场。")
    assert staff.has_perm("appeals.view_contact", appeal)
    services.resolve_appeal(actor=staff, work_order_id=part.pk, summary="井盖已补装，现场已恢复。")
    appeal.refresh_from_db()
    assert not staff.has_perm("appeals.view_contact", appeal)
    assert staff.has_perm("appeals.view_staff_appeal", appeal)


def test_the_dispatch_centre_no_longer_reveals_an_archived_appeal(scene):
    scene.appeal.state = "closed"
    scene.appeal.save(update_fields=["state"])
    assert not scene.people["dispatcher"].has_perm("appeals.view_contact", scene.appeal)


# --- the audit page ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [*ROLES, "resident"])
def test_audit_page_is_for_organisers_only(client, scene, role):
    user = scene.people.get(role) or factories.ResidentFactory()
    client.force_login(user)
    response = client.get(reverse("appeals:contact-log"))
    assert response.status_code == (200 if role == "organiser" else 403)


def test_audit_page_needs_a_sign_in(client, scene):
    response = client.get(reverse("appeals:contact-log"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_organiser_sees_each_reveal_but_not_the_identity(client, world, scene):
    dispatcher, unit_staff = scene.people["dispatcher"], scene.people["handling_unit"]
    services.reveal_contact(viewer=dispatcher, appeal_id=scene.appeal.pk, reason="回访联系市民")
    services.reveal_contact(viewer=unit_staff, appeal_id=scene.appeal.pk, reason="约定上门办理", via="api")
    client.force_login(scene.people["organiser"])
    body = client.get(reverse("appeals:contact-log")).content.decode()
    assert_no_identity(body)
    for text in (scene.appeal.tracking_number, "回访联系市民", "约定上门办理", str(dispatcher), str(unit_staff),
                 world.town.name, "派单中心"):
        assert text in body
    by_unit = client.get(reverse("appeals:contact-log"), {"unit": world.town.pk}).content.decode()
    assert "约定上门办理" in by_unit and "回访联系市民" not in by_unit
    by_appeal = client.get(reverse("appeals:contact-log"), {"appeal": "DG-0000-000000"}).content.decode()
    assert "约定上门办理" not in by_appeal and "没有符合条件的查看记录" in by_appeal
    by_date = client.get(reverse("appeals:contact-log"), {"date_from": "2000-01-01", "date_to": "2000-01-02"})
    assert "约定上门办理" not in by_date.content.decode()
    bad = client.get(reverse("appeals:contact-log"), {"unit": "x", "date_from": "yesterday"})
    assert bad.status_code == 400


def test_audit_page_is_paged_with_a_constant_number_of_queries(client, scene, django_assert_max_num_queries):
    for n in range(30):
        services.reveal_contact(viewer=scene.people["dispatcher"], appeal_id=scene.appeal.pk, reason=f"回访第{n}次")
    client.force_login(scene.people["organiser"])
    with django_assert_max_num_queries(12):
        first = client.get(reverse("appeals:contact-log")).content.decode()
    assert "回访第29次" in first and "回访第0次" not in first and "第 1 / 2 页" in first
    second = client.get(reverse("appeals:contact-log"), {"page": 2}).content.decode()
    assert "回访第0次" in second
