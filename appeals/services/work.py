"""Unit work: accept, return, reply, resolve, notes, extensions."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from appeals import deadlines
from appeals.enums import (
    APPEAL_HANDLING_STATES,
    AppealAction,
    EventKind,
    ExtensionState,
    PartAction,
    PartRole,
    PartState,
    PhotoKind,
)
from appeals.models import Appeal, ExtensionRequest, InternalNote, Reply, WorkOrder
from appeals.services.common import (
    lock_appeal,
    lock_part,
    next_appeal_state,
    next_part_state,
    notify_dispatch_centre,
    notify_resident,
    notify_unit,
    record_event,
    transition_event,
)
from appeals.services.photos import process_photos, save_photos
from appeals.services.validation import clean_text
from portal import selectors as portal_selectors
from portal.exceptions import ConflictError, InvalidError, NotFoundError, PermissionDeniedError
from portal.models import User
from portal.permissions import require
from portal.timeutils import local_text

NOT_YOUR_PART = _("这张工单不属于你的单位，不能操作。")


def require_part(actor: User, work_order_id) -> WorkOrder:
    """The part, for staff of the unit holding it: 404 when there is no such
    part, 403 for anyone else. The API asks before it reads a body, so a
    refused caller learns nothing about what it sent."""
    try:
        work_order_id = int(work_order_id)
    except (TypeError, ValueError):
        raise NotFoundError(_("工单不存在。")) from None
    part = WorkOrder.objects.filter(pk=work_order_id).first()
    if part is None:
        raise NotFoundError(_("工单不存在。"))
    require(actor, "appeals.work_on_part", part, message=str(NOT_YOUR_PART))
    return part


def _load(actor: User, work_order_id) -> tuple[Appeal, WorkOrder]:
    """Checks the actor's unit holds the part, then locks appeal then part
    (always in that order, so two actions on one appeal cannot deadlock)."""
    part = require_part(actor, work_order_id)
    appeal = lock_appeal(part.appeal_id)
    return appeal, lock_part(part.pk)


def _move(part: WorkOrder, action: str, now) -> str:
    previous = part.state
    part.state = next_part_state(previous, action)
    return previous


@transaction.atomic
def accept_part(*, actor: User, work_order_id: int) -> WorkOrder:
    """The unit signs for its part; the primary's signature moves the appeal to 办理中."""
    appeal, part = _load(actor, work_order_id)
    now = timezone.now()
    if part.is_primary:
        previous = appeal.state
        appeal.state = next_appeal_state(previous, AppealAction.ACCEPT)
    _move(part, PartAction.ACCEPT, now)
    part.accepted_at = now
    part.save(update_fields=["state", "accepted_at"])
    if part.is_primary:
        appeal.save(update_fields=["state", "updated_at"])
        transition_event(
            appeal=appeal, actor=actor, unit=part.unit, from_state=previous, to_state=appeal.state,
            work_order=part, public_text=_("%(unit)s 已签收，正在办理。") % {"unit": part.unit.name}, at=now,
        )
    else:
        record_event(
            appeal=appeal, kind=EventKind.PART, actor=actor, unit=part.unit, work_order=part, public=False,
            from_state=PartState.DISPATCHED, to_state=PartState.ACCEPTED, reason=_("协办单位签收"),
        )
    return part


@transaction.atomic
def return_part(*, actor: User, work_order_id: int, reason: str) -> WorkOrder:
    """Within the return window a unit can send its part back to the centre
    with a reason; after it, the unit that received it is responsible
    (首接负责)."""
    appeal, part = _load(actor, work_order_id)
    reason = clean_text(reason, field="reason", label=_("退回理由"), minimum=5, maximum=1000)
    now = timezone.now()
    if now > part.return_until:
        raise ConflictError(
            _("已超过退回时限（%(until)s）。按首接负责原则，请由你单位办理；如有争议请写内部备注并联系派单中心。")
            % {"until": local_text(part.return_until)},
            code="return_window_closed",
        )
    if part.is_primary:
        previous = appeal.state
        appeal.state = next_appeal_state(previous, AppealAction.RETURN)
    _move(part, PartAction.RETURN, now)
    part.return_reason = reason
    part.finished_at = now
    part.save(update_fields=["state", "return_reason", "finished_at"])
    ExtensionRequest.objects.filter(work_order=part, state=ExtensionState.PENDING).update(
        state=ExtensionState.REFUSED, decided_at=now, decision_note=_("工单已退回")
    )
    if part.is_primary:
        appeal.return_count = F("return_count") + 1
        appeal.save(update_fields=["state", "return_count", "updated_at"])
        appeal.refresh_from_db(fields=["return_count"])
        transition_event(
            appeal=appeal, actor=actor, unit=part.unit, from_state=previous, to_state=appeal.state, reason=reason,
            work_order=part, public_text=_("承办单位申请改派，派单中心将重新分派。"), at=now,
        )
    else:
        record_event(
            appeal=appeal, kind=EventKind.PART, actor=actor, unit=part.unit, work_order=part, public=False,
            from_state=PartState.DISPATCHED, to_state=PartState.RETURNED, reason=reason,
        )
    notify_dispatch_centre(
        _("工单退回：%(number)s") % {"number": appeal.tracking_number}, f"{part.unit.name}：{reason}", appeal=appeal
    )
    return part


@transaction.atomic
def reply_to_appeal(*, actor: User, work_order_id: int, body: str) -> Reply:
    """A public reply. The primary's first reply moves the appeal to 已答复;
    a co-handler's reply answers its own part."""
    appeal, part = _load(actor, work_order_id)
    body = clean_text(body, field="body", label=_("答复内容"), minimum=10, maximum=4000)
    now = timezone.now()
    if part.is_primary:
        previous = appeal.state
        appeal.state = next_appeal_state(previous, AppealAction.REPLY)
    elif appeal.state not in APPEAL_HANDLING_STATES:
        raise ConflictError(_("诉求已不在办理中，不能再答复。"), code="transition_not_allowed")
    previous_part = _move(part, PartAction.REPLY, now)
    part.replied_at = part.replied_at or now
    part.save(update_fields=["state", "replied_at"])
    reply = Reply.objects.create(appeal=appeal, work_order=part, unit=part.unit, author=actor, body=body, created_at=now)
    fields = ["updated_at"]
    if appeal.first_reply_at is None:
        appeal.first_reply_at = now
        fields.append("first_reply_at")
    if part.is_primary:
        fields.append("state")
        if previous != appeal.state:
            transition_event(
                appeal=appeal, actor=actor, unit=part.unit, from_state=previous, to_state=appeal.state,
                work_order=part, public_text=body, at=now,
            )
        else:
            record_event(appeal=appeal, kind=EventKind.REPLY, actor=actor, unit=part.unit, work_order=part,
                         public_text=body, at=now)
    else:
        record_event(
            appeal=appeal, kind=EventKind.REPLY, actor=actor, unit=part.unit, work_order=part,
            from_state=previous_part, to_state=part.state, public_text=body, at=now,
        )
    appeal.save(update_fields=fields)
    notify_resident(appeal, _("%(unit)s 答复：%(body)s") % {"unit": part.unit.name, "body": body})
    return reply


def resolve_appeal(*, actor: User, work_order_id: int, summary: str, photos=()) -> Appeal:
    """The primary unit marks the appeal resolved with what was done (and
    photos after); it must have replied first. Co-handlers cannot resolve."""
    processed = process_photos(photos)
    with transaction.atomic():
        appeal, part = _load(actor, work_order_id)
        if part.role != PartRole.PRIMARY:
            raise PermissionDeniedError(
                _("协办单位答复自己负责的部分即可；诉求由主办单位办结。"), code="co_handler_cannot_resolve"
            )
        summary = clean_text(summary, field="summary", label=_("办理结果"), minimum=10, maximum=4000)
        now = timezone.now()
        previous = appeal.state
        appeal.state = next_appeal_state(previous, AppealAction.RESOLVE)
        _move(part, PartAction.RESOLVE, now)
        part.finished_at = now
        part.save(update_fields=["state", "finished_at"])
        appeal.resolved_at = now
        appeal.resolution = summary
        appeal.save(update_fields=["state", "resolved_at", "resolution", "updated_at"])
        if processed:
            save_photos(appeal=appeal, processed=processed, kind=PhotoKind.AFTER, user=actor)
        transition_event(
            appeal=appeal, actor=actor, unit=part.unit, from_state=previous, to_state=appeal.state,
            work_order=part, public_text=summary, at=now,
        )
        notify_resident(appeal, _("你的诉求已办结：%(summary)s") % {"summary": summary})
        return appeal


def require_note(actor: User, appeal_id: int) -> Appeal:
    """The appeal, for those who may write a note on it (404 for no such
    appeal, 403 for anyone else); asked before the note is read."""
    appeal = Appeal.objects.filter(pk=appeal_id).first()
    if appeal is None:
        raise NotFoundError(_("诉求不存在。"))
    require(actor, "appeals.add_note", appeal, message=_("只有派单中心和承办单位可以写内部备注。"))
    return appeal


@transaction.atomic
def add_internal_note(*, actor: User, appeal_id: int, body: str) -> InternalNote:
    """Staff-only note (dispatch centre or a unit on the work order)."""
    appeal = require_note(actor, appeal_id)
    body = clean_text(body, field="body", label=_("备注"), minimum=2, maximum=2000)
    appeal = lock_appeal(appeal.pk)
    unit = portal_selectors.staff_unit_of(actor)
    note = InternalNote.objects.create(appeal=appeal, author=actor, unit=unit, body=body)
    record_event(appeal=appeal, kind=EventKind.NOTE, actor=actor, unit=unit, reason=body, public=False)
    return note


@transaction.atomic
def request_extension(*, actor: User, work_order_id: int, extra_working_days: int, reason: str) -> ExtensionRequest:
    """The unit asks the centre for more working days on an open part (one pending request at a time)."""
    appeal, part = _load(actor, work_order_id)
    if not part.is_open:
        raise ConflictError(_("这张工单已结束，不能申请延期。"), code="transition_not_allowed")
    try:
        days = int(extra_working_days)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= 30:
        raise InvalidError(_("延期天数应为 1 到 30 个工作日。"), code="invalid_days", field="extra_working_days")
    reason = clean_text(reason, field="reason", label=_("延期理由"), minimum=5, maximum=1000)
    if ExtensionRequest.objects.filter(work_order=part, state=ExtensionState.PENDING).exists():
        raise ConflictError(_("已有一份延期申请在审批中。"), code="extension_pending")
    request = ExtensionRequest.objects.create(
        work_order=part, requested_by=actor, extra_working_days=days, reason=reason
    )
    record_event(
        appeal=appeal, kind=EventKind.EXTENSION_REQUESTED, actor=actor, unit=part.unit, work_order=part,
        public=False, reason=_("申请延期 %(days)d 个工作日：%(reason)s") % {"days": days, "reason": reason},
    )
    notify_dispatch_centre(_("延期申请：%(number)s") % {"number": appeal.tracking_number}, reason, appeal=appeal)
    return request


@transaction.atomic
def decide_extension(*, actor: User, extension_id: int, grant: bool, note: str = "") -> ExtensionRequest:
    """A dispatcher grants (the deadline moves by the working days asked,
    counted from the current deadline) or refuses an extension."""
    require(actor, "appeals.decide_extension")
    request = ExtensionRequest.objects.filter(pk=extension_id).first()
    if request is None:
        raise NotFoundError(_("延期申请不存在。"))
    appeal = lock_appeal(request.work_order.appeal_id)
    part = lock_part(request.work_order_id)
    request = ExtensionRequest.objects.select_for_update(no_key=True).get(pk=request.pk)
    if request.state != ExtensionState.PENDING:
        raise ConflictError(_("这份延期申请已处理过。"), code="transition_not_allowed")
    now = timezone.now()
    request.state = ExtensionState.GRANTED if grant else ExtensionState.REFUSED
    request.decided_by = actor
    request.decided_at = now
    request.decision_note = (note or "").strip()[:1000]
    request.previous_due_at = part.due_at
    if grant:
        new_due = deadlines.add_working_days(part.due_at, request.extra_working_days)
        request.new_due_at = new_due
        part.due_at = new_due
        part.due_soon_at = deadlines.due_soon_from(max(now, part.dispatched_at), new_due)
        part.save(update_fields=["due_at", "due_soon_at"])
        if part.is_primary:
            appeal.handling_due_at = new_due
            appeal.save(update_fields=["handling_due_at", "updated_at"])
    request.save()
    due_text = local_text(request.new_due_at or part.due_at)
    record_event(
        appeal=appeal, kind=EventKind.EXTENSION_DECIDED, actor=actor, work_order=part,
        public=bool(grant and part.is_primary),
        public_text=_("办理时限延长至 %(due)s。") % {"due": due_text} if grant else "",
        reason=(_("同意延期至 %(due)s") % {"due": due_text} if grant else _("不同意延期"))
        + (f"：{request.decision_note}" if request.decision_note else ""),
    )
    notify_unit(
        part.unit_id,
        _("延期申请结果：%(number)s") % {"number": appeal.tracking_number},
        _("同意，新的办理时限 %(due)s") % {"due": due_text} if grant else _("不同意延期，请按原时限办理。"),
        appeal=appeal,
    )
    return request
