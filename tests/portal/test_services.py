import pytest

from portal import services
from portal.enums import Role
from portal.exceptions import PermissionDeniedError, PortalError
from portal.models import Membership, User
from tests import factories


@pytest.mark.django_db
def test_granting_organiser_records_the_role_on_the_user_and_opens_no_admin():
    user = factories.ResidentFactory()
    services.grant_role(actor=None, user=user, role=Role.ORGANISER)
    user.refresh_from_db()
    assert user.roles == [Role.ORGANISER]
    assert user.is_staff is False  # Django admin is for superusers only


@pytest.mark.django_db
def test_revoking_the_last_organiser_role_removes_it_from_the_user():
    user = factories.StaffFactory(role=Role.ORGANISER)
    services.revoke_role(actor=None, user=user, role=Role.ORGANISER)
    user.refresh_from_db()
    assert user.roles == []
    assert not Membership.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_reviewer_affiliated_with_two_units_holds_one_role():
    user = factories.ResidentFactory()
    first, second = factories.UnitFactory.create_batch(2)
    services.grant_role(actor=None, user=user, role=Role.REVIEWER, unit=first)
    services.grant_role(actor=None, user=user, role=Role.REVIEWER, unit=second)
    user.refresh_from_db()
    assert user.roles == [Role.REVIEWER]
    assert Membership.objects.filter(user=user, role=Role.REVIEWER).count() == 2


@pytest.mark.django_db
def test_unit_staff_cannot_be_moved_to_a_second_unit_and_nothing_changes():
    staff = factories.StaffFactory(role=Role.UNIT_STAFF)
    other = factories.UnitFactory()
    with pytest.raises(PortalError) as error:
        services.grant_role(actor=None, user=staff, role=Role.UNIT_STAFF, unit=other)
    assert error.value.code == "other_unit"
    assert list(Membership.objects.filter(user=staff).values_list("unit", flat=True)) != [other.pk]


@pytest.mark.django_db
def test_unit_staff_role_without_unit_is_refused():
    user = factories.ResidentFactory()
    with pytest.raises(PortalError) as error:
        services.grant_role(actor=None, user=user, role=Role.UNIT_STAFF, unit=None)
    assert error.value.field == "unit"
    assert not Membership.objects.exists()


@pytest.mark.django_db
def test_only_a_portal_admin_may_grant_roles():
    dispatcher = factories.StaffFactory(role=Role.DISPATCHER)
    resident = factories.ResidentFactory()
    with pytest.raises(PermissionDeniedError):
        services.grant_role(actor=dispatcher, user=resident, role=Role.ORGANISER)
    resident.refresh_from_db()
    assert resident.roles == [] and resident.is_staff is False


@pytest.mark.django_db
def test_permission_checks_need_no_query_beyond_the_user(django_assert_num_queries):
    organiser = User.objects.get(pk=factories.StaffFactory(role=Role.ORGANISER).pk)
    with django_assert_num_queries(0):
        assert organiser.has_perm("portal.view_dashboards")
        assert not organiser.has_perm("portal.view_unit_workspace")
