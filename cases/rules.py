"""Who may do what in the case registry (django-rules).

Object rules say *who*; the services add *when* (phase, state, deadline).
"""

import rules

from cases.enums import EntryState
from portal import selectors
from portal.rules import is_organiser, is_unit_staff


@rules.predicate
def is_own_unit_entry(user, entry) -> bool:
    if entry is None:
        return False
    unit = selectors.staff_unit_of(user)
    return unit is not None and entry.unit_id == unit.pk


@rules.predicate
def is_on_board(user, entry) -> bool:
    return entry is not None and entry.state == EntryState.ACCEPTED


is_entry_owner = is_unit_staff & is_own_unit_entry

# Every named permission of the app, in one table (the matrix test walks it).
PERMISSIONS = {
    # Pages and actions.
    "cases.enter_cases": is_unit_staff,
    "cases.view_entry": is_organiser | is_on_board | is_entry_owner,
    "cases.change_entry": is_entry_owner,
    "cases.withdraw_entry": is_entry_owner,
    "cases.view_entry_contact": is_organiser | is_entry_owner,
    "cases.view_entry_history": is_organiser | is_entry_owner,
    "cases.screen_entry": is_organiser,
    "cases.view_screening": is_organiser,
    "cases.manage_campaign": is_organiser,
    "cases.export_entries": is_organiser,
    # The admin site's model permissions (organisers only; entries and their
    # history change through the services, never by hand in the admin).
    "cases.view_campaign": is_organiser,
    "cases.add_campaign": is_organiser,
    "cases.change_campaign": is_organiser,
    "cases.delete_campaign": rules.always_deny,
    "cases.view_phase": is_organiser,
    "cases.add_phase": is_organiser,
    "cases.change_phase": is_organiser,
    "cases.delete_phase": rules.always_deny,
    "cases.view_phasechange": is_organiser,
    "cases.view_track": is_organiser,
    "cases.add_track": is_organiser,
    "cases.change_track": is_organiser,
    "cases.delete_track": is_organiser,
    "cases.view_domain": is_organiser,
    "cases.add_domain": is_organiser,
    "cases.change_domain": is_organiser,
    "cases.delete_domain": is_organiser,
    "cases.view_caseentry": is_organiser,
    "cases.view_entryevent": is_organiser,
    "cases.view_entryimage": is_organiser,
}

for name, predicate in PERMISSIONS.items():
    rules.add_perm(name, predicate)
