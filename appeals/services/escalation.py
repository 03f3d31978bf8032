"""The deadline sweep: flags due-soon and overdue work, escalates.

Run by a periodic task every minute. Each notice is one row of
``Escalation`` keyed by (appeal, part, kind, recipient, deadline) and
inserted with ON CONFLICT DO NOTHING: a second worker running at the same
moment waits on the unique index, finds the row and sends nothing. A
restart simply runs the sweep again; a granted extension moves the
deadline, so the new deadline can be flagged again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from appeals.enums import (
    APPEAL_DISPATCH_STATES,
    EscalationKind,
    EventKind,
    Recipient,
)
from appeals.models import Appeal, Escalation, WorkOrder
from appeals.models.work import OPEN_FOR_UNIT
from appeals.services.common import notify_dispatch_centre, notify_unit, record_event
from portal.timeutils import local_text


@dataclass
class SweepReport:
    due_soon: int = 0
    overdue: int = 0
    dispatch_overdue: int = 0


def _insert(*, appeal_id: int, work_order_id: int | None, kind: str, recipient: str, unit_id: int | None,
            deadline: dt.datetime, now: dt.datetime) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO appeals_escalation
                (appeal_id, assignment_id, kind, recipient, recipient_unit_id, deadline, created_at)
            VALUES (%s, %s, %s, %s, %s, %s, %s)
            ON CONFLICT DO NOTHING
            RETURNING id
            """,
            [appeal_id, work_order_id, kind, recipient, unit_id, deadline, now],
        )
        return cursor.fetchone() is not None


def _open_parts() -> Q:
    return OPEN_FOR_UNIT


def _flag_due_soon(part: WorkOrder, now: dt.datetime) -> bool:
    with transaction.atomic():
        if not _insert(appeal_id=part.appeal_id, work_order_id=part.pk, kind=EscalationKind.DUE_SOON,
                       recipient=Recipient.UNIT, unit_id=part.unit_id, deadline=part.due_at, now=now):
            return False
        record_event(
            appeal=part.appeal, kind=EventKind.ESCALATION, actor=None, work_order=part, public=False,
            reason=_("即将到期提醒 %(unit)s（时限 %(due)s）") % {"unit": part.unit.name, "due": local_text(part.due_at)},
        )
        notify_unit(
            part.unit_id,
            _("工单即将到期：%(number)s") % {"number": part.appeal.tracking_number},
            _("办理时限 %(due)s，请抓紧办理。") % {"due": local_text(part.due_at)},
            appeal=part.appeal,
        )
        return True


def _flag_overdue(part: WorkOrder, now: dt.datetime) -> bool:
    """Notifies the unit, and escalates to the dispatch centre and the parent unit."""
    with transaction.atomic():
        targets = [(Recipient.UNIT, part.unit_id), (Recipient.DISPATCH_CENTRE, None)]
        if part.unit.parent_id:
            targets.append((Recipient.PARENT_UNIT, part.unit.parent_id))
        sent = []
        for recipient, unit_id in targets:
            if _insert(appeal_id=part.appeal_id, work_order_id=part.pk, kind=EscalationKind.OVERDUE,
                       recipient=recipient, unit_id=unit_id, deadline=part.due_at, now=now):
                sent.append((recipient, unit_id))
        if not sent:
            return False
        number = part.appeal.tracking_number
        subject = _("工单已超期：%(number)s") % {"number": number}
        body = _("%(unit)s 的%(role)s工单已超过办理时限 %(due)s。") % {
            "unit": part.unit.name, "role": part.get_role_display(), "due": local_text(part.due_at),
        }
        for recipient, unit_id in sent:
            if recipient == Recipient.DISPATCH_CENTRE:
                notify_dispatch_centre(subject, body, appeal=part.appeal)
            else:
                notify_unit(unit_id, subject, body, appeal=part.appeal)
        record_event(
            appeal=part.appeal, kind=EventKind.ESCALATION, actor=None, work_order=part, public=False,
            reason=_("已超期，督办：%(targets)s") % {"targets": "、".join(str(Recipient(r).label) for r, _u in sent)},
        )
        return True


def _flag_dispatch_overdue(appeal: Appeal, now: dt.datetime) -> bool:
    with transaction.atomic():
        if not _insert(appeal_id=appeal.pk, work_order_id=None, kind=EscalationKind.DISPATCH_OVERDUE,
                       recipient=Recipient.DISPATCH_CENTRE, unit_id=None, deadline=appeal.dispatch_due_at, now=now):
            return False
        record_event(
            appeal=appeal, kind=EventKind.ESCALATION, actor=None, public=False,
            reason=_("超过派单时限 %(due)s") % {"due": local_text(appeal.dispatch_due_at)},
        )
        notify_dispatch_centre(
            _("派单超时：%(number)s") % {"number": appeal.tracking_number},
            _("%(title)s，派单时限 %(due)s。") % {"title": appeal.title, "due": local_text(appeal.dispatch_due_at)},
            appeal=appeal,
        )
        return True


def _flagged(kind: str) -> Exists:
    """Already flagged for this very deadline (a granted extension makes a new one)."""
    return Exists(
        Escalation.objects.filter(work_order=OuterRef("pk"), kind=kind, recipient=Recipient.UNIT, deadline=OuterRef("due_at"))
    )


def sweep_deadlines(*, now: dt.datetime | None = None, batch: int = 500) -> SweepReport:
    """Flags every part that became due soon or overdue, and every appeal
    still waiting for dispatch after its dispatch deadline. Idempotent."""
    now = now or timezone.now()
    report = SweepReport()
    base = WorkOrder.objects.filter(_open_parts()).select_related("appeal", "unit").order_by("pk")
    overdue = base.filter(due_at__lte=now).exclude(_flagged(EscalationKind.OVERDUE))
    for part in overdue[:batch]:
        report.overdue += _flag_overdue(part, now)
    due_soon = base.filter(due_soon_at__lte=now, due_at__gt=now).exclude(_flagged(EscalationKind.DUE_SOON))
    for part in due_soon[:batch]:
        report.due_soon += _flag_due_soon(part, now)
    waiting = (
        Appeal.objects.filter(state__in=APPEAL_DISPATCH_STATES, dispatch_due_at__lte=now)
        .exclude(
            Exists(Escalation.objects.filter(
                appeal=OuterRef("pk"), kind=EscalationKind.DISPATCH_OVERDUE, deadline=OuterRef("dispatch_due_at")
            ))
        )
        .order_by("pk")
    )
    for appeal in waiting[:batch]:
        report.dispatch_overdue += _flag_dispatch_overdue(appeal, now)
    return report
