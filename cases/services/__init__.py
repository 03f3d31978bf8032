"""Writes of the case registry: one function per business action.

Every function is one transaction, checks the actor's permission itself
(django-rules, cases/rules.py) and raises ``CaseError`` with a message for
the person; the pages and the API call these and nothing else.

One module per concept: ``campaigns`` (campaigns and their timeline),
``entries`` (units create, edit, submit and withdraw), ``content`` (an
entry's text and images checked before anything is stored), ``screening``
(organisers' decisions) and ``common`` (the row lock, the transition and
the event row they share). Callers import the actions from
``cases.services``.
"""

from __future__ import annotations

from cases.services.campaigns import DEFAULT_DOMAINS, DEFAULT_TRACKS, check_phase, create_campaign, set_phase
from cases.services.content import REQUIRED_TO_SUBMIT
from cases.services.entries import call_closed_error, create_entry, submit_entry, update_entry, withdraw_entry
from cases.services.screening import screen_entries, screen_entry

__all__ = [
    "DEFAULT_DOMAINS", "DEFAULT_TRACKS", "REQUIRED_TO_SUBMIT", "call_closed_error", "check_phase", "create_campaign",
    "create_entry", "screen_entries", "screen_entry", "set_phase", "submit_entry", "update_entry", "withdraw_entry",
]
