"""The permission matrix extended to cases: every role against every named
permission of cases/rules.py, for an entry of the user's own unit, another
unit's entry, and an entry on the board."""

import pytest
from django.contrib.auth.models import AnonymousUser

from cases import rules as case_rules
from cases.enums import EntryState
from tests import factories

ROLES = ["anonymous", "unverified", "resident", "unit_staff", "dispatcher", "reviewer", "organiser"]
ORGANISER = {"organiser"}

# permission -> roles that hold it without an object (model-level)
EXPECTED = {
    "cases.enter_cases": {"unit_staff"},
    "cases.view_entry": ORGANISER,
    "cases.change_entry": set(),
    "cases.withdraw_entry": set(),
    "cases.view_entry_contact": ORGANISER,
    "cases.view_entry_history": ORGANISER,
    "cases.screen_entry": ORGANISER,
    "cases.view_screening": ORGANISER,
    "cases.manage_campaign": ORGANISER,
    "cases.export_entries": ORGANISER,
    "cases.view_campaign": ORGANISER,
    "cases.add_campaign": ORGANISER,
    "cases.change_campaign": ORGANISER,
    "cases.delete_campaign": set(),
    "cases.view_phase": ORGANISER,
    "cases.add_phase": ORGANISER,
    "cases.change_phase": ORGANISER,
    "cases.delete_phase": set(),
    "cases.view_phasechange": ORGANISER,
    "cases.view_track": ORGANISER,
    "cases.add_track": ORGANISER,
    "cases.change_track": ORGANISER,
    "cases.delete_track": ORGANISER,
    "cases.view_domain": ORGANISER,
    "cases.add_domain": ORGANISER,
    "cases.change_domain": ORGANISER,
    "cases.delete_domain": ORGANISER,
    "cases.view_caseentry": ORGANISER,
    "cases.view_entryevent": ORGANISER,
    "cases.view_entryimage": ORGANISER,
}

# Object permissions on an entry: (own unit's draft, other unit's draft, entry on the board)
OBJECT_EXPECTED = {
    "cases.view_entry": {"own": {"unit_staff", "organiser"}, "other": ORGANISER, "board": set(ROLES)},
    "cases.change_entry": {"own": {"unit_staff"}, "other": set(), "board": set()},
    "cases.withdraw_entry": {"own": {"unit_staff"}, "other": set(), "board": set()},
    "cases.view_entry_contact": {"own": {"unit_staff", "organiser"}, "other": ORGANISER, "board": ORGANISER},
    "cases.view_entry_history": {"own": {"unit_staff", "organiser"}, "other": ORGANISER, "board": ORGANISER},
}


def make_user(role: str):
    if role == "anonymous":
        return AnonymousUser()
    if role == "unverified":
        return factories.ResidentFactory(verified_at=None)
    if role == "resident":
        return factories.ResidentFactory()
    return factories.StaffFactory(role=role)


def test_every_cases_permission_has_a_row_in_the_matrix():
    assert set(EXPECTED) == set(case_rules.PERMISSIONS)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("permission", sorted(EXPECTED))
def test_role_holds_exactly_its_case_permissions(role, permission):
    assert make_user(role).has_perm(permission) is (role in EXPECTED[permission])


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("permission", sorted(OBJECT_EXPECTED))
def test_object_permissions_on_entries(role, permission):
    user = make_user(role)
    campaign = factories.CampaignFactory()
    own_unit = user.memberships.get().unit if role == "unit_staff" else factories.UnitFactory()
    entries = {
        "own": factories.CaseEntryFactory(campaign=campaign, unit=own_unit, state=EntryState.DRAFT),
        "other": factories.CaseEntryFactory(campaign=campaign, state=EntryState.DRAFT),
        "board": factories.CaseEntryFactory(campaign=campaign, state=EntryState.ACCEPTED),
    }
    for which, entry in entries.items():
        expected = role in OBJECT_EXPECTED[permission][which]
        assert user.has_perm(permission, entry) is expected, (which, role, permission)
