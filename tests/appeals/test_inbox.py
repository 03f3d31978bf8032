"""A unit's inbox at city scale: each work order carries its appeal's state
(WorkOrder.appeal_state, kept by the database's triggers), so the four lists
and their counts are ranges of the partial index appeals_assignment_open."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from appeals import selectors, services
from appeals.enums import AppealState, InboxBucket, PartState
from appeals.models import WorkOrder
from appeals.models.work import OPEN_FOR_UNIT
from tests import factories
from tests.appeals.conftest import part_of


def copies_match(appeal) -> bool:
    appeal.refresh_from_db()
    return set(appeal.work_orders.values_list("appeal_state", flat=True)) == {appeal.state}


def inbox_of(unit) -> tuple[dict, list]:
    now = timezone.now()
    listed = {wo.pk for bucket in InboxBucket.values for wo in selectors.unit_inbox(unit=unit, bucket=bucket, now=now)}
    return selectors.unit_inbox_counts(unit=unit, now=now), listed


@pytest.fixture
def co_handled(world, resident):
    """Primary: the town; co-handler: the environment bureau."""
    return services.file_appeal(resident=resident, **world.report(item_id=world.item_town.pk)).appeal


def test_every_work_order_follows_its_appeals_state_through_the_flow(world, co_handled):
    town, eco = part_of(co_handled, world.town), part_of(co_handled, world.eco)
    assert town.appeal_state == eco.appeal_state == AppealState.DISPATCHED  # returned by the INSERT itself
    services.accept_part(actor=world.eco_staff, work_order_id=eco.pk)
    assert copies_match(co_handled) and co_handled.state == AppealState.DISPATCHED
    services.accept_part(actor=world.town_staff, work_order_id=town.pk)
    assert copies_match(co_handled) and co_handled.state == AppealState.ACCEPTED
    services.reply_to_appeal(actor=world.town_staff, work_order_id=town.pk, body="已责令工地夜间停工，明日复查。")
    assert copies_match(co_handled) and co_handled.state == AppealState.REPLIED
    assert inbox_of(world.eco)[0][InboxBucket.IN_PROGRESS] == 1
    services.resolve_appeal(actor=world.town_staff, work_order_id=town.pk, summary="工地已停止夜间施工，经回访居民确认。")
    assert copies_match(co_handled) and co_handled.state == AppealState.RESOLVED
    # The co-handler never replied: its part is still open, but the appeal left handling.
    assert part_of(co_handled, world.eco).state == PartState.ACCEPTED
    assert inbox_of(world.eco) == ({b: 0 for b in InboxBucket.values}, set())


def test_a_primary_return_takes_the_co_handlers_part_out_of_its_inbox_until_dispatched_again(
    world, co_handled, dispatcher
):
    town, eco = part_of(co_handled, world.town), part_of(co_handled, world.eco)
    counts, listed = inbox_of(world.eco)
    assert counts["new"] == 1 and counts["in_progress"] == 0 and listed == {eco.pk}
    services.return_part(actor=world.town_staff, work_order_id=town.pk, reason="噪音源在示范镇辖区")
    assert copies_match(co_handled) and co_handled.state == AppealState.RETURNED
    assert inbox_of(world.eco) == ({b: 0 for b in InboxBucket.values}, set())
    services.dispatch_appeal(actor=dispatcher, appeal_id=co_handled.pk, primary_unit_id=world.bureau.pk,
                             co_unit_ids=[world.eco.pk], reason="改派城市管理局主办")
    assert copies_match(co_handled) and co_handled.state == AppealState.DISPATCHED
    counts, listed = inbox_of(world.eco)
    assert counts["new"] == 1 and listed == {part_of(co_handled, world.eco).pk}  # its part, open again


def test_the_database_keeps_the_copy_whatever_writes_it(world):
    part = factories.WorkOrderFactory(unit=world.bureau, appeal__state=AppealState.ACCEPTED, state=PartState.ACCEPTED)
    assert part.appeal_state == AppealState.ACCEPTED
    with connection.cursor() as cursor:
        cursor.execute("UPDATE appeals_appeal SET state = 'resolved' WHERE id = %s", [part.appeal_id])
        cursor.execute("UPDATE appeals_assignment SET appeal_state = 'accepted' WHERE id = %s", [part.pk])
    part.refresh_from_db()
    assert part.appeal_state == AppealState.RESOLVED
    part.appeal_state = AppealState.DISPATCHED
    part.save()  # a full save writes the stale copy: the trigger reads the appeal again
    part.refresh_from_db()
    assert part.appeal_state == AppealState.RESOLVED
    assert not WorkOrder.objects.exclude(appeal_state=AppealState.RESOLVED).exists()


def test_inbox_counts_and_lists_read_only_the_partial_index(world):
    now = timezone.now()
    for _ in range(3):
        factories.WorkOrderFactory(unit=world.bureau)
    done = factories.WorkOrderFactory(unit=world.bureau, state=PartState.RESOLVED, appeal__state=AppealState.CLOSED)
    with connection.cursor() as cursor:
        # A unit at city scale: its finished work orders outnumber the open ones by far.
        cursor.execute(
            """INSERT INTO appeals_assignment (appeal_id, unit_id, role, state, instructions, dispatched_at, return_until,
                                               due_soon_at, due_at, return_reason)
               SELECT appeal_id, unit_id, role, state, '', dispatched_at, return_until, due_soon_at, due_at, ''
               FROM appeals_assignment, generate_series(1, 3000) WHERE id = %s""",
            [done.pk],
        )
        cursor.execute("ANALYZE appeals_assignment")
        counted = WorkOrder.objects.filter(OPEN_FOR_UNIT, unit=world.bureau).order_by().explain()
        plans = [counted] + [
            selectors.unit_inbox(unit=world.bureau, bucket=bucket, now=now)[20:40].explain() for bucket in InboxBucket.values
        ]
    for plan in plans:
        assert "appeals_assignment_open" in plan, plan
    assert "appeals_appeal" not in counted, counted  # no appeal is read to count


def test_the_inbox_buckets_by_deadline_on_the_copy(world):
    now = timezone.now()
    with time_machine.travel(now - dt.timedelta(days=6), tick=False):
        overdue = factories.WorkOrderFactory(unit=world.bureau, state=PartState.ACCEPTED, appeal__state=AppealState.ACCEPTED)
    with time_machine.travel(now - dt.timedelta(days=4, hours=12), tick=False):
        due_soon = factories.WorkOrderFactory(unit=world.bureau)
    new = factories.WorkOrderFactory(unit=world.bureau)
    factories.WorkOrderFactory(unit=world.bureau, appeal__state=AppealState.RETURNED)  # left handling
    counts = selectors.unit_inbox_counts(unit=world.bureau, now=now)
    assert counts == {"new": 2, "in_progress": 1, "due_soon": 1, "overdue": 1}
    assert [wo.pk for wo in selectors.unit_inbox(unit=world.bureau, bucket=InboxBucket.NEW, now=now)] == [due_soon.pk, new.pk]
    assert [wo.pk for wo in selectors.unit_inbox(unit=world.bureau, bucket=InboxBucket.OVERDUE, now=now)] == [overdue.pk]
    assert [wo.pk for wo in selectors.unit_inbox(unit=world.bureau, bucket=InboxBucket.DUE_SOON, now=now)] == [due_soon.pk]


def test_the_planner_knows_how_many_work_orders_are_open(world):
    """Open work orders are those whose appeal is in handling: the columns are
    correlated, and taken as independent they gave an estimate a hundred times
    too small at ten million appeals (a join and a sort of every open work
    order instead of the index in deadline order). Migration 0020's
    statistics over role, state and appeal_state give the real share."""
    part = factories.WorkOrderFactory(unit=world.bureau, state=PartState.ACCEPTED, appeal__state=AppealState.ACCEPTED)
    done = factories.WorkOrderFactory(unit=world.bureau, state=PartState.RESOLVED, appeal__state=AppealState.CLOSED)
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO appeals_appeal
               SELECT (jsonb_populate_record(NULL::appeals_appeal, to_jsonb(a) || jsonb_build_object(
                   'id', a.id + 100000 + n, 'tracking_number', a.tracking_number || '-' || n, 'idempotency_key', a.idempotency_key || '-' || n))).*
               FROM appeals_appeal a, generate_series(1, 999) n WHERE a.id = %s""",
            [part.appeal_id],
        )
        cursor.execute(
            """INSERT INTO appeals_assignment (appeal_id, unit_id, role, state, instructions, dispatched_at, return_until,
                                               due_soon_at, due_at, return_reason)
               SELECT p.appeal_id + 100000 + n, unit_id, role, state, '', dispatched_at, return_until, due_soon_at, due_at, ''
               FROM appeals_assignment p, generate_series(1, 999) n WHERE p.id = %s
               UNION ALL
               SELECT appeal_id, unit_id, role, state, '', dispatched_at, return_until, due_soon_at, due_at, ''
               FROM appeals_assignment, generate_series(1, 3000) WHERE id = %s""",
            [part.pk, done.pk],
        )
        cursor.execute("ANALYZE appeals_assignment")
    plan = WorkOrder.objects.filter(OPEN_FOR_UNIT, unit=world.bureau).order_by().explain()
    expected = int(plan.split("rows=")[1].split()[0])
    assert WorkOrder.objects.filter(OPEN_FOR_UNIT, unit=world.bureau).count() == 1000
    assert 700 <= expected <= 1300, plan
