"""Who may do what with appeals: object predicates and named permissions.

Views, the API and templates ask ``user.has_perm("appeals.<name>", obj)``;
services ask again before they write.
"""

from __future__ import annotations

import rules

from appeals.enums import PART_ACTIVE_STATES, PART_OPEN_STATES, AppealState
from portal import selectors as portal_selectors
from portal.rules import is_dispatcher, is_organiser, is_signed_in, is_unit_staff, is_verified


def _unit_id(user) -> int | None:
    unit = portal_selectors.staff_unit_of(user)
    return unit.pk if unit else None


@rules.predicate
def owns_appeal(user, appeal) -> bool:
    return appeal is not None and user.is_authenticated and appeal.resident_id == user.pk


@rules.predicate
def unit_on_work_order(user, appeal) -> bool:
    """The user's unit holds an active part of the appeal's work order."""
    unit_id = _unit_id(user)
    if appeal is None or unit_id is None:
        return False
    return appeal.work_orders.filter(unit_id=unit_id, state__in=PART_ACTIVE_STATES).exists()


@rules.predicate
def unit_handles_now(user, appeal) -> bool:
    """The user's unit currently handles the appeal: its part still has work
    to do (a resolved, returned or cancelled part is finished)."""
    unit_id = _unit_id(user)
    if appeal is None or unit_id is None:
        return False
    return appeal.work_orders.filter(unit_id=unit_id, state__in=PART_OPEN_STATES).exists()


@rules.predicate
def centre_handles(user, appeal) -> bool:
    """The dispatch centre handles an appeal until it is archived (dispatch,
    returns, disputes, follow-up calls)."""
    return appeal is not None and appeal.state != AppealState.CLOSED


@rules.predicate
def unit_was_on_work_order(user, appeal) -> bool:
    """The user's unit holds or held a part (it keeps read access to the history)."""
    unit_id = _unit_id(user)
    if appeal is None or unit_id is None:
        return False
    return appeal.work_orders.filter(unit_id=unit_id).exists()


@rules.predicate
def works_on_part(user, work_order) -> bool:
    unit_id = _unit_id(user)
    return work_order is not None and unit_id is not None and work_order.unit_id == unit_id


@rules.predicate
def rectifies_for_unit(user, rectification) -> bool:
    unit_id = _unit_id(user)
    return rectification is not None and unit_id is not None and rectification.unit_id == unit_id


@rules.predicate
def may_view_staff_appeal(user, appeal) -> bool:
    return appeal is not None and user.has_perm("appeals.view_staff_appeal", appeal)


CATALOGUE_MODELS = ("category", "item", "area", "responsibility", "holiday", "appealsettings", "open311key", "unitrankingaward")

PERMISSIONS = {
    "appeals.file_appeal": is_verified,
    "appeals.track_appeal": owns_appeal,
    "appeals.view_staff_appeal": is_dispatcher | is_organiser | (is_unit_staff & unit_was_on_work_order),
    # Photos show homes, faces and number plates: the filer and the staff who see the appeal.
    "appeals.view_photo": owns_appeal | may_view_staff_appeal,
    # The resident's identity (name, phone, exact location): only through the
    # logged reveal, only by the dispatch centre or the unit handling it now.
    "appeals.view_contact": (is_dispatcher & centre_handles) | (is_unit_staff & unit_handles_now),
    "appeals.view_contact_log": is_organiser,
    "appeals.use_dispatch_centre": is_dispatcher,
    "appeals.dispatch_appeal": is_dispatcher,
    "appeals.file_for_caller": is_dispatcher,
    "appeals.manage_clues": is_dispatcher,
    "appeals.decide_extension": is_dispatcher,
    # The working-day calendar (holidays, make-up workdays) that deadlines count with.
    "appeals.manage_calendar": is_dispatcher,
    "appeals.view_unit_inbox": is_unit_staff,
    "appeals.work_on_part": is_unit_staff & works_on_part,
    "appeals.add_note": is_dispatcher | (is_unit_staff & unit_on_work_order),
    # The dispatch centre keeps the catalogue and responsibility list (issue 21).
    "appeals.import_catalogue": is_dispatcher,
    "appeals.export_catalogue": is_organiser | is_dispatcher,
    # Ratings and rectification (issue 7).
    "appeals.rate_appeal": owns_appeal,
    "appeals.rectify": is_unit_staff & rectifies_for_unit,
    "appeals.check_rectification": is_dispatcher,
    # The public wall and clusters.
    "appeals.edit_public_text": is_dispatcher,
    # The moderation queue: the dispatch centre reads the original beside the redacted text.
    "appeals.moderate_publication": is_dispatcher,
    "appeals.manage_clusters": is_dispatcher,
    "appeals.view_clusters": is_dispatcher | is_organiser,
    # Statistics export (the figures themselves are public).
    "appeals.export_stats": is_signed_in,
    # Admin: organisers maintain the catalogue and read the rest.
    **{f"appeals.{action}_{model}": is_organiser for model in CATALOGUE_MODELS for action in ("view", "add", "change", "delete")},
    **{
        f"appeals.view_{model}": is_organiser
        for model in ("appeal", "onlineclue", "escalation", "contactview", "extensionrequest", "rating", "rectification", "cluster")
    },
}

for name, predicate in PERMISSIONS.items():
    rules.add_perm(name, predicate)
