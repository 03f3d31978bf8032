"""Writes of the case registry: one function per business action.

Every function is one transaction, checks the actor's permission itself
(django-rules, cases/rules.py) and raises ``CaseError`` with a message for
the person; the pages and the API call these and nothing else.

One module per concept: ``campaigns`` (campaigns and their timeline),
``entries`` (units create, edit, submit and withdraw), ``content`` (an
entry's text and images checked before anything is stored), ``screening``
(organisers' decisions), ``setup`` (a campaign's whole set-up as one
plan: the organisers' wizard), ``tracks`` (a track's rules, one at a time)
and ``common`` (the row lock, the transition and
the event row they share). Callers import the actions from
``cases.services``.
"""

from __future__ import annotations

from cases.services.campaigns import (
    DEFAULT_DOMAINS, DEFAULT_TRACKS, check_phase, check_timeline, create_campaign, set_phase,
)
from cases.services.content import REQUIRED_TO_SUBMIT
from cases.services.entries import call_closed_error, create_entry, submit_entry, update_entry, withdraw_entry
from cases.services.screening import screen_entries, screen_entry
from cases.services.setup import (
    CampaignPlan, DomainPlan, TrackPlan, apply_plan, check_not_open, check_plan, create_from_plan, opens_at, plan_of,
    shift_years,
)
from cases.services.tracks import update_track_rules

__all__ = [
    "DEFAULT_DOMAINS", "DEFAULT_TRACKS", "REQUIRED_TO_SUBMIT", "CampaignPlan", "DomainPlan", "TrackPlan", "apply_plan",
    "call_closed_error", "check_not_open", "check_phase", "check_plan", "check_timeline", "create_campaign",
    "create_entry", "create_from_plan", "opens_at", "plan_of", "screen_entries", "screen_entry", "set_phase",
    "shift_years", "submit_entry", "update_entry", "update_track_rules", "withdraw_entry",
]
