"""Intake by residents, by dispatchers for callers, and from online clues."""

from __future__ import annotations

import re
import threading

import pytest
from django.db import connection
from PIL import Image

from appeals import services
from appeals.enums import AppealState, Channel, ClueState
from appeals.models import Appeal, AppealPhoto, OnlineClue
from portal.exceptions import ConflictError, InvalidError, NotFoundError, PermissionDeniedError
from tests import factories
from tests.appeals.conftest import fake_image, jpeg


def test_resident_files_an_appeal_and_gets_a_tracking_number(world, resident):
    result = services.file_appeal(resident=resident, **world.report(item_id=world.item_unrouted.pk))
    appeal = result.appeal
    assert result.created
    assert re.fullmatch(r"DG-\d{4}-\d{6}", appeal.tracking_number)
    assert appeal.state == AppealState.SUBMITTED and appeal.channel == Channel.WEB
    assert appeal.resident == resident and appeal.contact_phone == "13800138000"
    assert (appeal.dispatch_due_at - appeal.submitted_at).total_seconds() == 2 * 3600
    event = appeal.events.get()
    assert (event.from_state, event.to_state, event.actor_label) == ("", "submitted", "市民")


def test_tracking_numbers_are_sequential(world, resident):
    a = services.file_appeal(resident=resident, **world.report()).appeal
    b = services.file_appeal(resident=resident, **world.report()).appeal
    assert int(b.tracking_number[-6:]) == int(a.tracking_number[-6:]) + 1


def test_urgent_item_gets_30_minute_dispatch_deadline(world, resident):
    appeal = services.file_appeal(resident=resident, **world.report(item_id=world.item_town.pk, area_id=world.area2.pk)).appeal
    assert appeal.urgency == "urgent"
    assert (appeal.dispatch_due_at - appeal.submitted_at).total_seconds() == 30 * 60


def test_not_sure_goes_to_the_dispatch_centre(world, resident):
    appeal = services.file_appeal(resident=resident, **world.report(item_id=None)).appeal
    assert appeal.item is None and appeal.state == AppealState.SUBMITTED
    assert not appeal.work_orders.exists()


def test_same_token_twice_creates_one_appeal(world, resident):
    data = world.report()
    first = services.file_appeal(resident=resident, photos=[jpeg()], **data)
    second = services.file_appeal(resident=resident, photos=[jpeg()], **data)
    assert first.created and not second.created
    assert second.appeal.pk == first.appeal.pk
    assert Appeal.objects.count() == 1 and AppealPhoto.objects.count() == 1


def test_same_token_from_two_residents_is_two_appeals(world, resident):
    data = world.report()
    services.file_appeal(resident=resident, **data)
    services.file_appeal(resident=factories.ResidentFactory(), **data)
    assert Appeal.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_double_submit_at_the_same_moment_creates_one_appeal(world, resident):
    data = world.report()
    barrier = threading.Barrier(2)
    results, errors = [], []

    def submit():
        try:
            barrier.wait()
            results.append(services.file_appeal(resident=resident, **data))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert Appeal.objects.filter(resident=resident).count() == 1
    assert sorted(r.created for r in results) == [False, True]
    assert len({r.appeal.pk for r in results}) == 1


def test_photos_are_stored_without_exif_location(world, resident):
    appeal = services.file_appeal(resident=resident, photos=[jpeg(gps=True), jpeg(colour=(0, 0, 200))], **world.report()).appeal
    photos = list(appeal.photos.order_by("position"))
    assert [p.position for p in photos] == [0, 1]
    with Image.open(photos[0].image.path) as stored:
        assert not stored.getexif()
        assert stored.info.get("exif") is None


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"title": ""}, "title"),
        ({"title": "井盖"}, "title"),
        ({"title": "很" * 81}, "title"),
        ({"description": "太短"}, "description"),
        ({"address": ""}, "address"),
        ({"contact_name": "  "}, "contact_name"),
        ({"contact_phone": "12345"}, "contact_phone"),
        ({"contact_phone": "23800138000"}, "contact_phone"),
        ({"item_id": 999999}, "item"),
        ({"item_id": "abc"}, "item"),
        ({"area_id": 999999}, "area"),
        ({"area_id": None}, "area"),
        ({"latitude": "39.9042", "longitude": "116.4074"}, "latitude"),  # Beijing
        ({"latitude": "23.02", "longitude": ""}, "latitude"),
        ({"latitude": "NaN", "longitude": "113.75"}, "latitude"),
        ({"latitude": "abc", "longitude": "113.75"}, "latitude"),
        ({"idempotency_key": ""}, "idempotency_key"),
        ({"idempotency_key": "short"}, "idempotency_key"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(world, resident, overrides, field):
    with pytest.raises((InvalidError, NotFoundError)) as info:
        services.file_appeal(resident=resident, **world.report(**overrides))
    assert info.value.field == field
    assert str(info.value.message)
    assert Appeal.objects.count() == 0


def test_inactive_item_is_refused(world, resident):
    world.item.active = False
    world.item.save()
    with pytest.raises(NotFoundError) as info:
        services.file_appeal(resident=resident, **world.report())
    assert info.value.code == "unknown_item"
    assert Appeal.objects.count() == 0


def test_coordinates_on_the_city_edge_are_accepted(world, resident):
    appeal = services.file_appeal(resident=resident, **world.report(latitude="22.6", longitude="113.5")).appeal
    assert str(appeal.latitude) == "22.600000"


def test_fake_image_is_refused_and_nothing_is_stored(world, resident, settings):
    with pytest.raises(InvalidError) as info:
        services.file_appeal(resident=resident, photos=[jpeg(), fake_image()], **world.report())
    assert info.value.field == "photos" and "第 2 张" in str(info.value.message)
    assert Appeal.objects.count() == 0 and AppealPhoto.objects.count() == 0


def test_ten_photos_are_refused(world, resident):
    with pytest.raises(InvalidError) as info:
        services.file_appeal(resident=resident, photos=[jpeg(f"{i}.jpg") for i in range(10)], **world.report())
    assert info.value.code == "too_many_photos"
    assert Appeal.objects.count() == 0


def test_unverified_user_cannot_file(world):
    user = factories.UserFactory()
    with pytest.raises(PermissionDeniedError) as info:
        services.file_appeal(resident=user, **world.report())
    assert info.value.status == 403
    assert Appeal.objects.count() == 0


def test_dispatcher_records_a_hotline_call(world, dispatcher):
    caller = factories.ResidentFactory(phone="+8613912345678", phone_verified=True)
    result = services.file_for_caller(
        actor=dispatcher, idempotency_key="hotline-0001", item_id=world.item_unrouted.pk, area_id=world.area.pk,
        urgency="urgent", title="小区停水一整天", description="来电人反映小区从早上开始停水，没有通知。",
        address="测试镇某小区", caller_name="李先生", caller_phone="139 1234 5678",
    )
    appeal = result.appeal
    assert appeal.channel == Channel.HOTLINE and appeal.submitted_by == dispatcher
    assert appeal.resident == caller  # the caller can follow it online
    assert appeal.contact_phone == "13912345678" and appeal.urgency == "urgent"
    assert appeal.events.get().actor_label == "派单中心"
    again = services.file_for_caller(
        actor=dispatcher, idempotency_key="hotline-0001", item_id=None, area_id=world.area.pk, urgency=None,
        title="小区停水一整天", description="来电人反映小区从早上开始停水，没有通知。", address="测试镇某小区",
        caller_name="李先生", caller_phone="13912345678",
    )
    assert not again.created and Appeal.objects.count() == 1


def test_residents_and_units_cannot_record_hotline_calls(world, resident):
    for actor in (resident, world.bureau_staff):
        with pytest.raises(PermissionDeniedError):
            services.file_for_caller(
                actor=actor, idempotency_key="hotline-0002", item_id=None, area_id=world.area.pk, urgency=None,
                title="小区停水一整天", description="来电人反映小区从早上开始停水。", address="测试镇某小区",
                caller_name="李先生", caller_phone="13912345678",
            )
    assert Appeal.objects.count() == 0


def test_online_clue_is_verified_then_converted_once(world, dispatcher):
    clue = services.capture_clue(actor=dispatcher, platform="微博", url="https://weibo.example.cn/p/1",
                                 summary="网友发帖称某路段井盖缺失多日。", area_id=world.area.pk)
    convert = dict(item_id=world.item_unrouted.pk, area_id=world.area.pk, urgency="urgent", title="某路段井盖缺失",
                   description="网友发帖称某路段井盖缺失多日。", address="测试镇某路", contact_name="网格员",
                   contact_phone="13900139000")
    with pytest.raises(ConflictError) as info:
        services.convert_clue(actor=dispatcher, clue_id=clue.pk, **convert)
    assert info.value.code == "clue_not_verified" and Appeal.objects.count() == 0
    services.verify_clue(actor=dispatcher, clue_id=clue.pk, genuine=True, note="网格员现场确认属实")
    appeal = services.convert_clue(actor=dispatcher, clue_id=clue.pk, **convert).appeal
    assert appeal.channel == Channel.ONLINE_CLUE and appeal.source_url == clue.url and appeal.resident is None
    clue.refresh_from_db()
    assert clue.state == ClueState.CONVERTED and clue.appeal == appeal
    with pytest.raises(ConflictError):
        services.convert_clue(actor=dispatcher, clue_id=clue.pk, **convert)
    assert Appeal.objects.count() == 1


def test_rejected_clue_cannot_be_converted_and_duplicate_link_is_refused(world, dispatcher):
    clue = services.capture_clue(actor=dispatcher, platform="论坛", url="https://bbs.example.cn/t/2",
                                 summary="网友反映某地夜间施工扰民。")
    services.verify_clue(actor=dispatcher, clue_id=clue.pk, genuine=False, note="核实为外地信息")
    with pytest.raises(ConflictError) as info:
        services.convert_clue(actor=dispatcher, clue_id=clue.pk, item_id=None, area_id=world.area.pk, urgency=None,
                              title="夜间施工扰民", description="网友反映某地夜间施工扰民。", address="测试镇某工地",
                              contact_name="无", contact_phone="13900139000")
    assert info.value.code == "clue_not_verified"
    with pytest.raises(ConflictError) as info:
        services.capture_clue(actor=dispatcher, platform="论坛", url="https://bbs.example.cn/t/2", summary="网友反映某地夜间施工扰民。")
    assert info.value.code == "duplicate_clue"
    assert OnlineClue.objects.count() == 1 and Appeal.objects.count() == 0
