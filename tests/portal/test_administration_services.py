"""Portal administration's writes (issue 21): the unit tree, invitations,
roles and deactivation; refusals change nothing; every change is logged."""

from __future__ import annotations

import datetime

import pytest
from allauth.account.models import EmailAddress
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from portal.administration import selectors, services
from portal.enums import AuditAction, Role
from portal.exceptions import ConflictError, InvalidError, NotFoundError, PermissionDeniedError, PortalError
from portal.models import ApiToken, AuditEntry, Invitation, Membership, Notification, Unit, User
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return factories.StaffFactory(role=Role.PORTAL_ADMIN)


def actions():
    return list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))


# --- who may ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.UNIT_STAFF, Role.DISPATCHER, Role.ORGANISER, Role.REVIEWER])
def test_only_portal_admins_change_units_and_invite(role):
    actor = factories.StaffFactory(role=role)
    with pytest.raises(PermissionDeniedError):
        services.create_unit(actor=actor, name="新单位", level="town", kind="town")
    with pytest.raises(PermissionDeniedError):
        services.invite_staff(actor=actor, name="张三", contact="13800138000", role=Role.UNIT_STAFF,
                              unit_id=factories.UnitFactory().pk)
    assert not Unit.objects.filter(name="新单位").exists() and not Invitation.objects.exists()
    assert not AuditEntry.objects.exists()


def test_a_resident_is_refused_too():
    with pytest.raises(PermissionDeniedError):
        services.create_unit(actor=factories.ResidentFactory(), name="新单位", level="town", kind="town")


def test_a_superuser_may_make_the_first_portal_admin():
    root = User.objects.create_superuser(email="root@example.cn", password="x-very-long-1")
    person = factories.StaffFactory(role=Role.DISPATCHER)
    services.grant_staff_role(actor=root, user_id=person.pk, role=Role.PORTAL_ADMIN)
    person.refresh_from_db()
    assert Role.PORTAL_ADMIN in person.roles
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.user, entry.details["role"]) == (root, "role_granted", person, "portal_admin")


# --- the unit tree -----------------------------------------------------------------------------


def test_create_rename_move_deactivate_a_unit_each_logged(admin):
    city = services.create_unit(actor=admin, name="东莞市", level="city", kind="bureau")
    town = services.create_unit(actor=admin, name="南城街道", level="town", kind="town", parent_id=city.pk)
    other = services.create_unit(actor=admin, name="东城街道", level="town", kind="town", parent_id=city.pk)
    services.rename_unit(actor=admin, unit_id=town.pk, name="南城街道办事处", short_name="南城")
    services.move_unit(actor=admin, unit_id=town.pk, parent_id=other.pk)
    services.set_unit_active(actor=admin, unit_id=town.pk, active=False)
    town.refresh_from_db()
    assert (town.name, town.short_name, town.parent, town.is_active) == ("南城街道办事处", "南城", other, False)
    assert actions() == ["unit_created"] * 3 + ["unit_renamed", "unit_moved", "unit_deactivated"]
    moved = AuditEntry.objects.get(action="unit_moved")
    assert moved.details == {"unit_name": "南城街道办事处", "old_parent": "东莞市", "parent": "东城街道"}


def test_a_unit_cannot_move_below_itself_or_its_descendant(admin):
    city = factories.UnitFactory(level="city")
    district = factories.UnitFactory(parent=city, level="district")
    town = factories.UnitFactory(parent=district)
    for target in (city, district, town):
        with pytest.raises(ConflictError) as refused:
            services.move_unit(actor=admin, unit_id=city.pk, parent_id=target.pk)
        assert refused.value.code == "unit_cycle"
    city.refresh_from_db()
    assert city.parent is None and not AuditEntry.objects.exists()


def test_the_database_refuses_a_loop_in_the_tree_too():
    city = factories.UnitFactory(level="city")
    town = factories.UnitFactory(parent=factories.UnitFactory(parent=city))
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.filter(pk=city.pk).update(parent=town)


def test_forged_unit_ids_are_not_found_and_change_nothing(admin):
    unit = factories.UnitFactory(name="原名")
    for forged in (999_999, "abc", None, "1 OR 1=1"):
        with pytest.raises(NotFoundError):
            services.rename_unit(actor=admin, unit_id=forged, name="新名")
        with pytest.raises(NotFoundError):
            services.move_unit(actor=admin, unit_id=unit.pk, parent_id=forged or 999_999)
    unit.refresh_from_db()
    assert unit.name == "原名" and unit.parent is None and not AuditEntry.objects.exists()


def test_missing_name_and_duplicate_name_are_refused(admin):
    factories.UnitFactory(name="南城街道")
    with pytest.raises(InvalidError) as missing:
        services.create_unit(actor=admin, name="  ", level="town", kind="town")
    assert missing.value.field == "name"
    with pytest.raises(ConflictError) as taken:
        services.create_unit(actor=admin, name="南城街道", level="town", kind="town")
    assert taken.value.code == "name_taken"
    with pytest.raises(InvalidError):
        services.create_unit(actor=admin, name="某单位", level="galaxy", kind="town")
    assert Unit.objects.count() == 1 and not AuditEntry.objects.exists()


def test_a_unit_holding_cases_or_appeals_or_staff_is_not_deleted(admin):
    with_case = factories.CaseEntryFactory().unit
    with_staff = factories.StaffFactory(role=Role.UNIT_STAFF).memberships.get().unit
    parent = factories.UnitFactory()
    factories.UnitFactory(parent=parent)
    for unit in (with_case, with_staff, parent):
        with pytest.raises(ConflictError) as refused:
            services.delete_unit(actor=admin, unit_id=unit.pk)
        assert refused.value.code == "unit_in_use"
        assert Unit.objects.filter(pk=unit.pk).exists()
    assert not AuditEntry.objects.exists()


def test_an_empty_unit_is_deleted_and_the_log_keeps_its_name(admin):
    unit = factories.UnitFactory(name="错建的单位")
    services.delete_unit(actor=admin, unit_id=unit.pk)
    assert not Unit.objects.filter(pk=unit.pk).exists()
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.details["unit_name"]) == ("unit_deleted", "错建的单位")


def test_a_unit_with_active_children_is_not_deactivated(admin):
    parent = factories.UnitFactory()
    factories.UnitFactory(parent=parent)
    with pytest.raises(ConflictError):
        services.set_unit_active(actor=admin, unit_id=parent.pk, active=False)
    parent.refresh_from_db()
    assert parent.is_active


def test_audit_rows_cannot_be_changed_or_deleted():
    entry = factories.AuditEntryFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="unit_deleted")
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()


# --- invitations -------------------------------------------------------------------------------


def test_inviting_by_phone_queues_an_sms_with_a_single_use_link_and_stores_only_a_digest(admin):
    unit = factories.UnitFactory(name="南城街道住建局")
    invitation, token = services.invite_staff(actor=admin, name="李娜", contact="138 0013 8000",
                                              role=Role.UNIT_STAFF, unit_id=unit.pk)
    assert invitation.contact == "+8613800138000" and invitation.channel == "sms"
    assert token not in invitation.token_digest and invitation.token_digest == services.token_digest(token)
    sms = Notification.objects.get()
    assert sms.channel == "sms" and sms.recipient == "+8613800138000"
    assert f"/staff-admin/join/?token={token}" in sms.body and "南城街道住建局" in sms.body
    entry = AuditEntry.objects.get()
    assert entry.action == "invitation_sent" and entry.details["contact"] == "138****8000"
    assert "13800138000" not in str(entry.details)


def test_inviting_a_residents_phone_answers_the_same_and_touches_no_account(admin):
    resident = factories.ResidentFactory(phone="+8613800138000", phone_verified=True)
    unit = factories.UnitFactory()
    invitation, _token = services.invite_staff(actor=admin, name="李娜", contact="13800138000",
                                               role=Role.UNIT_STAFF, unit_id=unit.pk)
    fresh, _token = services.invite_staff(actor=admin, name="王五", contact="13900139000",
                                          role=Role.UNIT_STAFF, unit_id=unit.pk)
    # Nothing on either row or in the log tells the two apart.
    assert invitation.accepted_by is None and fresh.accepted_by is None
    resident.refresh_from_db()
    assert resident.roles == [] and not Membership.objects.filter(user=resident).exists()
    assert [set(e.details) for e in AuditEntry.objects.order_by("pk")] == [{"unit_name", "role", "invitation_id", "contact"}] * 2


@pytest.mark.parametrize("field, values", [
    ("name", {"name": ""}),
    ("contact", {"contact": ""}),
    ("contact", {"contact": "12345"}),
    ("contact", {"contact": "not-an@"}),
    ("role", {"role": "superuser"}),
    ("role", {"role": Role.REVIEWER}),
    ("unit", {"unit_id": None}),
])
def test_bad_invitations_are_refused_and_nothing_is_sent(admin, field, values):
    arguments = {"name": "李娜", "contact": "13800138000", "role": Role.UNIT_STAFF,
                 "unit_id": factories.UnitFactory().pk} | values
    with pytest.raises(PortalError) as refused:
        services.invite_staff(actor=admin, **arguments)
    assert refused.value.field == field
    assert not Invitation.objects.exists() and not Notification.objects.exists() and not AuditEntry.objects.exists()


def test_an_invitation_to_a_deactivated_or_forged_unit_is_refused(admin):
    unit = factories.UnitFactory(is_active=False)
    with pytest.raises(ConflictError):
        services.invite_staff(actor=admin, name="李娜", contact="13800138000", role=Role.UNIT_STAFF, unit_id=unit.pk)
    with pytest.raises(NotFoundError):
        services.invite_staff(actor=admin, name="李娜", contact="13800138000", role=Role.UNIT_STAFF, unit_id=987654)
    assert not Invitation.objects.exists()


def test_accepting_creates_a_staff_account_with_the_verified_phone_once(admin):
    invitation = factories.InvitationFactory(contact="+8613800138000", name="李娜")
    user, created = services.accept_invitation(token=invitation.token, user=None)
    assert created and user.phone == "+8613800138000" and user.phone_verified and user.is_verified
    assert user.roles == [Role.UNIT_STAFF] and Membership.objects.get(user=user).unit == invitation.unit
    invitation.refresh_from_db()
    assert invitation.accepted_by == user and invitation.accepted_at is not None
    assert AuditEntry.objects.get().action == "invitation_accepted"
    with pytest.raises(PortalError) as used:
        services.accept_invitation(token=invitation.token, user=None)
    assert (used.value.status, used.value.code) == (410, "invitation_used")


def test_accepting_by_email_verifies_the_address():
    invitation = factories.InvitationFactory(channel="email", contact="li.na@example.cn", role=Role.DISPATCHER)
    user, created = services.accept_invitation(token=invitation.token, user=None)
    assert created and EmailAddress.objects.filter(user=user, email="li.na@example.cn", verified=True).exists()
    assert user.roles == [Role.DISPATCHER]


def test_expired_revoked_and_unknown_tokens_are_refused_and_change_nothing(admin):
    expired = factories.InvitationFactory(created_at=timezone.now() - datetime.timedelta(days=4))
    revoked = factories.InvitationFactory()
    services.revoke_invitation(actor=admin, invitation_id=revoked.pk)
    users = User.objects.count()
    for token, status, code in ((expired.token, 410, "invitation_expired"), (revoked.token, 410, "invitation_revoked"),
                                ("forged-token", 404, "invitation_unknown"), ("", 404, "invitation_unknown")):
        with pytest.raises(PortalError) as refused:
            services.accept_invitation(token=token, user=None)
        assert (refused.value.status, refused.value.code) == (status, code)
    assert User.objects.count() == users and not Membership.objects.filter(role=Role.UNIT_STAFF).exists()


def test_a_contact_that_has_an_account_must_sign_in_first_and_then_that_account_joins():
    resident = factories.ResidentFactory(phone="+8613800138000", phone_verified=True)
    invitation = factories.InvitationFactory(contact="+8613800138000")
    with pytest.raises(ConflictError) as refused:
        services.accept_invitation(token=invitation.token, user=None)
    assert refused.value.code == "sign_in_first"
    assert User.objects.count() == 1
    user, created = services.accept_invitation(token=invitation.token, user=resident)
    assert user == resident and not created and resident.roles == [Role.UNIT_STAFF]


def test_another_signed_in_account_cannot_take_the_invitation():
    someone = factories.ResidentFactory(phone="+8613700137000", phone_verified=True)
    invitation = factories.InvitationFactory(contact="+8613800138000")
    with pytest.raises(ConflictError) as refused:
        services.accept_invitation(token=invitation.token, user=someone)
    assert refused.value.code == "invitation_other_account"
    invitation.refresh_from_db()
    assert invitation.accepted_at is None and someone.roles == []


# --- staff -------------------------------------------------------------------------------------


def test_granting_moving_and_revoking_roles_is_logged(admin):
    clerk = factories.StaffFactory(role=Role.UNIT_STAFF)
    target = factories.UnitFactory()
    services.move_staff(actor=admin, user_id=clerk.pk, unit_id=target.pk)
    membership = services.grant_staff_role(actor=admin, user_id=clerk.pk, role=Role.DISPATCHER)
    services.revoke_staff_role(actor=admin, membership_id=membership.pk)
    clerk.refresh_from_db()
    assert clerk.roles == [Role.UNIT_STAFF] and clerk.memberships.get().unit == target
    assert actions() == ["staff_moved", "role_granted", "role_revoked"]


def test_a_residents_id_answers_as_unknown(admin):
    resident = factories.ResidentFactory()
    for call in (
        lambda: services.grant_staff_role(actor=admin, user_id=resident.pk, role=Role.DISPATCHER),
        lambda: services.deactivate_account(actor=admin, user_id=resident.pk),
        lambda: services.move_staff(actor=admin, user_id=resident.pk, unit_id=factories.UnitFactory().pk),
    ):
        with pytest.raises(NotFoundError):
            call()
    resident.refresh_from_db()
    assert resident.is_active and resident.roles == []


def test_a_portal_admin_cannot_change_their_own_account_or_a_superusers(admin):
    with pytest.raises(ConflictError):
        services.deactivate_account(actor=admin, user_id=admin.pk)
    root = User.objects.create_superuser(email="root@example.cn", password="x-very-long-1")
    factories.MembershipFactory(user=root, role=Role.ORGANISER)
    with pytest.raises(PermissionDeniedError):
        services.deactivate_account(actor=admin, user_id=root.pk)
    root.refresh_from_db()
    assert root.is_active


def test_deactivating_ends_sessions_and_deletes_tokens(admin, client):
    clerk = factories.StaffFactory(role=Role.UNIT_STAFF)
    factories.ApiTokenFactory(user=clerk)
    client.force_login(clerk)
    assert client.get("/tokens/").status_code == 200
    services.deactivate_account(actor=admin, user_id=clerk.pk)
    clerk.refresh_from_db()
    assert not clerk.is_active and not clerk.has_usable_password()
    assert not ApiToken.objects.filter(user=clerk).exists()
    assert client.get("/tokens/").status_code == 302  # signed out: sent to sign in
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.user, entry.details["tokens_deleted"]) == ("account_deactivated", clerk, 1)
    services.reactivate_account(actor=admin, user_id=clerk.pk)
    clerk.refresh_from_db()
    assert clerk.is_active
    assert client.get("/tokens/").status_code == 302  # the old session stays ended


def test_the_staff_lists_never_hold_a_resident():
    factories.ResidentFactory()
    unit = factories.UnitFactory()
    clerk = factories.StaffFactory(role=Role.UNIT_STAFF, unit=unit)
    dispatcher = factories.StaffFactory(role=Role.DISPATCHER)
    assert list(selectors.staff_accounts().order_by("pk")) == [clerk, dispatcher]
    assert [m.user for m in selectors.unit_staff(unit)] == [clerk]
    assert list(selectors.centre_staff()) == [dispatcher]


@pytest.mark.django_db(transaction=True)
def test_two_moves_racing_into_a_loop_let_exactly_one_through():
    """A below B and B below A at the same instant: each passes the service's
    own check, and the database's trigger (one lock for the tree) refuses
    the second."""
    import threading

    admin = factories.StaffFactory(role=Role.PORTAL_ADMIN)
    first, second = factories.UnitFactory(name="甲"), factories.UnitFactory(name="乙")
    barrier = threading.Barrier(2)
    results = [None, None]

    def run(index, unit, parent):
        try:
            barrier.wait()
            services.move_unit(actor=admin, unit_id=unit.pk, parent_id=parent.pk)
            results[index] = "moved"
        except ConflictError as error:
            results[index] = error.code
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(0, first, second)),
               threading.Thread(target=run, args=(1, second, first))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["moved", "unit_cycle"]
    parents = dict(Unit.objects.filter(pk__in=[first.pk, second.pk]).values_list("name", "parent__name"))
    assert list(parents.values()).count(None) == 1
    assert AuditEntry.objects.filter(action="unit_moved").count() == 1
