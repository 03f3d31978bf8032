"""Shared pieces of the appeal services: the transition tables, locks,
timeline rows and notifications (permissions: portal.permissions.require)."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.utils.translation import gettext as _

from appeals.enums import APPEAL_TRANSITIONS, PART_TRANSITIONS, AppealState, EventKind, PartState
from appeals.models import Appeal, AppealEvent, WorkOrder
from portal import notifications, selectors as portal_selectors
from portal.enums import Role
from portal.exceptions import ConflictError, NotFoundError
from portal.models import Membership, Unit, User


def next_appeal_state(state: str, action: str) -> str:
    try:
        return APPEAL_TRANSITIONS[(state, action)]
    except KeyError:
        raise ConflictError(
            _("诉求当前状态为“%(state)s”，不能执行“%(action)s”。")
            % {"state": AppealState(state).label, "action": _action_label(action)},
            code="transition_not_allowed",
        ) from None


def next_part_state(state: str, action: str) -> str:
    try:
        return PART_TRANSITIONS[(state, action)]
    except KeyError:
        raise ConflictError(
            _("这张工单当前状态为“%(state)s”，不能执行“%(action)s”。")
            % {"state": PartState(state).label, "action": _action_label(action)},
            code="transition_not_allowed",
        ) from None


def _action_label(action: str) -> str:
    from appeals.enums import AppealAction, PartAction

    for choices in (AppealAction, PartAction):
        if action in choices.values:
            return str(choices(action).label)
    return action


def lock_appeal(appeal_id) -> Appeal:
    appeal = Appeal.objects.select_for_update(no_key=True).filter(pk=appeal_id).first()
    if appeal is None:
        raise NotFoundError(_("诉求不存在。"))
    return appeal


def lock_part(work_order_id) -> WorkOrder:
    part = WorkOrder.objects.select_for_update(no_key=True).filter(pk=work_order_id).first()
    if part is None:
        raise NotFoundError(_("工单不存在。"))
    return part


def actor_label(actor: User | None, appeal: Appeal, unit: Unit | None) -> str:
    """What the resident sees instead of a staff member's name."""
    if actor is None:
        return _("系统")
    if unit is not None:
        return unit.name
    if appeal.resident_id == actor.pk:
        return _("市民")
    if Role.DISPATCHER in portal_selectors.roles_of(actor):
        return _("派单中心")
    return _("工作人员")


def record_event(
    *,
    appeal: Appeal,
    kind: str,
    actor: User | None,
    unit: Unit | None = None,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    public: bool = True,
    public_text: str = "",
    work_order: WorkOrder | None = None,
    at=None,
) -> AppealEvent:
    event = AppealEvent(
        appeal=appeal,
        work_order=work_order,
        kind=kind,
        actor=actor,
        actor_unit=unit,
        actor_label=actor_label(actor, appeal, unit),
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        public=public,
        public_text=public_text,
    )
    if at is not None:
        event.created_at = at
    event.save()
    return event


def transition_event(*, appeal, actor, unit, from_state, to_state, reason="", public_text="", work_order=None, at=None):
    return record_event(
        appeal=appeal, kind=EventKind.TRANSITION, actor=actor, unit=unit, from_state=from_state,
        to_state=to_state, reason=reason, public=True, public_text=public_text, work_order=work_order, at=at,
    )


def staff_emails(unit_id: int) -> list[str]:
    return list(
        Membership.objects.filter(role=Role.UNIT_STAFF, unit_id=unit_id, user__is_active=True, user__email__isnull=False)
        .values_list("user__email", flat=True)
    )


def dispatcher_emails() -> list[str]:
    return list(
        Membership.objects.filter(role=Role.DISPATCHER, user__is_active=True, user__email__isnull=False)
        .values_list("user__email", flat=True)
        .distinct()
    )


# Notifications are queued in the caller's transaction and sent by a worker
# (portal.notifications): a mail or SMS outage never fails the action.
def notify_unit(unit_id: int, subject: str, body: str, *, appeal: Appeal | None = None) -> None:
    notifications.queue_email(to=staff_emails(unit_id), subject=subject, body=body, about=appeal)


def notify_dispatch_centre(subject: str, body: str, *, appeal: Appeal | None = None) -> None:
    notifications.queue_email(to=dispatcher_emails(), subject=subject, body=body, about=appeal)


def notify_resident(appeal: Appeal, text: str) -> None:
    """Tells the resident that the appeal moved: by email when their address
    is verified, else by SMS when their phone is; never to an unverified
    contact (it may be someone else's)."""
    resident = appeal.resident
    if resident is None:
        return
    subject = _("诉求 %(number)s 有新进展") % {"number": appeal.tracking_number}
    if resident.email and EmailAddress.objects.filter(user=resident, email__iexact=resident.email, verified=True).exists():
        notifications.queue_email(to=[resident.email], subject=subject, body=text, about=appeal)
    elif resident.phone and resident.phone_verified:
        notifications.queue_sms(phone=resident.phone, text=f"{subject}：{text}", about=appeal)
