"""The permission matrix of the core: every role against every named
permission of portal/rules.py (a new permission without a row here fails)."""

import pytest
from django.contrib.auth.models import AnonymousUser

from portal import rules as portal_rules
from tests import factories

ROLES = ["anonymous", "unverified", "resident", "unit_staff", "dispatcher", "reviewer", "organiser", "portal_admin"]

# permission -> roles that hold it
EXPECTED = {
    "portal.view_staff_workspace": {"unit_staff", "dispatcher", "reviewer", "organiser", "portal_admin"},
    "portal.access_admin": set(),  # superusers only (they hold every permission)
    "portal.view_unit": {"dispatcher", "organiser", "portal_admin"},
    "portal.add_unit": {"portal_admin"},
    "portal.change_unit": {"portal_admin"},
    "portal.delete_unit": {"portal_admin"},
    "portal.view_membership": {"portal_admin"},
    "portal.add_membership": {"portal_admin"},
    "portal.change_membership": {"portal_admin"},
    "portal.delete_membership": {"portal_admin"},
    "portal.view_user": {"organiser"},
    "portal.change_user": {"organiser"},
    "portal.view_dashboards": {"organiser"},
    "portal.view_dispatch_centre": {"dispatcher", "organiser"},
    "portal.view_unit_workspace": {"unit_staff"},
    "portal.view_review_panel": {"reviewer"},
    "portal.act_as_verified_resident": {"resident", "unit_staff", "dispatcher", "reviewer", "organiser", "portal_admin"},
    "portal.view_task_queue": {"organiser"},
    "portal.manage_api_tokens": {"unit_staff", "dispatcher", "reviewer", "organiser", "portal_admin"},
    "portal.manage_accounts": {"portal_admin"},
}


def make_user(role: str):
    if role == "anonymous":
        return AnonymousUser()
    if role == "unverified":
        return factories.ResidentFactory(verified_at=None)
    if role == "resident":
        return factories.ResidentFactory()
    return factories.StaffFactory(role=role)


def test_every_core_permission_has_a_row_in_the_matrix():
    assert set(EXPECTED) == set(portal_rules.PERMISSIONS)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("permission", sorted(EXPECTED))
def test_role_holds_exactly_its_permissions(role, permission):
    user = make_user(role)
    assert user.has_perm(permission) is (role in EXPECTED[permission])
