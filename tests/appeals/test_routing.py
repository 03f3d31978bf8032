"""Routing from the responsibility list, automatic dispatch, manual dispatch."""

from __future__ import annotations

import pytest

from appeals import selectors, services
from appeals.enums import AppealState, PartRole
from appeals.models import WorkOrder
from portal.exceptions import ConflictError, InvalidError, NotFoundError, PermissionDeniedError
from tests import factories
from tests.appeals.conftest import part_of


def test_area_row_wins_over_city_wide_row(world):
    route = selectors.suggest_route(item=world.item_town, area=world.area)
    assert route.primary_unit == world.town and route.co_units == [world.eco] and route.area_specific


def test_city_wide_row_applies_to_other_areas(world):
    route = selectors.suggest_route(item=world.item_town, area=world.area2)
    assert route.primary_unit == world.bureau and route.co_units == [] and not route.area_specific


def test_no_row_or_no_item_means_no_suggestion(world):
    assert selectors.suggest_route(item=world.item_unrouted, area=world.area) is None
    assert selectors.suggest_route(item=None, area=world.area) is None


def test_unambiguous_item_is_dispatched_automatically(world, resident):
    appeal = services.file_appeal(resident=resident, **world.report(item_id=world.item_town.pk)).appeal
    assert appeal.state == AppealState.DISPATCHED and appeal.primary_unit == world.town
    parts = {(p.unit, p.role) for p in appeal.work_orders.all()}
    assert parts == {(world.town, PartRole.PRIMARY), (world.eco, PartRole.CO_HANDLER)}
    event = appeal.events.filter(to_state="dispatched").get()
    assert event.actor is None and event.actor_label == "系统" and "自动派单" in event.reason


def test_auto_dispatch_setting_off_leaves_it_to_the_centre(world, resident, settings):
    settings.APPEALS_AUTO_DISPATCH = False
    appeal = services.file_appeal(resident=resident, **world.report()).appeal
    assert appeal.state == AppealState.SUBMITTED and not appeal.work_orders.exists()


@pytest.mark.parametrize("closed", ["town", "eco"])
def test_a_route_through_a_deactivated_unit_is_left_to_the_centre(world, resident, closed):
    unit = getattr(world, closed)
    unit.is_active = False
    unit.save(update_fields=["is_active"])
    appeal = services.file_appeal(resident=resident, **world.report(item_id=world.item_town.pk)).appeal
    assert appeal.state == AppealState.SUBMITTED and not appeal.work_orders.exists()


def test_row_marked_manual_is_not_dispatched_automatically(world, resident):
    appeal = services.file_appeal(resident=resident, **world.report(item_id=world.item_manual.pk)).appeal
    assert appeal.state == AppealState.SUBMITTED


def test_dispatcher_confirms_a_route_with_co_handlers_and_instructions(world, dispatcher, unrouted):
    appeal = services.dispatch_appeal(
        actor=dispatcher, appeal_id=unrouted.pk, item_id=world.item.pk, urgency="urgent",
        primary_unit_id=world.bureau.pk, co_unit_ids=[world.eco.pk, world.town.pk],
        instructions={world.eco.pk: "检测水质", world.bureau.pk: "补装井盖"},
    )
    assert appeal.state == AppealState.DISPATCHED and appeal.urgency == "urgent" and appeal.item == world.item
    assert part_of(appeal, world.eco).instructions == "检测水质"
    assert part_of(appeal, world.bureau).instructions == "补装井盖"
    primary = part_of(appeal, world.bureau)
    assert primary.role == PartRole.PRIMARY and appeal.handling_due_at == primary.due_at
    assert part_of(appeal, world.town).due_at == primary.due_at
    # 3 working days from the item.
    assert (primary.due_at - primary.dispatched_at).days >= 3


def test_not_sure_appeal_needs_an_item_before_dispatch(world, dispatcher, resident):
    appeal = services.file_appeal(resident=resident, **world.report(item_id=None)).appeal
    with pytest.raises(InvalidError) as info:
        services.dispatch_appeal(actor=dispatcher, appeal_id=appeal.pk, primary_unit_id=world.bureau.pk)
    assert info.value.code == "item_required"
    appeal.refresh_from_db()
    assert appeal.state == AppealState.SUBMITTED and not WorkOrder.objects.exists()


@pytest.mark.parametrize("kwargs,code", [
    ({"primary_unit_id": 999999}, "unknown_unit"),
    ({"primary_unit_id": "x"}, "unknown_unit"),
    ({"co_unit_ids": [999999]}, "unknown_unit"),
    ({"co_unit_ids": ["PRIMARY"]}, "primary_is_co"),
    ({"item_id": 999999}, "unknown_item"),
    ({"urgency": "panic"}, "invalid_urgency"),
])
def test_forged_dispatch_ids_are_refused(world, dispatcher, unrouted, kwargs, code):
    args = {"primary_unit_id": world.bureau.pk, "item_id": world.item.pk, **kwargs}
    if args.get("co_unit_ids") == ["PRIMARY"]:
        args["co_unit_ids"] = [world.bureau.pk]
    with pytest.raises((InvalidError, NotFoundError)) as info:
        services.dispatch_appeal(actor=dispatcher, appeal_id=unrouted.pk, **args)
    assert info.value.code == code
    unrouted.refresh_from_db()
    assert unrouted.state == AppealState.SUBMITTED and not WorkOrder.objects.exists()


@pytest.mark.parametrize("as_co_unit", [False, True])
def test_a_deactivated_unit_is_not_sent_new_work(world, dispatcher, unrouted, as_co_unit):
    """A portal administrator deactivated the unit: nobody answers there."""
    closed = factories.UnitFactory(name="已撤并的单位", is_active=False)
    args = {"primary_unit_id": world.bureau.pk, "co_unit_ids": [closed.pk]} if as_co_unit else {"primary_unit_id": closed.pk}
    with pytest.raises(ConflictError) as info:
        services.dispatch_appeal(actor=dispatcher, appeal_id=unrouted.pk, item_id=world.item.pk, **args)
    assert info.value.code == "unit_inactive" and "已停用" in info.value.message
    unrouted.refresh_from_db()
    assert unrouted.state == AppealState.SUBMITTED and not WorkOrder.objects.exists()


def test_only_dispatchers_dispatch(world, unrouted, organiser, resident):
    for actor in (organiser, resident, world.bureau_staff):
        with pytest.raises(PermissionDeniedError) as info:
            services.dispatch_appeal(actor=actor, appeal_id=unrouted.pk, item_id=world.item.pk, primary_unit_id=world.bureau.pk)
        assert info.value.status == 403
    unrouted.refresh_from_db()
    assert unrouted.state == AppealState.SUBMITTED


def test_redispatch_after_return_needs_a_reason_and_replaces_the_parts(world, dispatcher, dispatched):
    part = part_of(dispatched, world.bureau)
    services.return_part(actor=world.bureau_staff, work_order_id=part.pk, reason="井盖属于供水公司的管网设施")
    with pytest.raises(InvalidError) as info:
        services.dispatch_appeal(actor=dispatcher, appeal_id=dispatched.pk, primary_unit_id=world.town.pk)
    assert info.value.code == "reason_required"
    appeal = services.dispatch_appeal(actor=dispatcher, appeal_id=dispatched.pk, primary_unit_id=world.town.pk,
                                      reason="改派属地镇街")
    assert appeal.primary_unit == world.town and appeal.return_count == 1
    assert part_of(appeal, world.bureau).state == "returned"
    assert part_of(appeal, world.town).state == "dispatched"
