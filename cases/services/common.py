"""What the actions on entries share: the row lock, the transition table's
answer and the event row every transition writes."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from cases.enums import TRANSITIONS, EntryAction
from cases.exceptions import CaseError
from cases.models import CaseEntry, EntryEvent
from portal.models import User


def lock_entry(entry: CaseEntry) -> CaseEntry:
    # Lock only the entry's row, not the joined campaign and track.
    return (
        CaseEntry.objects.select_for_update(no_key=True, of=("self",))
        .select_related("campaign", "track")
        .get(pk=entry.pk)
    )


def record_event(
    entry: CaseEntry,
    *,
    actor: User | None,
    action: str,
    from_state: str,
    reason: str = "",
    deadline: dt.datetime | None = None,
) -> EntryEvent:


    return EntryEvent.objects.create(
        entry=entry,
        actor=actor,
        action=action,
        from_state=from_state,
        to_state=entry.state,
        reason=reason,
        deadline=deadline,
    )


def transition(entry: CaseEntry, action: str) -> str:
    """The state `action` leads to from the entry's state, or a refusal."""
    target = TRANSITIONS[action].get(entry.state)
    if target is None:
        raise CaseError(
            _("「%(title)s」当前状态为“%(state)s”，不能%(action)s。")
            % {"title": entry.title, "state": entry.get_state_display(), "action": EntryAction(action).label},
            code="bad_transition",
            status=409,
        )
    return target
