"""The two transition tables, walked exhaustively, and the services that use them."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from appeals import services
from appeals.enums import (
    APPEAL_TRANSITIONS,
    PART_TRANSITIONS,
    AppealAction,
    AppealState,
    PartAction,
    PartState,
)
from appeals.models import AppealEvent, WorkOrder
from appeals.services.common import next_appeal_state, next_part_state
from portal.exceptions import ConflictError
from tests import factories

S, A = AppealState, AppealAction
# Written out by hand: what the product rules allow (DESIGN.md, Appeals).
EXPECTED_APPEAL = {
    (S.SUBMITTED, A.DISPATCH): S.DISPATCHED,
    (S.RETURNED, A.DISPATCH): S.DISPATCHED,
    (S.REOPENED, A.DISPATCH): S.DISPATCHED,
    (S.DISPATCHED, A.ACCEPT): S.ACCEPTED,
    (S.DISPATCHED, A.RETURN): S.RETURNED,
    (S.ACCEPTED, A.RETURN): S.RETURNED,
    (S.ACCEPTED, A.REPLY): S.REPLIED,
    (S.REPLIED, A.REPLY): S.REPLIED,
    (S.REPLIED, A.RESOLVE): S.RESOLVED,
    (S.RESOLVED, A.RATE): S.RATED,
    # The resident's one re-rating after a verified rectification (issue 7).
    (S.RATED, A.RATE): S.RATED,
    (S.RESOLVED, A.CLOSE): S.CLOSED,
    (S.RATED, A.CLOSE): S.CLOSED,
    (S.RESOLVED, A.REOPEN): S.REOPENED,
    (S.RATED, A.REOPEN): S.REOPENED,
}
P, PA = PartState, PartAction
EXPECTED_PART = {
    (P.DISPATCHED, PA.ACCEPT): P.ACCEPTED,
    (P.DISPATCHED, PA.RETURN): P.RETURNED,
    (P.ACCEPTED, PA.RETURN): P.RETURNED,
    (P.ACCEPTED, PA.REPLY): P.REPLIED,
    (P.REPLIED, PA.REPLY): P.REPLIED,
    (P.REPLIED, PA.RESOLVE): P.RESOLVED,
    (P.DISPATCHED, PA.CANCEL): P.CANCELLED,
    (P.ACCEPTED, PA.CANCEL): P.CANCELLED,
    (P.REPLIED, PA.CANCEL): P.CANCELLED,
}


def test_appeal_table_is_exactly_the_product_rules():
    assert APPEAL_TRANSITIONS == EXPECTED_APPEAL


def test_part_table_is_exactly_the_product_rules():
    assert PART_TRANSITIONS == EXPECTED_PART


@pytest.mark.parametrize("state,action", list(itertools.product(AppealState.values, AppealAction.values)))
def test_every_appeal_state_action_pair(state, action):
    if (state, action) in EXPECTED_APPEAL:
        assert next_appeal_state(state, action) == EXPECTED_APPEAL[(state, action)]
    else:
        with pytest.raises(ConflictError) as info:
            next_appeal_state(state, action)
        assert info.value.code == "transition_not_allowed" and info.value.status == 409


@pytest.mark.parametrize("state,action", list(itertools.product(PartState.values, PartAction.values)))
def test_every_part_state_action_pair(state, action):
    if (state, action) in EXPECTED_PART:
        assert next_part_state(state, action) == EXPECTED_PART[(state, action)]
    else:
        with pytest.raises(ConflictError):
            next_part_state(state, action)


# The part that goes with each appeal state when a unit is (or was) on it.
PART_FOR = {
    S.SUBMITTED: P.CANCELLED, S.DISPATCHED: P.DISPATCHED, S.ACCEPTED: P.ACCEPTED, S.RETURNED: P.RETURNED,
    S.REPLIED: P.REPLIED, S.RESOLVED: P.RESOLVED, S.RATED: P.RESOLVED, S.CLOSED: P.RESOLVED, S.REOPENED: P.RESOLVED,
}


def appeal_in(world, state):
    now = timezone.now()
    appeal = factories.AppealFactory(item=world.item, area=world.area, state=state, primary_unit=world.bureau,
                                     resolved_at=now if state in (S.RESOLVED, S.RATED, S.CLOSED, S.REOPENED) else None)
    part = WorkOrder.objects.create(
        appeal=appeal, unit=world.bureau, role="primary", state=PART_FOR[state], dispatched_at=now,
        return_until=now + dt.timedelta(hours=24), due_soon_at=now + dt.timedelta(days=2), due_at=now + dt.timedelta(days=3),
    )
    return appeal, part


def run(action, world, dispatcher, appeal, part):
    staff = world.bureau_staff
    if action == A.DISPATCH:
        return services.dispatch_appeal(actor=dispatcher, appeal_id=appeal.pk, primary_unit_id=world.bureau.pk, reason="改派处理")
    if action == A.ACCEPT:
        return services.accept_part(actor=staff, work_order_id=part.pk)
    if action == A.RETURN:
        return services.return_part(actor=staff, work_order_id=part.pk, reason="不属于本单位职责范围")
    if action == A.REPLY:
        return services.reply_to_appeal(actor=staff, work_order_id=part.pk, body="已安排人员到现场核查处理。")
    if action == A.RESOLVE:
        return services.resolve_appeal(actor=staff, work_order_id=part.pk, summary="井盖已更换，现场已恢复正常通行。")
    raise AssertionError(action)


SERVICE_ACTIONS = [A.DISPATCH, A.ACCEPT, A.RETURN, A.REPLY, A.RESOLVE]


@pytest.mark.parametrize("state,action", list(itertools.product(AppealState.values, SERVICE_ACTIONS)))
def test_services_follow_the_table_in_every_state(world, dispatcher, state, action):
    appeal, part = appeal_in(world, state)
    events = AppealEvent.objects.filter(appeal=appeal).count()
    if (state, action) in EXPECTED_APPEAL:
        run(action, world, dispatcher, appeal, part)
        appeal.refresh_from_db()
        assert appeal.state == EXPECTED_APPEAL[(state, action)]
        if state == appeal.state:
            # A further reply is recorded as a reply, not as a state change.
            assert AppealEvent.objects.filter(appeal=appeal, kind="reply").count() == 1
        else:
            transition = AppealEvent.objects.filter(appeal=appeal, kind="transition").last()
            assert (transition.from_state, transition.to_state) == (state, appeal.state)
    else:
        with pytest.raises(ConflictError):
            run(action, world, dispatcher, appeal, part)
        appeal.refresh_from_db()
        part.refresh_from_db()
        assert appeal.state == state
        assert part.state == PART_FOR[state]
        assert AppealEvent.objects.filter(appeal=appeal).count() == events


def test_full_flow_writes_one_event_per_transition(world, dispatcher, unrouted):
    appeal = services.dispatch_appeal(actor=dispatcher, appeal_id=unrouted.pk, item_id=world.item.pk,
                                      primary_unit_id=world.bureau.pk)
    part = appeal.work_orders.get()
    services.accept_part(actor=world.bureau_staff, work_order_id=part.pk)
    services.reply_to_appeal(actor=world.bureau_staff, work_order_id=part.pk, body="已派人到现场核查，今天内处理。")
    services.resolve_appeal(actor=world.bureau_staff, work_order_id=part.pk, summary="已补装井盖并设置警示标志。")
    moves = list(AppealEvent.objects.filter(appeal=appeal, kind="transition").values_list("from_state", "to_state"))
    assert moves == [("", "submitted"), ("submitted", "dispatched"), ("dispatched", "accepted"),
                     ("accepted", "replied"), ("replied", "resolved")]
    appeal.refresh_from_db()
    assert appeal.resolved_at is not None and appeal.first_reply_at is not None


@pytest.mark.django_db(transaction=True)
def test_timeline_rows_cannot_be_updated_or_deleted_even_in_sql(world, resident):
    from django.db import connection, transaction
    from django.db.utils import ProgrammingError

    appeal = services.file_appeal(resident=resident, **world.report(item_id=world.item_unrouted.pk)).appeal
    event = appeal.events.get()
    with pytest.raises(ValueError):
        event.save()
    for statement in ("UPDATE appeals_appealevent SET reason = 'x' WHERE id = %s", "DELETE FROM appeals_appealevent WHERE id = %s"):
        with pytest.raises(ProgrammingError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [event.pk])
    assert AppealEvent.objects.get(pk=event.pk).reason == event.reason
