"""Dispatch: the centre routes an appeal to a primary unit and co-handlers."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appeals import deadlines
from appeals.enums import (
    PART_OPEN_STATES,
    AppealAction,
    AppealState,
    EventKind,
    ExtensionState,
    PartAction,
    PartRole,
    Urgency,
)
from appeals.models import Appeal, ExtensionRequest, Item, WorkOrder
from appeals.services.common import (
    lock_appeal,
    next_appeal_state,
    next_part_state,
    notify_resident,
    notify_unit,
    record_event,
    transition_event,
)
from appeals.services.publication import refresh_publication
from appeals.services.validation import find_item
from portal.exceptions import ConflictError, InvalidError, NotFoundError
from portal.models import Unit, User
from portal.parsing import positive_int
from portal.permissions import require
from portal.timeutils import local_text


def _units(primary_unit_id, co_unit_ids: Iterable) -> tuple[Unit, list[Unit]]:
    try:
        primary_id = int(primary_unit_id)
        co_ids = [int(pk) for pk in co_unit_ids or []]
    except (TypeError, ValueError):
        raise InvalidError(_("请选择有效的承办单位。"), code="unknown_unit", field="primary_unit") from None
    if primary_id in co_ids:
        raise InvalidError(_("主办单位不能同时是协办单位。"), code="primary_is_co", field="co_units")
    if len(set(co_ids)) != len(co_ids):
        raise InvalidError(_("协办单位重复了。"), code="duplicate_co_unit", field="co_units")
    found = Unit.objects.in_bulk([primary_id, *co_ids])
    if primary_id not in found:
        raise NotFoundError(_("所选的主办单位不存在。"), code="unknown_unit", field="primary_unit")
    if any(pk not in found for pk in co_ids):
        raise NotFoundError(_("所选的协办单位不存在。"), code="unknown_unit", field="co_units")
    # A unit the portal administrator deactivated has nobody to answer there.
    if not found[primary_id].is_active:
        raise ConflictError(_("所选的主办单位已停用，请选择其他单位。"), code="unit_inactive", field="primary_unit")
    if any(not found[pk].is_active for pk in co_ids):
        raise ConflictError(_("所选的协办单位已停用，请选择其他单位。"), code="unit_inactive", field="co_units")
    return found[primary_id], [found[pk] for pk in co_ids]


def dispatch_locked(
    *, appeal: Appeal, actor: User | None, item: Item, urgency: str, primary: Unit, co_units: list[Unit],
    instructions: dict[int, str], reason: str,
) -> Appeal:
    """Writes a dispatch on an appeal already locked by the caller."""
    now = timezone.now()
    previous = appeal.state
    appeal.state = next_appeal_state(previous, AppealAction.DISPATCH)
    wanted = {(primary.pk, PartRole.PRIMARY), *((u.pk, PartRole.CO_HANDLER) for u in co_units)}
    kept = set()
    # Parts still open stay when the same unit keeps the same role; the rest are withdrawn.
    for part in WorkOrder.objects.select_for_update(no_key=True).filter(appeal=appeal, state__in=PART_OPEN_STATES).order_by("pk"):
        if (part.unit_id, part.role) in wanted:
            kept.add((part.unit_id, part.role))
            continue
        part.state = next_part_state(part.state, PartAction.CANCEL)
        part.finished_at = now
        part.save(update_fields=["state", "finished_at"])
        ExtensionRequest.objects.filter(work_order=part, state=ExtensionState.PENDING).update(
            state=ExtensionState.REFUSED, decided_at=now, decision_note=_("工单已改派")
        )
    due = deadlines.handling_due(now, value=item.deadline_value, unit=item.deadline_unit)
    due_soon = deadlines.due_soon_from(now, due)
    for unit, role in [(primary, PartRole.PRIMARY), *((u, PartRole.CO_HANDLER) for u in co_units)]:
        if (unit.pk, role) in kept:
            continue
        part = WorkOrder.objects.create(
            appeal=appeal, unit=unit, role=role, instructions=(instructions.get(unit.pk) or "").strip()[:2000],
            dispatched_by=actor, dispatched_at=now, return_until=deadlines.return_until(now),
            due_soon_at=due_soon, due_at=due,
        )
        record_event(
            appeal=appeal, kind=EventKind.PART, actor=actor, work_order=part, public=False,
            reason=_("%(role)s：%(unit)s；%(instructions)s")
            % {"role": part.get_role_display(), "unit": unit.name, "instructions": part.instructions or _("无分工说明")},
        )
        notify_unit(
            unit.pk,
            _("新工单：%(number)s（%(role)s）") % {"number": appeal.tracking_number, "role": part.get_role_display()},
            _("%(title)s\n办理时限：%(due)s") % {"title": appeal.title, "due": local_text(due)},
            appeal=appeal,
        )
    if appeal.item_id != item.pk:
        record_event(
            appeal=appeal, kind=EventKind.CLASSIFIED, actor=actor, public=False,
            reason=_("分类：%(old)s → %(new)s") % {"old": appeal.item or _("不确定"), "new": item},
        )
    appeal.item = item
    appeal.urgency = urgency
    appeal.dispatched_at = now
    appeal.first_dispatched_at = appeal.first_dispatched_at or now
    appeal.primary_unit = primary
    appeal.handling_due_at = due
    # A reopened appeal starts over; its earlier result stays on the timeline.
    appeal.resolved_at = None
    appeal.resolution = ""
    appeal.save(update_fields=[
        "state", "item", "urgency", "dispatched_at", "first_dispatched_at", "primary_unit", "handling_due_at",
        "resolved_at", "resolution", "updated_at",
    ])
    refresh_publication(appeal)  # the item (publishable or not) may have changed
    public_text = _("已派单至 %(unit)s 办理，办理时限 %(due)s。") % {"unit": primary.name, "due": local_text(due)}
    if co_units:
        public_text += _("协办单位：%(units)s。") % {"units": "、".join(u.name for u in co_units)}
    transition_event(
        appeal=appeal, actor=actor, unit=None, from_state=previous, to_state=appeal.state, reason=reason,
        public_text=public_text, at=now,
    )
    notify_resident(appeal, public_text)
    return appeal


def dispatch_appeal(
    *,
    actor: User,
    appeal_id: int,
    primary_unit_id: int,
    co_unit_ids: Iterable[int] = (),
    item_id: int | None = None,
    urgency: str | None = None,
    instructions: dict[int, str] | None = None,
    reason: str = "",
) -> Appeal:
    """A dispatcher routes the appeal (first time, after a return, or after a
    reopening). The item sets the handling deadline; every unit gets its own
    part. Re-dispatching after a return needs a reason (the dispute decision)."""
    require(actor, "appeals.dispatch_appeal")
    item = find_item(item_id) if item_id not in (None, "") else None
    if urgency not in (None, "", *Urgency.values):
        raise InvalidError(_("紧急程度无效。"), code="invalid_urgency", field="urgency")
    primary, co_units = _units(primary_unit_id, co_unit_ids)
    with transaction.atomic():
        appeal = lock_appeal(appeal_id)
        next_appeal_state(appeal.state, AppealAction.DISPATCH)
        item = item or appeal.item
        if item is None:
            raise InvalidError(_("请先为诉求选择事项分类，再派单。"), code="item_required", field="item")
        reason = (reason or "").strip()
        if appeal.state == AppealState.RETURNED and len(reason) < 2:
            raise InvalidError(_("退回后重新派单，请写明处理意见。"), code="reason_required", field="reason")
        keyed = {pk: str(v) for k, v in (instructions or {}).items() if (pk := positive_int(k))}
        return dispatch_locked(
            appeal=appeal, actor=actor, item=item, urgency=urgency or appeal.urgency, primary=primary,
            co_units=co_units, instructions=keyed, reason=reason,
        )
