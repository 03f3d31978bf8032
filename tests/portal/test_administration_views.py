"""The administration pages (issue 21): who may open each, bad input, the
invitation link, and that nothing there tells a resident's account apart."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from portal.enums import Role
from portal.models import AuditEntry, Invitation, Membership, Notification, Unit, User
from tests import factories
from tests.signin import ROLES, assert_refused_everywhere, sign_in, signed_in_as, totp_now

pytestmark = pytest.mark.django_db



@pytest.fixture
def scene():
    unit = factories.UnitFactory(name="南城街道")
    clerk = factories.StaffFactory(role=Role.UNIT_STAFF, unit=unit, display_name="老张")
    invitation = factories.InvitationFactory(unit=unit)
    return {"unit": unit, "clerk": clerk, "invitation": invitation, "membership": clerk.memberships.get()}


def pages(scene):
    """(method, address, data) of every administration page and action but the invitation link."""
    unit, clerk = scene["unit"], scene["clerk"]
    return [
        ("get", "/staff-admin/", {}),
        ("post", "/staff-admin/units/new", {"name": "新单位", "level": "town", "kind": "town"}),
        ("get", f"/staff-admin/units/{unit.pk}/", {}),
        ("post", f"/staff-admin/units/{unit.pk}/rename", {"name": "改名"}),
        ("post", f"/staff-admin/units/{unit.pk}/move", {"parent": ""}),
        ("get", "/staff-admin/invite", {}),
        ("post", "/staff-admin/invite", {"name": "李娜", "contact": "13800138000", "role": "unit_staff", "unit": unit.pk}),
        ("post", f"/staff-admin/invitations/{scene['invitation'].pk}/revoke", {}),
        ("get", "/staff-admin/people/", {}),
        ("get", f"/staff-admin/people/{clerk.pk}/", {}),
        ("post", f"/staff-admin/people/{clerk.pk}/grant", {"role": "dispatcher"}),
        ("post", f"/staff-admin/people/{clerk.pk}/move", {"unit": unit.pk}),
        ("post", f"/staff-admin/people/{clerk.pk}/active", {"active": "0"}),
        ("post", f"/staff-admin/roles/{scene['membership'].pk}/revoke", {"person": clerk.pk}),
        ("get", "/staff-admin/audit/", {}),
        # Last: a deactivated unit takes no invitations.
        ("post", f"/staff-admin/units/{unit.pk}/delete", {}),
        ("post", f"/staff-admin/units/{unit.pk}/active", {"active": "0"}),
    ]



def snapshot():
    return (
        list(Unit.objects.order_by("pk").values_list("name", "parent_id", "is_active")),
        list(Membership.objects.order_by("pk").values_list("user_id", "role", "unit_id")),
        list(User.objects.order_by("pk").values_list("is_active", flat=True)),
        list(Invitation.objects.order_by("pk").values_list("revoked_at", "accepted_at")),
        Notification.objects.count(), AuditEntry.objects.count(),
    )


@pytest.mark.parametrize("role", [r for r in ROLES if r != "portal_admin"])
def test_nobody_but_a_portal_admin_opens_or_changes_anything(client, scene, role):
    signed_in_as(client, role)
    assert_refused_everywhere(client, role, pages(scene), snapshot)


def test_a_portal_admin_opens_every_page_and_each_action_is_logged(client, scene):
    signed_in_as(client, "portal_admin")
    for method, address, data in pages(scene):
        response = getattr(client, method)(address, data)
        assert response.status_code in (200, 302), (address, response.status_code)
    assert AuditEntry.objects.count() >= 8


def test_staff_pages_list_staff_masked_and_never_a_resident(client, scene):
    resident = factories.ResidentFactory(display_name="陈晓梅", phone="+8613912345678", phone_verified=True)
    scene["clerk"].phone, scene["clerk"].phone_verified = "+8613700001111", True
    scene["clerk"].save()
    signed_in_as(client, "portal_admin")
    unit_page = client.get(f"/staff-admin/units/{scene['unit'].pk}/").content.decode()
    assert "老张" in unit_page and "137****1111" in unit_page and "13700001111" not in unit_page
    people = client.get("/staff-admin/people/").content.decode()
    assert "陈晓梅" not in people
    assert client.get(f"/staff-admin/people/{resident.pk}/").status_code == 404
    assert client.get("/staff-admin/people/999999/").status_code == 404
    assert client.get("/staff-admin/units/999999/").status_code == 404
    # No search box to find anyone by contact.
    assert client.get("/staff-admin/people/", {"q": "13912345678"}).content.decode().count("陈晓梅") == 0


def test_inviting_a_residents_phone_answers_exactly_as_a_new_number(client, scene):
    factories.ResidentFactory(phone="+8613800138000", phone_verified=True)
    signed_in_as(client, "portal_admin")
    answers = []
    for phone in ("13800138000", "13900139000"):
        response = client.post("/staff-admin/invite", {"name": "李娜", "contact": phone, "role": "unit_staff",
                                                       "unit": scene["unit"].pk})
        flashed = [str(m) for m in get_messages(response.wsgi_request)]
        answers.append((response.status_code, response["Location"], [flashed[-1].replace(phone[-4:], "####")]))
    assert answers[0] == (302, f"/staff-admin/units/{scene['unit'].pk}/", ["邀请已发送到 138****####，72 小时内有效。"])
    assert answers[1] == (302, answers[0][1], [answers[0][2][0].replace("138", "139")])
    assert Membership.objects.filter(role=Role.UNIT_STAFF).count() == 1  # the fixture's clerk only


@pytest.mark.parametrize("data, field_text", [
    ({"name": "", "contact": "13800138000", "role": "unit_staff"}, "称呼"),
    ({"name": "李娜", "contact": "", "role": "unit_staff"}, "手机号或邮箱"),
    ({"name": "李娜", "contact": "12345", "role": "unit_staff"}, "11位手机号"),
    ({"name": "李娜", "contact": "13800138000", "role": "unit_staff", "unit": ""}, "必须属于一个单位"),
    ({"name": "李娜", "contact": "13800138000", "role": "unit_staff", "unit": "999999"}, "有效的选项"),
    ({"name": "李娜", "contact": "13800138000", "role": "superuser"}, "有效的选项"),
])
def test_bad_invitation_input_is_shown_on_the_form_and_sends_nothing(client, scene, data, field_text):
    signed_in_as(client, "portal_admin")
    data = {"unit": scene["unit"].pk} | data
    response = client.post("/staff-admin/invite", data)
    assert response.status_code == 400
    assert field_text in response.content.decode()
    assert Invitation.objects.count() == 1 and not Notification.objects.exists()


def test_moving_a_unit_below_its_child_is_refused_on_the_form(client, scene):
    child = factories.UnitFactory(parent=scene["unit"])
    signed_in_as(client, "portal_admin")
    response = client.post(f"/staff-admin/units/{scene['unit'].pk}/move", {"parent": child.pk})
    assert response.status_code == 400 and "下级单位之下" in response.content.decode()
    scene["unit"].refresh_from_db()
    assert scene["unit"].parent is None


def test_deleting_a_unit_with_staff_says_to_deactivate_it(client, scene):
    signed_in_as(client, "portal_admin")
    response = client.post(f"/staff-admin/units/{scene['unit'].pk}/delete", follow=True)
    assert "可以停用它" in response.content.decode()
    assert Unit.objects.filter(pk=scene["unit"].pk).exists()


def test_granting_a_role_asks_for_the_second_factor_again(client, scene):
    admin = factories.StaffFactory(role=Role.PORTAL_ADMIN)
    sign_in(client, admin, minutes_ago=16)
    address = f"/staff-admin/people/{scene['clerk'].pk}/grant"
    response = client.post(address, {"role": "portal_admin"})
    assert response.status_code == 302 and "/reauthenticate/" in response["Location"]
    assert Role.PORTAL_ADMIN not in User.objects.get(pk=scene["clerk"].pk).roles
    client.post(response["Location"], {"code": totp_now()})
    assert Role.PORTAL_ADMIN in User.objects.get(pk=scene["clerk"].pk).roles
    assert AuditEntry.objects.get(action="role_granted").actor == admin


def test_a_portal_admin_cannot_deactivate_themselves(client):
    admin = factories.StaffFactory(role=Role.PORTAL_ADMIN)
    sign_in(client, admin)
    response = client.post(f"/staff-admin/people/{admin.pk}/active", {"active": "0"}, follow=True)
    assert "不能修改自己的" in response.content.decode()
    admin.refresh_from_db()
    assert admin.is_active


# --- the invitation link -----------------------------------------------------------------------


def test_the_link_keeps_the_token_out_of_the_address_then_a_new_account_accepts_and_must_enrol(client):
    invitation = factories.InvitationFactory(contact="+8613800138000", name="李娜")
    response = client.get("/staff-admin/join/", {"token": invitation.token})
    assert response.status_code == 302 and response["Location"] == "/staff-admin/join/"
    page = client.get("/staff-admin/join/").content.decode()
    assert "李娜" in page and invitation.unit.name in page and "138****8000" in page
    response = client.post("/staff-admin/join/")
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/totp/activate/"
    user = User.objects.get(phone="+8613800138000")
    assert user.roles == [Role.UNIT_STAFF] and user.phone_verified
    # Signed in, and held to the second-factor rule like all staff.
    assert client.get("/appeals/inbox/")["Location"] == "/accounts/2fa/totp/activate/"
    assert client.get("/accounts/2fa/totp/activate/").status_code == 200
    # The link works once.
    client.logout()
    again = client.get("/staff-admin/join/", {"token": invitation.token})
    assert again.status_code == 410 and "已经用过" in again.content.decode()


@pytest.mark.parametrize("kind", ["expired", "revoked"])
def test_an_expired_or_revoked_link_says_so_and_changes_nothing(client, kind):
    if kind == "expired":
        invitation = factories.InvitationFactory(created_at=timezone.now() - datetime.timedelta(days=5))
    else:
        invitation = factories.InvitationFactory(revoked_at=timezone.now())
    users = User.objects.count()
    response = client.get("/staff-admin/join/", {"token": invitation.token})
    assert response.status_code == 410
    assert ("已过期" if kind == "expired" else "已被撤回") in response.content.decode()
    assert User.objects.count() == users


def test_a_forged_token_is_404_and_guessing_is_limited(client, settings):
    settings.PORTAL_RATE_LIMITS = {**settings.PORTAL_RATE_LIMITS, "tracking.miss": {"ip": "3/h"}}
    statuses = [client.get("/staff-admin/join/", {"token": f"guess-{n}"}).status_code for n in range(5)]
    assert statuses[:3] == [404, 404, 404] and statuses[-1] == 429
    assert client.post("/staff-admin/join/").status_code == 404  # no token in the session


def test_a_contact_with_an_account_is_asked_to_sign_in_and_no_one_is_signed_in_by_the_link(client):
    resident = factories.ResidentFactory(phone="+8613800138000", phone_verified=True)
    invitation = factories.InvitationFactory(contact="+8613800138000")
    client.get("/staff-admin/join/", {"token": invitation.token})
    page = client.get("/staff-admin/join/").content.decode()
    assert "登录后接受" in page
    response = client.post("/staff-admin/join/", follow=True)
    assert "请先用" in response.content.decode()
    assert "_auth_user_id" not in client.session and resident.roles == []
    sign_in(client, resident)
    client.get("/staff-admin/join/", {"token": invitation.token})
    client.post("/staff-admin/join/")
    resident.refresh_from_db()
    assert resident.roles == [Role.UNIT_STAFF]


def test_another_signed_in_account_is_refused_the_invitation(client):
    someone = factories.ResidentFactory()
    invitation = factories.InvitationFactory()
    sign_in(client, someone)
    client.get("/staff-admin/join/", {"token": invitation.token})
    response = client.post("/staff-admin/join/", follow=True)
    assert "不是当前登录的账号" in response.content.decode()
    assert User.objects.get(pk=someone.pk).roles == []


def test_invitations_are_rate_limited(client, scene, settings):
    settings.PORTAL_RATE_LIMITS = {**settings.PORTAL_RATE_LIMITS, "accounts.invite": {"user": "2/h"}}
    signed_in_as(client, "portal_admin")
    statuses = [
        client.post("/staff-admin/invite", {"name": "李娜", "contact": f"1380013800{n}", "role": "unit_staff",
                                            "unit": scene["unit"].pk}).status_code
        for n in range(3)
    ]
    assert statuses == [302, 302, 429]
    assert Invitation.objects.count() == 3  # the fixture's and two


def test_the_audit_page_names_roles_and_former_names_in_words(client):
    admin = factories.StaffFactory(role=Role.PORTAL_ADMIN)
    unit = factories.UnitFactory(name="旧名")
    sign_in(client, admin)
    client.post(f"/staff-admin/units/{unit.pk}/rename", {"name": "新名"})
    client.post("/staff-admin/invite", {"name": "李娜", "contact": "13800138000", "role": "dispatcher"})
    page = client.get("/staff-admin/audit/").content.decode()
    assert "新名 · 原名 旧名" in page and "派单员 · 138****8000" in page
    assert "dispatcher" not in page and "13800138000" not in page


@pytest.mark.parametrize("page", ["tree", "unit", "people", "audit"])
def test_list_pages_take_as_many_queries_for_many_rows_as_for_one(client, page):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    admin = factories.StaffFactory(role=Role.PORTAL_ADMIN)
    unit = factories.UnitFactory()
    sign_in(client, admin)
    address = {"tree": "/staff-admin/", "unit": f"/staff-admin/units/{unit.pk}/", "people": "/staff-admin/people/",
               "audit": "/staff-admin/audit/"}[page]

    def add_rows(n):
        for _ in range(n):
            child = factories.UnitFactory(parent=unit)
            factories.StaffFactory(role=Role.UNIT_STAFF, unit=unit)
            factories.StaffFactory(role=Role.DISPATCHER)
            factories.InvitationFactory(unit=unit)
            factories.AuditEntryFactory(unit=child, actor=admin)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(address).status_code == 200
        return len(queries)

    add_rows(1)
    count()  # the first request of the session also writes the session
    one = count()
    add_rows(12)
    assert count() == one


def test_forged_ids_in_actions_answer_clearly_and_change_nothing(client, scene):
    signed_in_as(client, "portal_admin")
    before = snapshot()
    revoked = client.post("/staff-admin/roles/999999/revoke", {"person": "abc"}, follow=True)
    assert "找不到这个角色。" in revoked.content.decode()
    withdrawn = client.post("/staff-admin/invitations/999999/revoke", follow=True)
    assert "找不到这份邀请。" in withdrawn.content.decode()
    for address in ("/staff-admin/units/999999/rename", "/staff-admin/people/999999/grant",
                    "/staff-admin/people/999999/active", "/staff-admin/units/999999/delete"):
        assert client.post(address, {"name": "x", "role": "dispatcher"}).status_code == 404, address
    moved = client.post(f"/staff-admin/people/{scene['clerk'].pk}/move", {"unit": "999999"})
    assert moved.status_code == 400 and "有效的选项" in moved.content.decode()
    assert snapshot() == before


def test_an_accepted_invitation_cannot_be_withdrawn(client, scene):
    from portal.administration import services

    services.accept_invitation(token=scene["invitation"].token, user=None)
    signed_in_as(client, "portal_admin")
    response = client.post(f"/staff-admin/invitations/{scene['invitation'].pk}/revoke", follow=True)
    assert "已被接受，不能撤回" in response.content.decode()
    scene["invitation"].refresh_from_db()
    assert scene["invitation"].revoked_at is None


def test_the_administrator_enters_a_units_english_name_shown_on_english_pages(client):
    admin = factories.StaffFactory(role=Role.PORTAL_ADMIN)
    unit = factories.UnitFactory(name="东莞市水务局")
    sign_in(client, admin)
    page = client.get(f"/staff-admin/units/{unit.pk}/").content.decode()
    assert 'name="name_en"' in page
    client.post(f"/staff-admin/units/{unit.pk}/rename", {"name": "东莞市水务局", "name_en": "Dongguan Water Affairs Bureau"})
    unit.refresh_from_db()
    assert (unit.name, unit.name_en) == ("东莞市水务局", "Dongguan Water Affairs Bureau")
    client.cookies["portal_language"] = "en"
    assert "<h1>Dongguan Water Affairs Bureau</h1>" in client.get(f"/staff-admin/units/{unit.pk}/").content.decode()
    client.post(f"/staff-admin/units/{unit.pk}/rename", {"name": "东莞市水务局", "name_en": ""})
    assert "<h1>东莞市水务局</h1>" in client.get(f"/staff-admin/units/{unit.pk}/").content.decode()
