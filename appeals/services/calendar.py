"""The working-day calendar, kept by the dispatch centre: mark a day as a
holiday (放假, a weekday off) or a make-up workday (调休上班, a weekend day
worked), clear it, or import a year's list (appeals.calendar_file).

Every change moves the open deadlines counted in working days by the rule
of ``appeals.selectors.calendar`` in the same transaction, exactly as its
preview showed: the page passes the preview's digest back and a change that
would now do something else is refused (409 calendar_changed). Days before
today cannot be changed: deadlines already passed and the statistics keep
the calendar they were counted with. Changes are serialised by one advisory
lock, logged in the audit log (portal.AuditEntry) and on each moved appeal's
internal timeline."""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from appeals import deadlines
from appeals.enums import EventKind, HolidayKind
from appeals.models import Appeal, Holiday, Rectification, WorkOrder
from appeals.selectors import calendar as calendar_selectors
from appeals.deadlines import check_day, check_not_past
from appeals.selectors.calendar import CalendarPreview, DayChange
from appeals.services.common import record_event
from portal import services as portal_services
from portal.enums import AuditAction
from portal.exceptions import ConflictError, InvalidError
from portal.models import User
from portal.permissions import require
from portal.timeutils import local_day, local_text

PERM = calendar_selectors.PERM
LOCK_KEY = 7_300_203  # pg_advisory_xact_lock key: one calendar change at a time
CENTRE_ONLY = gettext_lazy("只有派单中心可以维护节假日。")


@transaction.atomic
def set_calendar_day(*, actor: User | None, day: dt.date, kind: str, name: str, expected: str | None = None,
                     now: dt.datetime | None = None) -> CalendarPreview:
    """Mark ``day`` a holiday (a weekday only) or a make-up workday (a weekend
    day only), named. The same kind and name again changes nothing."""
    require(actor, PERM, message=CENTRE_ONLY)
    now = now or timezone.now()
    entry = check_day(day, kind, name, today=local_day(now))
    action = AuditAction.CALENDAR_HOLIDAY_SET if kind == HolidayKind.HOLIDAY else AuditAction.CALENDAR_WORKDAY_SET
    return apply_calendar(actor=actor, wanted={day: entry}, expected=expected, now=now, action=action)


@transaction.atomic
def clear_calendar_day(*, actor: User | None, day: dt.date, expected: str | None = None,
                       now: dt.datetime | None = None) -> CalendarPreview:
    """Make ``day`` an ordinary day again (a working day on a weekday, rest
    at a weekend). Clearing an ordinary day changes nothing."""
    require(actor, PERM, message=CENTRE_ONLY)
    now = now or timezone.now()
    if not isinstance(day, dt.date):
        raise InvalidError(_("请选择日期。"), code="date_required", field="date")
    check_not_past(day, today=local_day(now))
    return apply_calendar(actor=actor, wanted={day: None}, expected=expected, now=now,
                          action=AuditAction.CALENDAR_DAY_CLEARED)


@transaction.atomic
def import_calendar(*, actor: User | None, year: int, text: str, expected: str | None = None,
                    now: dt.datetime | None = None) -> CalendarPreview:
    """A year's holiday list (appeals.calendar_file) replaces the year's days
    from today on, all or nothing: a file with a bad row imports nothing."""
    require(actor, PERM, message=CENTRE_ONLY)
    now = now or timezone.now()
    wanted, within = calendar_selectors.import_plan(year=year, text=text, today=local_day(now))
    return apply_calendar(actor=actor, wanted=wanted, within=within, expected=expected, now=now,
                          action=AuditAction.CALENDAR_IMPORTED, audit={"year": year})


def apply_calendar(*, actor: User | None, wanted: dict[dt.date, tuple[str, str] | None], expected: str | None,
                   now: dt.datetime, action: str, within: tuple[dt.date, dt.date] | None = None,
                   audit: dict | None = None) -> CalendarPreview:
    """Writes checked days and moves the deadlines they move. Called by the
    services above (and the import) inside their transaction, after require."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
    changes = calendar_selectors.day_changes(wanted, within=within)
    result = CalendarPreview(changes=changes, moves=calendar_selectors.deadline_moves(changes))
    if expected is not None and expected != result.digest:
        raise ConflictError(_("日历或待办时限在预览后有了变化，请重新预览后再保存。"), code="calendar_changed")
    if not changes:
        return result
    today = local_day(now)
    for change in changes:
        check_not_past(change.date, today=today)
    _write_days(changes)
    _move_deadlines(result, actor=actor)
    details = {"moved": len(result.moves), **(audit or {})}
    if within is not None:
        details["days"] = len(changes)
    if len(changes) == 1 and within is None:
        change = changes[0]
        details |= {"day": change.date.isoformat(), "day_name": change.new_name or change.old_name,
                    "kind": change.new_kind, "old_kind": change.old_kind}
    portal_services.record_audit(actor=actor, action=action, **details)
    return result


def _write_days(changes: list[DayChange]) -> None:
    Holiday.objects.filter(date__in=[c.date for c in changes if c.new_kind is None]).delete()
    for change in changes:
        if change.new_kind is not None:
            Holiday.objects.update_or_create(date=change.date, defaults={"kind": change.new_kind, "name": change.new_name})


def _move_deadlines(result: CalendarPreview, *, actor: User | None) -> None:
    """Each move is a conditional update on the deadline the preview read: a
    row changed since (an extension decided meanwhile) refuses the whole change."""
    if not result.moves:
        return
    appeals = Appeal.objects.in_bulk({m.appeal_id for m in result.moves})
    parts = WorkOrder.objects.in_bulk([m.pk for m in result.moves if m.kind == "work_order"])
    days = "、".join(c.date.isoformat() for c in result.changes if c.moves_deadlines)
    for move in result.moves:
        if move.kind == "work_order":
            updated = WorkOrder.objects.filter(pk=move.pk, due_at=move.old).update(
                due_at=move.new, due_soon_at=deadlines.due_soon_from(move.start, move.new)
            )
            if move.is_primary:
                Appeal.objects.filter(pk=move.appeal_id, handling_due_at=move.old).update(handling_due_at=move.new)
            reason = _("节假日调整（%(days)s）：办理时限 %(old)s → %(new)s")
        else:
            updated = Rectification.objects.filter(pk=move.pk, due_at=move.old).update(due_at=move.new)
            reason = _("节假日调整（%(days)s）：整改时限 %(old)s → %(new)s")
        if updated != 1:
            raise ConflictError(_("日历或待办时限在预览后有了变化，请重新预览后再保存。"), code="calendar_changed")
        record_event(
            appeal=appeals[move.appeal_id], kind=EventKind.DEADLINE_MOVED, actor=actor, public=False,
            work_order=parts.get(move.pk) if move.kind == "work_order" else None,
            reason=reason % {"days": days, "old": local_text(move.old), "new": local_text(move.new)},
        )
