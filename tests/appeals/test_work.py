"""Unit work: accept, return within the window, reply, resolve, co-handlers, notes, extensions."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from appeals import services
from appeals.enums import AppealState, PartState
from appeals.models import AppealEvent, ExtensionRequest, InternalNote, Reply
from portal.exceptions import ConflictError, InvalidError, NotFoundError, PermissionDeniedError
from tests.appeals.conftest import jpeg, part_of


def snapshot(appeal):
    appeal.refresh_from_db()
    return (appeal.state, list(appeal.work_orders.values_list("state", flat=True).order_by("pk")),
            appeal.events.count(), appeal.replies.count())


def test_unit_cannot_act_on_another_units_part(world, dispatched):
    part = part_of(dispatched, world.bureau)
    before = snapshot(dispatched)
    for call in (
        lambda: services.accept_part(actor=world.other_staff, work_order_id=part.pk),
        lambda: services.return_part(actor=world.other_staff, work_order_id=part.pk, reason="不是我们的事情"),
        lambda: services.reply_to_appeal(actor=world.other_staff, work_order_id=part.pk, body="我们来答复一下这件事。"),
        lambda: services.resolve_appeal(actor=world.other_staff, work_order_id=part.pk, summary="已经办完了这件事情。"),
        lambda: services.request_extension(actor=world.other_staff, work_order_id=part.pk, extra_working_days=3, reason="需要更多时间"),
    ):
        with pytest.raises(PermissionDeniedError) as info:
            call()
        assert info.value.status == 403 and "不属于你的单位" in str(info.value.message)
    assert snapshot(dispatched) == before


def test_residents_and_dispatchers_cannot_work_a_part(world, dispatched, resident, dispatcher):
    part = part_of(dispatched, world.bureau)
    for actor in (resident, dispatcher):
        with pytest.raises(PermissionDeniedError):
            services.accept_part(actor=actor, work_order_id=part.pk)
    assert part_of(dispatched, world.bureau).state == PartState.DISPATCHED


def test_forged_part_id_is_not_found(world):
    with pytest.raises(NotFoundError) as info:
        services.accept_part(actor=world.bureau_staff, work_order_id=987654)
    assert info.value.status == 404


def test_return_within_window_goes_back_to_the_centre(world, dispatched, settings):
    part = part_of(dispatched, world.bureau)
    with time_machine.travel(part.dispatched_at + dt.timedelta(hours=23), tick=False):
        services.return_part(actor=world.bureau_staff, work_order_id=part.pk, reason="井盖属于供水公司")
    dispatched.refresh_from_db()
    part.refresh_from_db()
    assert dispatched.state == AppealState.RETURNED and dispatched.return_count == 1
    assert part.state == PartState.RETURNED and part.return_reason == "井盖属于供水公司"
    event = dispatched.events.filter(to_state="returned").get()
    assert event.reason == "井盖属于供水公司" and "井盖属于" not in event.public_text


def test_return_after_the_window_is_refused(world, dispatched):
    part = part_of(dispatched, world.bureau)
    before = snapshot(dispatched)
    with time_machine.travel(part.dispatched_at + dt.timedelta(hours=24, minutes=1), tick=False):
        with pytest.raises(ConflictError) as info:
            services.return_part(actor=world.bureau_staff, work_order_id=part.pk, reason="井盖属于供水公司")
    assert info.value.code == "return_window_closed" and "首接负责" in str(info.value.message)
    assert snapshot(dispatched) == before


def test_return_needs_a_reason(world, dispatched):
    part = part_of(dispatched, world.bureau)
    with pytest.raises(InvalidError) as info:
        services.return_part(actor=world.bureau_staff, work_order_id=part.pk, reason="  ")
    assert info.value.field == "reason"
    assert part_of(dispatched, world.bureau).state == PartState.DISPATCHED


def test_reply_before_accepting_is_refused(world, dispatched):
    part = part_of(dispatched, world.bureau)
    before = snapshot(dispatched)
    with pytest.raises(ConflictError):
        services.reply_to_appeal(actor=world.bureau_staff, work_order_id=part.pk, body="已安排人员到现场核查。")
    assert snapshot(dispatched) == before


def test_resolving_without_a_reply_is_refused(world, dispatched):
    part = part_of(dispatched, world.bureau)
    services.accept_part(actor=world.bureau_staff, work_order_id=part.pk)
    before = snapshot(dispatched)
    with pytest.raises(ConflictError) as info:
        services.resolve_appeal(actor=world.bureau_staff, work_order_id=part.pk, summary="井盖已经更换完毕，恢复通行。", photos=[jpeg()])
    assert info.value.code == "transition_not_allowed"
    assert snapshot(dispatched) == before and not dispatched.photos.exists()


def test_resolve_with_photos_after(world, dispatched):
    part = part_of(dispatched, world.bureau)
    services.accept_part(actor=world.bureau_staff, work_order_id=part.pk)
    services.reply_to_appeal(actor=world.bureau_staff, work_order_id=part.pk, body="已安排人员今天下午到现场处理。")
    appeal = services.resolve_appeal(actor=world.bureau_staff, work_order_id=part.pk, summary="已补装井盖，恢复通行。",
                                     photos=[jpeg("a.jpg"), jpeg("b.jpg")])
    assert appeal.state == AppealState.RESOLVED and appeal.resolution == "已补装井盖，恢复通行。"
    assert list(appeal.photos.filter(kind="after").values_list("position", flat=True)) == [0, 1]


def test_co_handler_replies_to_its_part_but_cannot_resolve(world, resident):
    appeal = services.file_appeal(resident=resident, **world.report(item_id=world.item_town.pk)).appeal
    co = part_of(appeal, world.eco)
    services.accept_part(actor=world.eco_staff, work_order_id=co.pk)
    services.reply_to_appeal(actor=world.eco_staff, work_order_id=co.pk, body="我局已对工地噪声进行监测，超标已立案。")
    appeal.refresh_from_db()
    assert appeal.state == AppealState.DISPATCHED  # the co-handler does not move the appeal
    assert part_of(appeal, world.eco).state == PartState.REPLIED
    assert Reply.objects.get().unit == world.eco
    with pytest.raises(PermissionDeniedError) as info:
        services.resolve_appeal(actor=world.eco_staff, work_order_id=co.pk, summary="噪声问题已经处理完毕。")
    assert info.value.code == "co_handler_cannot_resolve"
    primary = part_of(appeal, world.town)
    services.accept_part(actor=world.town_staff, work_order_id=primary.pk)
    services.reply_to_appeal(actor=world.town_staff, work_order_id=primary.pk, body="已责令工地夜间停工。")
    services.resolve_appeal(actor=world.town_staff, work_order_id=primary.pk, summary="工地已停止夜间施工，经回访居民确认。")
    appeal.refresh_from_db()
    assert appeal.state == AppealState.RESOLVED


def test_internal_note_is_staff_only(world, dispatched, dispatcher, resident):
    services.add_internal_note(actor=world.bureau_staff, appeal_id=dispatched.pk, body="需联系供水公司确认产权")
    services.add_internal_note(actor=dispatcher, appeal_id=dispatched.pk, body="已电话催办")
    assert InternalNote.objects.count() == 2
    assert not dispatched.events.filter(kind="note", public=True).exists()
    for outsider in (resident, world.other_staff):
        with pytest.raises(PermissionDeniedError):
            services.add_internal_note(actor=outsider, appeal_id=dispatched.pk, body="看看")
    assert InternalNote.objects.count() == 2


def test_extension_granted_moves_the_deadline_by_working_days(world, dispatched, dispatcher):
    part = part_of(dispatched, world.bureau)
    old_due = part.due_at
    request = services.request_extension(actor=world.bureau_staff, work_order_id=part.pk, extra_working_days=2,
                                         reason="需要等待配件到货")
    with pytest.raises(ConflictError) as info:
        services.request_extension(actor=world.bureau_staff, work_order_id=part.pk, extra_working_days=2, reason="再申请一次")
    assert info.value.code == "extension_pending"
    with pytest.raises(PermissionDeniedError):
        services.decide_extension(actor=world.bureau_staff, extension_id=request.pk, grant=True)
    services.decide_extension(actor=dispatcher, extension_id=request.pk, grant=True, note="同意")
    part.refresh_from_db()
    dispatched.refresh_from_db()
    assert part.due_at > old_due and dispatched.handling_due_at == part.due_at
    request.refresh_from_db()
    assert (request.state, request.previous_due_at, request.new_due_at) == ("granted", old_due, part.due_at)
    assert dispatched.events.filter(kind="extension_decided", public=True).exists()
    with pytest.raises(ConflictError):
        services.decide_extension(actor=dispatcher, extension_id=request.pk, grant=False)


def test_extension_refused_keeps_the_deadline(world, dispatched, dispatcher):
    part = part_of(dispatched, world.bureau)
    request = services.request_extension(actor=world.bureau_staff, work_order_id=part.pk, extra_working_days=5, reason="人手不足，需要协调")
    services.decide_extension(actor=dispatcher, extension_id=request.pk, grant=False, note="请按时办理")
    assert part_of(dispatched, world.bureau).due_at == part.due_at
    assert ExtensionRequest.objects.get().state == "refused"


@pytest.mark.parametrize("days", [0, 31, "x"])
def test_absurd_extension_is_refused(world, dispatched, days):
    part = part_of(dispatched, world.bureau)
    with pytest.raises(InvalidError):
        services.request_extension(actor=world.bureau_staff, work_order_id=part.pk, extra_working_days=days, reason="需要更多时间")
    assert not ExtensionRequest.objects.exists()


def test_every_write_is_on_the_timeline(world, dispatched):
    part = part_of(dispatched, world.bureau)
    services.accept_part(actor=world.bureau_staff, work_order_id=part.pk)
    kinds = list(AppealEvent.objects.filter(appeal=dispatched).values_list("kind", "actor_id"))
    assert kinds[-1] == ("transition", world.bureau_staff.pk)
    assert AppealEvent.objects.filter(appeal=dispatched).last().created_at <= timezone.now()
