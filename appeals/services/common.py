"""Shared pieces of the appeal services: permission checks, the transition
tables, timeline rows and notifications."""

from __future__ import annotations

import logging

from django.core.mail import send_mail
from django.db import transaction
from django.utils.translation import gettext as _

from appeals.enums import APPEAL_TRANSITIONS, PART_TRANSITIONS, AppealState, EventKind, PartState
from appeals.exceptions import AppealError
from appeals.models import Appeal, AppealEvent, Assignment
from portal import selectors as portal_selectors
from portal.enums import Role
from portal.models import Membership, Unit, User

logger = logging.getLogger(__name__)


def require(actor: User | None, permission: str, obj=None, message=None) -> None:
    """`actor` None is the system (automatic dispatch, the sweep, the demo)."""
    if actor is None:
        return
    if not actor.has_perm(permission, obj):
        raise AppealError(message or _("你没有执行此操作的权限。"), code="permission_denied", status=403)


def next_appeal_state(state: str, action: str) -> str:
    try:
        return APPEAL_TRANSITIONS[(state, action)]
    except KeyError:
        raise AppealError(
            _("诉求当前状态为“%(state)s”，不能执行“%(action)s”。")
            % {"state": AppealState(state).label, "action": _action_label(action)},
            code="transition_not_allowed",
            status=409,
        ) from None


def next_part_state(state: str, action: str) -> str:
    try:
        return PART_TRANSITIONS[(state, action)]
    except KeyError:
        raise AppealError(
            _("这张工单当前状态为“%(state)s”，不能执行“%(action)s”。")
            % {"state": PartState(state).label, "action": _action_label(action)},
            code="transition_not_allowed",
            status=409,
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
        raise AppealError(_("诉求不存在。"), code="not_found", status=404)
    return appeal


def lock_part(assignment_id) -> Assignment:
    part = Assignment.objects.select_for_update(no_key=True).filter(pk=assignment_id).first()
    if part is None:
        raise AppealError(_("工单不存在。"), code="not_found", status=404)
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
    assignment: Assignment | None = None,
    at=None,
) -> AppealEvent:
    event = AppealEvent(
        appeal=appeal,
        assignment=assignment,
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


def transition_event(*, appeal, actor, unit, from_state, to_state, reason="", public_text="", assignment=None, at=None):
    return record_event(
        appeal=appeal, kind=EventKind.TRANSITION, actor=actor, unit=unit, from_state=from_state,
        to_state=to_state, reason=reason, public=True, public_text=public_text, assignment=assignment, at=at,
    )


def _send(subject: str, body: str, recipients: list[str]) -> None:
    if not recipients:
        return
    try:
        send_mail(subject, body, None, recipients)
    except Exception:  # a mail outage must not undo the committed work
        logger.exception("appeal notification failed: %s", subject)


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


def notify_unit(unit_id: int, subject: str, body: str) -> None:
    transaction.on_commit(lambda: _send(subject, body, staff_emails(unit_id)))


def notify_dispatch_centre(subject: str, body: str) -> None:
    transaction.on_commit(lambda: _send(subject, body, dispatcher_emails()))


def notify_resident(appeal: Appeal, text: str) -> None:
    """Tells the resident (email, else SMS to the account's phone) that the appeal moved."""
    resident = appeal.resident
    if resident is None:
        return
    subject = _("诉求 %(number)s 有新进展") % {"number": appeal.tracking_number}
    if resident.email:
        email = resident.email
        transaction.on_commit(lambda: _send(subject, text, [email]))
    elif resident.phone:
        from portal.sms import send_sms

        phone = resident.phone
        transaction.on_commit(lambda: send_sms(phone=phone, text=f"{subject}：{text}"))
