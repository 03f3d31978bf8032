import pytest
from django.db import IntegrityError, transaction

from portal.enums import Role
from portal.models import Membership, User
from tests import factories


@pytest.mark.django_db
def test_account_without_email_or_phone_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email=None, phone=None)
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_unit_staff_belongs_to_exactly_one_unit():
    membership = factories.MembershipFactory(role=Role.UNIT_STAFF)
    other_unit = factories.UnitFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=membership.user, role=Role.UNIT_STAFF, unit=other_unit)
    assert Membership.objects.filter(user=membership.user).count() == 1


@pytest.mark.django_db
def test_unit_staff_membership_without_unit_is_refused_by_the_database():
    user = factories.UserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, role=Role.UNIT_STAFF, unit=None)


@pytest.mark.django_db
def test_same_role_twice_without_unit_is_refused_by_the_database():
    user = factories.StaffFactory(role=Role.ORGANISER)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, role=Role.ORGANISER, unit=None)
