"""Screening by organisers: accept, reject or ask for changes, one entry or
many at once, before the review phase starts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from cases import selectors
from cases.enums import SCREENING_ACTIONS, TRANSITIONS, EntryAction, PhaseKind
from cases.exceptions import CaseError
from cases.models import Campaign, CaseEntry
from cases.services.common import lock_entry, record_event, transition
from portal import timeutils
from portal.models import User
from portal.permissions import require


def _check_decision(decision: str, reason: str, deadline: dt.datetime | None) -> str:
    if decision not in SCREENING_ACTIONS:
        raise CaseError(_("请选择筛选结果：通过、不予入选或要求修改。"), code="bad_decision", field="decision")
    reason = (reason or "").strip()
    if decision in (EntryAction.REJECT, EntryAction.REQUEST_CHANGES) and not reason:
        raise CaseError(_("不予入选或要求修改时必须写明原因，单位会看到它。"), code="reason_required", field="reason")
    if len(reason) > 500:
        raise CaseError(_("原因不能超过 500 字。"), code="too_long", field="reason")
    if decision == EntryAction.REQUEST_CHANGES:
        if deadline is None:
            raise CaseError(_("要求修改时请设定修改截止时间。"), code="deadline_required", field="deadline")
        if deadline <= timeutils.now():
            raise CaseError(_("修改截止时间必须在将来。"), code="deadline_past", field="deadline")
    return reason


def _screening_open(campaign: Campaign) -> None:
    if selectors.phase_has_started(campaign, PhaseKind.REVIEW):
        raise CaseError(_("专家评审已经开始，不能再更改筛选结果。"), code="screening_closed")


def _apply_screening(
    entry: CaseEntry, *, actor: User | None, decision: str, reason: str, deadline: dt.datetime | None
) -> None:


    before = entry.state
    entry.state = transition(entry, decision)
    entry.screening_note = reason
    if decision == EntryAction.ACCEPT:
        entry.accepted_at = timeutils.now()
        entry.changes_deadline = None
    elif decision == EntryAction.REQUEST_CHANGES:
        entry.changes_deadline = deadline
    else:
        entry.changes_deadline = None
    entry.save(update_fields=["state", "screening_note", "accepted_at", "changes_deadline", "updated_at"])
    record_event(entry, actor=actor, action=decision, from_state=before, reason=reason, deadline=deadline)


@transaction.atomic
def screen_entry(
    *,
    actor: User | None,
    entry: CaseEntry,
    decision: str,
    reason: str = "",
    deadline: dt.datetime | None = None,
) -> CaseEntry:
    """An organiser accepts an entry to the board, rejects it with a reason
    the unit sees, or asks for changes by a deadline. Every decision is an
    event row (who, when, from, to, why)."""
    require(actor, "cases.screen_entry", entry, message=_("只有主办方可以筛选案例。"))
    reason = _check_decision(decision, reason, deadline)
    entry = lock_entry(entry)
    _screening_open(entry.campaign)
    _apply_screening(entry, actor=actor, decision=decision, reason=reason, deadline=deadline)
    return entry


@transaction.atomic
def screen_entries(
    *,
    actor: User | None,
    campaign: Campaign,
    entry_ids: Iterable[int],
    decision: str,
    reason: str = "",
    deadline: dt.datetime | None = None,
) -> list[CaseEntry]:
    """The same decision for many entries: all of them or none (an entry
    whose state does not allow it refuses the whole batch, by name)."""
    require(actor, "cases.screen_entry", message=_("只有主办方可以筛选案例。"))
    reason = _check_decision(decision, reason, deadline)
    ids = sorted({int(pk) for pk in entry_ids})
    if not ids:
        raise CaseError(_("请先勾选要处理的案例。"), code="nothing_selected", field="entries")
    _screening_open(campaign)
    entries = list(
        CaseEntry.objects.select_for_update(no_key=True).filter(campaign=campaign, pk__in=ids).order_by("pk")
    )
    if len(entries) != len(ids):
        raise CaseError(_("所选案例有的不存在或不属于本届活动。"), code="bad_selection", field="entries", status=404)
    blocked = [entry for entry in entries if entry.state not in TRANSITIONS[decision]]
    if blocked:
        names = "、".join(f"「{entry.title}」({entry.get_state_display()})" for entry in blocked[:5])
        raise CaseError(
            _("%(n)d 个案例的当前状态不能%(action)s：%(names)s。请调整勾选后再试，本次没有任何更改。")
            % {"n": len(blocked), "action": EntryAction(decision).label, "names": names},
            code="bad_transition",
            status=409,
            field="entries",
        )
    for entry in entries:
        _apply_screening(entry, actor=actor, decision=decision, reason=reason, deadline=deadline)
    return entries
