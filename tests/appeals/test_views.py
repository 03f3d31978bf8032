"""The pages: intake form, tracking, inbox, dispatch centre, staff actions, constant query counts."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import time_machine
from django.urls import reverse

from appeals import services
from appeals.models import Appeal, AppealPhoto, OnlineClue
from tests import factories
from tests.appeals.conftest import jpeg, part_of


def form_data(world, **overrides):
    data = {"item": world.item.pk, "area": world.area.pk, "title": "路口井盖缺失",
            "description": "测试路与示范街交叉口的井盖不见了，晚上很危险。", "address": "测试镇测试路1号",
            "latitude": "", "longitude": "", "contact_name": "陈女士", "contact_phone": "13800138000",
            "publish_consent": "on", "idempotency_key": uuid.uuid4().hex}
    data.update(overrides)
    return data


def test_appeals_home_is_public_and_in_the_nav(client, db):
    response = client.get(reverse("appeals:home"))
    assert response.status_code == 200
    assert 'href="/appeals/"' in response.content.decode()


def test_intake_form_has_camera_input_token_and_not_sure(client, world, resident):
    client.force_login(resident)
    page = client.get(reverse("appeals:new")).content.decode()
    assert 'capture="environment"' in page and 'accept="image/*"' in page and "multiple" in page
    assert 'name="idempotency_key"' in page and "不确定" in page and world.item.name in page


def test_unverified_user_is_sent_to_verify(client, world):
    client.force_login(factories.UserFactory())
    response = client.get(reverse("appeals:new"))
    assert response.status_code == 302 and response.url == reverse("account_email")


def test_filing_through_the_form_twice_makes_one_appeal(client, world, resident):
    client.force_login(resident)
    data = form_data(world, photos=[jpeg()])
    first = client.post(reverse("appeals:new"), data)
    data["photos"] = [jpeg()]
    second = client.post(reverse("appeals:new"), data)
    appeal = Appeal.objects.get()
    assert first.url == second.url == reverse("appeals:track", args=[appeal.tracking_number])
    assert AppealPhoto.objects.count() == 1
    page = client.get(first.url).content.decode()
    assert appeal.tracking_number in page and "已派单至" in page


def test_form_errors_are_shown_and_nothing_is_saved(client, world, resident):
    client.force_login(resident)
    response = client.post(reverse("appeals:new"), form_data(world, latitude="39.9", longitude="116.4"))
    assert response.status_code == 200 and "不在东莞市范围内" in response.content.decode()
    response = client.post(reverse("appeals:new"), form_data(world, item="999999"))
    assert "errorlist" in response.content.decode()
    response = client.post(reverse("appeals:new"), {**form_data(world), "photos": [factories_fake()]})
    assert "第 1 张照片" in response.content.decode()
    assert Appeal.objects.count() == 0


def factories_fake():
    from tests.appeals.conftest import fake_image

    return fake_image()


def test_picker_search_returns_matching_items_and_not_sure(client, world):
    page = client.get(reverse("appeals:picker"), {"q": "噪音"}).content.decode()
    assert "夜间施工噪音" in page and "井盖缺失" not in page and "不确定" in page
    page = client.get(reverse("appeals:picker"), {"q": "没有这个词"}).content.decode()
    assert "没有找到" in page


def test_home_lists_my_appeals_in_constant_queries(client, world, resident, django_assert_max_num_queries):
    client.force_login(resident)
    factories.AppealFactory(resident=resident, item=world.item, area=world.area)
    with django_assert_max_num_queries(12) as one:
        client.get(reverse("appeals:home"))
    for _ in range(15):
        factories.AppealFactory(resident=resident, item=world.item, area=world.area)
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get(reverse("appeals:home")).content.decode()
    assert page.count("测试诉求") == 16


def test_inbox_buckets_and_constant_queries(client, world, resident, django_assert_max_num_queries):
    first = services.file_appeal(resident=resident, **world.report()).appeal
    client.force_login(world.bureau_staff)
    with django_assert_max_num_queries(20) as one:
        client.get(reverse("appeals:inbox"), {"bucket": "new"})
    for _ in range(10):
        services.file_appeal(resident=resident, **world.report())
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get(reverse("appeals:inbox"), {"bucket": "new"}).content.decode()
    assert page.count("路口井盖缺失") == 11
    due = part_of(first, world.bureau).due_at
    with time_machine.travel(due + dt.timedelta(minutes=1), tick=False):
        client.force_login(world.bureau_staff)  # days later: the idle staff session has ended
        overdue = client.get(reverse("appeals:inbox"), {"bucket": "overdue"})
    assert overdue.context["counts"]["overdue"] == 11 and overdue.context["page"].paginator.count == 11
    assert client.get(reverse("appeals:inbox"), {"bucket": "in_progress"}).context["counts"]["in_progress"] == 0
    refused = client.get(reverse("appeals:inbox"), {"bucket": "everything"})
    assert refused.status_code == 400 and "没有这个工单列表。" in refused.content.decode()
    assert refused.context["bucket"] == "new"


def test_inbox_is_for_unit_staff_only(client, resident, dispatcher):
    client.force_login(resident)
    assert client.get(reverse("appeals:inbox")).status_code == 403


def test_centre_queue_constant_queries(client, world, resident, dispatcher, django_assert_max_num_queries):
    services.file_appeal(resident=resident, **world.report(item_id=None))
    client.force_login(dispatcher)
    with django_assert_max_num_queries(25) as one:
        client.get(reverse("appeals:centre"))
    for _ in range(10):
        services.file_appeal(resident=resident, **world.report(item_id=None))
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get(reverse("appeals:centre")).content.decode()
    assert page.count("路口井盖缺失") == 11


def test_dispatcher_routes_from_the_page_with_the_suggestion_prefilled(client, world, resident, dispatcher):
    appeal = services.file_appeal(resident=resident, **world.report(item_id=world.item_manual.pk)).appeal
    client.force_login(dispatcher)
    page = client.get(reverse("appeals:staff-detail", args=[appeal.pk]))
    assert page.context["dispatch_form"].initial["primary_unit"] == world.bureau.pk
    assert "责任清单建议" in page.content.decode()
    response = client.post(reverse("appeals:dispatch", args=[appeal.pk]), {
        "item": world.item_manual.pk, "urgency": "general", "primary_unit": world.bureau.pk,
        "co_units": [world.eco.pk], "co_instructions": "协助调查", "primary_instructions": "", "reason": "",
    })
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.state == "dispatched" and part_of(appeal, world.eco).instructions == "协助调查"


def test_forged_unit_in_the_dispatch_form_changes_nothing(client, world, resident, dispatcher):
    appeal = services.file_appeal(resident=resident, **world.report(item_id=world.item_manual.pk)).appeal
    client.force_login(dispatcher)
    client.post(reverse("appeals:dispatch", args=[appeal.pk]), {
        "item": world.item_manual.pk, "urgency": "general", "primary_unit": 999999,
    }, follow=True)
    appeal.refresh_from_db()
    assert appeal.state == "submitted" and not appeal.work_orders.exists()


def test_unit_acts_from_the_page_and_other_unit_is_refused(client, world, dispatched):
    part = part_of(dispatched, world.bureau)
    client.force_login(world.other_staff)
    response = client.post(reverse("appeals:part-action", args=[part.pk, "accept"]))
    assert response.status_code == 403
    part.refresh_from_db()
    assert part.state == "dispatched"
    client.force_login(world.bureau_staff)
    client.post(reverse("appeals:part-action", args=[part.pk, "accept"]))
    client.post(reverse("appeals:part-action", args=[part.pk, "reply"]), {"body": "已安排维修人员今天到场处理。"})
    response = client.post(reverse("appeals:part-action", args=[part.pk, "resolve"]),
                           {"summary": "井盖已补装，已恢复正常通行。", "photos": [jpeg()]}, follow=True)
    assert "已办结" in response.content.decode()
    dispatched.refresh_from_db()
    assert dispatched.state == "resolved" and dispatched.photos.filter(kind="after").count() == 1


def test_resolving_from_the_page_without_reply_shows_the_error(client, world, dispatched):
    part = part_of(dispatched, world.bureau)
    client.force_login(world.bureau_staff)
    client.post(reverse("appeals:part-action", args=[part.pk, "accept"]))
    response = client.post(reverse("appeals:part-action", args=[part.pk, "resolve"]),
                           {"summary": "井盖已补装，已恢复正常通行。"}, follow=True)
    assert "不能执行" in response.content.decode()
    dispatched.refresh_from_db()
    assert dispatched.state == "accepted"


def test_a_refused_staff_action_reaches_the_shared_refusal_answer(client, world, dispatched):
    """A refusal of the actor is not the page's to answer: the shared
    middleware gives the error page (or, asked for JSON, the API's error
    body) with the service's status and words; a refusal of the state is a
    message on the page the action goes back to."""
    part = part_of(dispatched, world.bureau)
    client.force_login(world.other_staff)
    page = client.post(reverse("appeals:part-action", args=[part.pk, "accept"]))
    assert page.status_code == 403 and "这张工单不属于你的单位" in page.content.decode()
    body = client.post(reverse("appeals:part-action", args=[part.pk, "accept"]), HTTP_ACCEPT="application/json")
    assert body.status_code == 403 and body.json()["error"]["code"] == "permission_denied"
    client.force_login(world.bureau_staff)
    early = client.post(reverse("appeals:part-action", args=[part.pk, "reply"]), {"body": "已安排维修人员今天到场处理。"})
    assert early.status_code == 302 and early.url == reverse("appeals:staff-detail", args=[dispatched.pk])
    assert "不能执行" in client.get(early.url).content.decode()
    assert part_of(dispatched, world.bureau).state == "dispatched" and not dispatched.replies.exists()


def test_hotline_and_clue_pages(client, world, dispatcher):
    client.force_login(dispatcher)
    response = client.post(reverse("appeals:caller"), {
        "area": world.area.pk, "item": "", "urgency": "", "title": "小区停水一整天",
        "description": "来电人反映小区从早上开始停水。", "address": "测试镇某小区", "caller_name": "李先生",
        "caller_phone": "13912345678", "idempotency_key": uuid.uuid4().hex,
    })
    appeal = Appeal.objects.get(channel="hotline")
    assert response.url == reverse("appeals:staff-detail", args=[appeal.pk])
    response = client.post(reverse("appeals:clues"), {"platform": "微博", "url": "https://weibo.example.cn/p/9",
                                                      "summary": "网友反映某路段井盖缺失多日。", "area": world.area.pk})
    clue = OnlineClue.objects.get()
    client.post(reverse("appeals:clue", args=[clue.pk]), {"verify-genuine": "1", "verify-note": "网格员现场确认"})
    clue.refresh_from_db()
    assert clue.state == "verified"
    client.post(reverse("appeals:clue", args=[clue.pk]), {
        "convert-item": world.item_unrouted.pk, "convert-area": world.area.pk, "convert-urgency": "urgent",
        "convert-title": "某路段井盖缺失", "convert-description": "网友反映某路段井盖缺失多日。",
        "convert-address": "测试镇某路", "convert-contact_name": "网格员", "convert-contact_phone": "13900139000",
    })
    clue.refresh_from_db()
    assert clue.state == "converted" and clue.appeal.channel == "online_clue"


@pytest.mark.parametrize("name", ["appeals:centre", "appeals:caller", "appeals:clues"])
def test_centre_pages_refuse_units_and_residents(client, world, resident, name):
    for user in (resident, world.bureau_staff):
        client.force_login(user)
        assert client.get(reverse(name)).status_code == 403
