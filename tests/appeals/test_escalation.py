"""The deadline sweep: due soon, overdue, escalation, idempotence under concurrency."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection, transaction

from appeals import services
from appeals.models import Escalation
from appeals.services.escalation import sweep_deadlines
from appeals.tasks import sweep_appeal_deadlines
from portal.outbox import read_messages
from tests import factories
from tests.appeals.conftest import part_of


def test_nothing_to_flag_before_due_soon(world, dispatched):
    assert sweep_deadlines() .__dict__ == {"due_soon": 0, "overdue": 0, "dispatch_overdue": 0}
    assert not Escalation.objects.exists()


def test_due_soon_notifies_the_unit_once(world, dispatched, django_capture_on_commit_callbacks, deliver_notifications):
    part = part_of(dispatched, world.bureau)
    with time_machine.travel(part.due_soon_at + dt.timedelta(minutes=1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            first = sweep_deadlines()
            second = sweep_deadlines()
    assert (first.due_soon, second.due_soon) == (1, 0)
    row = Escalation.objects.get()
    assert (row.kind, row.recipient, row.recipient_unit) == ("due_soon", "unit", world.bureau)
    deliver_notifications()
    assert len([m for m in read_messages(to=world.bureau_staff.email) if "即将到期" in m["subject"]]) == 1


def test_overdue_escalates_to_unit_centre_and_parent(world, dispatched, dispatcher, django_capture_on_commit_callbacks, deliver_notifications):
    parent_staff = factories.StaffFactory(role="unit_staff", unit=world.city)
    part = part_of(dispatched, world.bureau)
    with time_machine.travel(part.due_at + dt.timedelta(minutes=1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            report = sweep_deadlines()
    assert report.overdue == 1
    rows = set(Escalation.objects.values_list("kind", "recipient", "recipient_unit"))
    assert rows == {("overdue", "unit", world.bureau.pk), ("overdue", "dispatch_centre", None),
                    ("overdue", "parent_unit", world.city.pk)}
    deliver_notifications()
    assert len(read_messages(to=dispatcher.email)) == 1
    assert len(read_messages(to=parent_staff.email)) == 1
    event = dispatched.events.get(kind="escalation")
    assert not event.public


def test_dispatch_deadline_missed_notifies_the_centre(world, unrouted, dispatcher, django_capture_on_commit_callbacks, deliver_notifications):
    with time_machine.travel(unrouted.dispatch_due_at + dt.timedelta(seconds=1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert sweep_deadlines().dispatch_overdue == 1
            assert sweep_deadlines().dispatch_overdue == 0
    assert Escalation.objects.get().kind == "dispatch_overdue"
    deliver_notifications()
    assert len([m for m in read_messages(to=dispatcher.email) if "派单超时" in m["subject"]]) == 1


def test_resolved_work_is_not_flagged(world, dispatched):
    part = part_of(dispatched, world.bureau)
    services.accept_part(actor=world.bureau_staff, work_order_id=part.pk)
    services.reply_to_appeal(actor=world.bureau_staff, work_order_id=part.pk, body="已安排人员到现场核查处理。")
    services.resolve_appeal(actor=world.bureau_staff, work_order_id=part.pk, summary="井盖已补装，恢复正常通行。")
    with time_machine.travel(part.due_at + dt.timedelta(days=1), tick=False):
        assert sweep_deadlines().overdue == 0


def test_granted_extension_gives_a_new_deadline_that_can_be_flagged_again(world, dispatched, dispatcher):
    part = part_of(dispatched, world.bureau)
    with time_machine.travel(part.due_soon_at + dt.timedelta(minutes=1), tick=False):
        assert sweep_deadlines().due_soon == 1
        request = services.request_extension(actor=world.bureau_staff, work_order_id=part.pk, extra_working_days=3, reason="等待配件到货")
        services.decide_extension(actor=dispatcher, extension_id=request.pk, grant=True)
    part.refresh_from_db()
    with time_machine.travel(part.due_soon_at + dt.timedelta(minutes=1), tick=False):
        assert sweep_deadlines().due_soon == 1
    assert Escalation.objects.filter(kind="due_soon").count() == 2


def test_the_periodic_task_runs_the_sweep(world, dispatched):
    part = part_of(dispatched, world.bureau)
    with time_machine.travel(part.due_at + dt.timedelta(minutes=5), tick=False):
        result = sweep_appeal_deadlines(timestamp=0)
    assert result["overdue"] == 1


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_the_same_time_notify_once(world, resident, dispatcher, deliver_notifications):
    """Worker A flags inside an open transaction; worker B runs meanwhile and
    blocks on the unique index; when A commits, B finds the rows and sends nothing."""
    appeals = [services.file_appeal(resident=resident, **world.report()).appeal for _ in range(3)]
    due = max(part_of(a, world.bureau).due_at for a in appeals)
    moment = due + dt.timedelta(minutes=1)
    a_flagged, b_started = threading.Event(), threading.Event()
    reports = {}

    def worker_a():
        try:
            with transaction.atomic():
                reports["a"] = sweep_deadlines(now=moment)
                a_flagged.set()
                b_started.wait(5)
                # Give B time to reach the unique index and wait on our rows.
                threading.Event().wait(0.5)
        finally:
            connection.close()

    def worker_b():
        try:
            a_flagged.wait(5)
            b_started.set()
            reports["b"] = sweep_deadlines(now=moment)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker_a), threading.Thread(target=worker_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert reports["a"].overdue == 3 and reports["b"].overdue == 0
    assert Escalation.objects.filter(kind="overdue").count() == 3 * 3  # unit, centre, parent
    deliver_notifications()
    subjects = [m["subject"] for m in read_messages(to=dispatcher.email) if "已超期" in m["subject"]]
    assert sorted(subjects) == sorted(f"工单已超期：{a.tracking_number}" for a in appeals)
    assert len(read_messages(to=world.bureau_staff.email)) == len(
        [m for m in read_messages(to=world.bureau_staff.email) if "新工单" in m["subject"]]
    ) + 3


@pytest.mark.django_db(transaction=True)
def test_many_concurrent_sweeps_notify_once(world, resident, dispatcher, deliver_notifications):
    appeals = [services.file_appeal(resident=resident, **world.report()).appeal for _ in range(5)]
    moment = max(part_of(a, world.bureau).due_at for a in appeals) + dt.timedelta(minutes=1)
    barrier = threading.Barrier(4)
    totals = []

    def worker():
        try:
            barrier.wait()
            totals.append(sweep_deadlines(now=moment).overdue)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(totals) == 5
    assert Escalation.objects.filter(kind="overdue", recipient="dispatch_centre").count() == 5
    deliver_notifications()
    assert len([m for m in read_messages(to=dispatcher.email) if "已超期" in m["subject"]]) == 5
