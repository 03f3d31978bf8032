"""The public wall: what is published, redacted text, filters and search, "me too", the dispatcher's edit."""

from __future__ import annotations

import pytest

from appeals import services
from appeals.enums import AppealState
from appeals.models import Appeal, MeToo
from portal.exceptions import ConflictError, PermissionDeniedError
from tests import factories
from tests.appeals.conftest import approve, work_through


def test_consenting_publishable_appeal_is_public_with_redacted_text(world, file_appeal):
    appeal = file_appeal(title="楼下13800138000乱停车", description="鸿福路88号3栋门口粤S·12345的车天天堵住消防通道。")
    assert appeal.is_public
    assert appeal.public_title == "楼下138****8000乱停车"
    assert appeal.public_description == "鸿福路**号*栋门口粤S·*****的车天天堵住消防通道。"


def test_no_consent_or_unpublishable_item_stays_private(world, file_appeal):
    assert not file_appeal(publish_consent=False).is_public
    world.item.publishable = False
    world.item.save()
    assert not file_appeal().is_public


def test_reclassification_at_dispatch_follows_the_item(world, file_appeal, dispatcher):
    world.item_unrouted.publishable = False
    world.item_unrouted.save()
    appeal = file_appeal(item_id=world.item_unrouted.pk)
    assert not appeal.is_public
    services.dispatch_appeal(actor=dispatcher, appeal_id=appeal.pk, primary_unit_id=world.bureau.pk, item_id=world.item.pk)
    appeal.refresh_from_db()
    assert appeal.moderation == "pending" and not appeal.is_public
    assert approve(appeal).is_public


def test_wall_lists_filters_and_searches(client, world, file_appeal):
    noisy = file_appeal(title="夜间施工噪音扰民", description="工地凌晨还在施工，噪音很大，请处理。")
    other = file_appeal(title="路口井盖缺失", area_id=world.area2.pk)
    file_appeal(title="不公开的诉求", publish_consent=False)
    body = client.get("/appeals/wall/").content.decode()
    assert noisy.public_title in body and other.public_title in body and "不公开的诉求" not in body
    body = client.get("/appeals/wall/", {"q": "噪音"}).content.decode()
    assert noisy.public_title in body and other.public_title not in body
    body = client.get("/appeals/wall/", {"area": world.area2.pk}).content.decode()
    assert other.public_title in body and noisy.public_title not in body
    body = client.get("/appeals/wall/", {"unit": world.bureau.pk, "state": "handling"}).content.decode()
    assert noisy.public_title in body
    body = client.get("/appeals/wall/", {"state": "done"}).content.decode()
    assert noisy.public_title not in body
    body = client.get("/appeals/wall/", {"category": "x", "area": "-1", "page": "abc"}).content.decode()
    assert noisy.public_title in body


def test_wall_query_count_is_constant(client, world, file_appeal, django_assert_max_num_queries):
    file_appeal()
    client.get("/appeals/wall/")
    # Distinct queries: each is rendered, not served from the 30-second cache.
    with django_assert_max_num_queries(6):
        assert file_appeal.__name__ and client.get("/appeals/wall/?page=1").status_code == 200
    for _ in range(15):
        file_appeal()
    with django_assert_max_num_queries(6):
        client.get("/appeals/wall/?page=1&state=")
    with django_assert_max_num_queries(2):
        client.get("/appeals/wall/?page=1&state=")  # cached


def test_public_page_shows_reply_timeline_and_rating_redacted(client, world, dispatched, resident):
    work_through(dispatched, world.bureau_staff, world.bureau, reply="已联系物业，请拨打0769-22223333跟进。")
    services.rate_appeal(resident=resident, appeal_id=dispatched.pk, score=5, comment="我的电话13800138000随时联系")
    body = client.get(f"/appeals/wall/{dispatched.tracking_number}/").content.decode()
    assert "0769-********" in body and "22223333" not in body
    assert "138****8000" in body and "13800138000" not in body
    assert "非常满意" in body and world.bureau.name in body
    assert dispatched.address not in body and "陈女士" not in body


def test_publishing_drops_the_cached_wall(client, world, file_appeal, django_capture_on_commit_callbacks, next_second):
    first = file_appeal(title="第一件公开诉求")
    assert first.public_title in client.get("/appeals/wall/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        second = file_appeal(title="第二件公开诉求")
    next_second()  # a visitor's page copy lives a second; the 30-second list behind it is dropped at once
    assert second.public_title in client.get("/appeals/wall/").content.decode()


def test_visitors_share_the_wall_and_its_pages_for_a_second_and_the_signed_in_never(
        client, world, file_appeal, next_second):
    appeal = file_appeal(title="第一件公开诉求")
    for url in ("/appeals/wall/", f"/appeals/wall/{appeal.tracking_number}/"):
        assert client.get(url)["X-Page-Cache"] == "miss"
        assert client.get(url)["X-Page-Cache"] == "hit"
    next_second()
    assert client.get("/appeals/wall/")["X-Page-Cache"] == "miss"
    client.force_login(factories.ResidentFactory())
    assert "X-Page-Cache" not in client.get("/appeals/wall/")


@pytest.mark.parametrize("query, refusal, api_status", [
    # The API answers 404 for a well-formed id that names nothing, as its schema documents.
    ("category=999999", "没有这个大类。", 404),
    ("category=755339343539771146240", "没有这个大类。", 404),  # schemathesis: any whole number is an id of nothing
    ("area=abc", "没有这个镇街。", 400),
    ("unit=999999", "没有这个承办单位。", 404),
    ("state=lost", "状态只能是待派单、办理中或已办结。", 400),
    ("page=0", "页码应为正整数。", 400),
    ("page=99999999999999999999", "只能翻到第 1000 页，请用搜索或筛选缩小范围。", 400),  # was a server error (OFFSET overflow)
])
def test_a_bad_wall_query_is_named_and_the_wall_lists_without_it(client, world, file_appeal, query, refusal, api_status):
    appeal = file_appeal(title="第一件公开诉求")
    response = client.get(f"/appeals/wall/?{query}")
    html = response.content.decode()
    assert response.status_code == 400 and 'role="alert"' in html and refusal in html
    assert appeal.public_title in html
    api = client.get(f"/api/v1/appeals/public?{query}")
    assert api.status_code == api_status and refusal in api.json()["error"]["message"]


def test_wall_filters_of_the_lists_narrow_the_page_and_the_api(client, world, file_appeal):
    appeal = file_appeal(title="第一件公开诉求")
    category = appeal.item.category_id
    assert appeal.public_title in client.get(f"/appeals/wall/?category={category}&state=handling&q=第一件").content.decode()
    assert appeal.public_title not in client.get(f"/appeals/wall/?category={category}&state=done").content.decode()
    assert [r["title"] for r in client.get(f"/api/v1/appeals/public?area={appeal.area_id}").json()["results"]] == [
        appeal.public_title]


def test_private_appeal_has_no_public_page(client, world, file_appeal):
    appeal = file_appeal(publish_consent=False)
    assert client.get(f"/appeals/wall/{appeal.tracking_number}/").status_code == 404


def test_me_too_once_per_resident(client, world, dispatched):
    neighbour = factories.ResidentFactory()
    services.add_me_too(user=neighbour, appeal_id=dispatched.pk)
    appeal, added = services.add_me_too(user=neighbour, appeal_id=dispatched.pk)
    assert (added, appeal.me_too_count, MeToo.objects.count()) == (False, 1, 1)
    with pytest.raises(ConflictError):
        services.add_me_too(user=dispatched.resident, appeal_id=dispatched.pk)
    client.force_login(factories.ResidentFactory())
    client.post(f"/appeals/wall/{dispatched.tracking_number}/me-too/")
    response = client.post(f"/api/v1/appeals/public/{dispatched.tracking_number}/me-too")
    assert response.status_code == 200 and response.json() == {"added": False, "me_too_count": 2}


def test_dispatcher_edits_public_text_others_cannot(client, world, dispatched, dispatcher):
    with pytest.raises(PermissionDeniedError):
        services.edit_public_text(actor=world.bureau_staff, appeal_id=dispatched.pk, title="改一下标题", description="改一下公开内容，去掉姓名。")
    services.edit_public_text(actor=dispatcher, appeal_id=dispatched.pk, title="某路口井盖缺失", description="某路口的井盖不见了，晚上很危险。")
    dispatched.refresh_from_db()
    assert (dispatched.public_title, dispatched.is_public) == ("某路口井盖缺失", True)
    assert dispatched.events.filter(kind="public_text", public=False).count() == 1
    services.edit_public_text(actor=dispatcher, appeal_id=dispatched.pk, title="某路口井盖缺失", description="某路口的井盖不见了。", hidden=True)
    dispatched.refresh_from_db()
    assert not dispatched.is_public
    assert Appeal.objects.filter(pk=dispatched.pk, state=AppealState.DISPATCHED).exists()


def test_the_contacts_name_and_phone_are_masked_on_every_public_path(client, world, file_appeal):
    appeal = file_appeal(
        contact_name="李秀英", contact_phone="13912345678",
        description="我叫李秀英，楼下烧烤店每晚营业到凌晨，请回电１３９ １２３４ ５６７８。",
    )
    work_through(appeal, world.bureau_staff, world.bureau,
                 reply="李秀英您好，秀英反映的油烟问题已处理，回访请留意139-1234-5678的来电。",
                 summary="李女士您好，烧烤店已整改，电话13912345678已回访。")
    pages = [
        client.get(f"/appeals/wall/{appeal.tracking_number}/").content.decode(),
        client.get(f"/api/v1/appeals/public/{appeal.tracking_number}").content.decode(),
        client.get(f"/open311/v2/requests/{appeal.tracking_number}.json").content.decode(),
    ]
    for body in pages:
        for secret in ("李秀英", "秀英", "１２３４", "139-1234-5678", "13912345678", "李女士"):
            assert secret not in body
    assert "139****5678" in pages[0] and "*女士" in pages[2]
