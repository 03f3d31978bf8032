"""Moderation before publication: nothing reaches the wall (page, API, Open311)
without a moderator's approval; the resident withdraws consent at any time."""

from __future__ import annotations

import pytest

from appeals import services
from appeals.enums import EventKind
from appeals.models import Appeal, AppealEvent
from portal.exceptions import ConflictError, InvalidError, PermissionDeniedError
from tests import factories

BASE = "/open311/v2"


def public_everywhere(client, appeal) -> list[int]:
    return [
        client.get(f"/appeals/wall/{appeal.tracking_number}/").status_code,
        client.get(f"/api/v1/appeals/public/{appeal.tracking_number}").status_code,
        client.get(f"{BASE}/requests/{appeal.tracking_number}.json").status_code,
    ]


def test_a_consenting_appeal_waits_in_the_queue_and_is_nowhere_public(client, world, file_appeal):
    appeal = file_appeal(moderated=False, title="楼下13800138000乱停车")
    assert (appeal.moderation, appeal.is_public) == ("pending", False)
    assert public_everywhere(client, appeal) == [404, 404, 404]
    assert appeal.public_title not in client.get("/appeals/wall/").content.decode()
    assert client.get("/api/v1/appeals/public").json()["results"] == []
    assert client.get(f"{BASE}/requests.json").json() == []


def test_the_database_refuses_a_public_appeal_without_approval(world, file_appeal):
    from django.db import IntegrityError, transaction

    appeal = file_appeal(moderated=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        Appeal.objects.filter(pk=appeal.pk).update(is_public=True)
    appeal.refresh_from_db()
    assert not appeal.is_public


def test_a_moderator_publishes_the_edited_text_and_it_is_recorded(client, world, file_appeal, dispatcher):
    appeal = file_appeal(moderated=False, description="我叫张伟，鸿福路的井盖不见了，晚上很危险，请尽快处理。")
    services.moderate_appeal(
        actor=dispatcher, appeal_id=appeal.pk, publish=True, title="鸿福路井盖缺失",
        description="我叫**，鸿福路的井盖不见了，晚上很危险，请尽快处理。", reason="已核对",
    )
    appeal.refresh_from_db()
    assert (appeal.moderation, appeal.is_public, appeal.moderated_by) == ("approved", True, dispatcher)
    assert public_everywhere(client, appeal) == [200, 200, 200]
    body = client.get(f"/appeals/wall/{appeal.tracking_number}/").content.decode()
    assert "鸿福路井盖缺失" in body and "张伟" not in body
    event = AppealEvent.objects.get(appeal=appeal, kind=EventKind.MODERATION)
    assert event.actor == dispatcher and not event.public


def test_a_refusal_needs_a_reason_and_keeps_the_appeal_off_the_wall(client, world, file_appeal, dispatcher):
    appeal = file_appeal(moderated=False)
    with pytest.raises(InvalidError):
        services.moderate_appeal(actor=dispatcher, appeal_id=appeal.pk, publish=False, reason="")
    appeal.refresh_from_db()
    assert appeal.moderation == "pending"
    services.moderate_appeal(actor=dispatcher, appeal_id=appeal.pk, publish=False, reason="涉及未成年人")
    appeal.refresh_from_db()
    assert (appeal.moderation, appeal.is_public, appeal.moderation_reason) == ("refused", False, "涉及未成年人")
    assert "涉及未成年人" in AppealEvent.objects.get(appeal=appeal, kind=EventKind.MODERATION).reason
    assert public_everywhere(client, appeal) == [404, 404, 404]


def test_only_the_dispatch_centre_moderates(world, file_appeal):
    appeal = file_appeal(moderated=False)
    for actor in (world.bureau_staff, factories.ResidentFactory()):
        with pytest.raises(PermissionDeniedError) as refused:
            services.moderate_appeal(actor=actor, appeal_id=appeal.pk, publish=True, title="标题标题", description="公开内容公开内容公开")
        assert refused.value.status == 403
    appeal.refresh_from_db()
    assert (appeal.moderation, appeal.is_public, appeal.public_edited_at) == ("pending", False, None)


def test_an_appeal_without_consent_cannot_be_published(world, file_appeal, dispatcher):
    appeal = file_appeal(moderated=False, publish_consent=False)
    assert appeal.moderation == "none"
    with pytest.raises(ConflictError):
        services.moderate_appeal(actor=dispatcher, appeal_id=appeal.pk, publish=True, title="标题标题", description="公开内容公开内容公开")
    appeal.refresh_from_db()
    assert not appeal.is_public


def test_withdrawing_consent_takes_the_appeal_off_the_wall_and_its_cache_at_once(
    client, world, file_appeal, resident, django_capture_on_commit_callbacks, next_second,
):
    appeal = file_appeal()
    assert client.get("/appeals/wall/").content.decode().count(appeal.public_title) == 1  # cached for visitors
    client.force_login(resident)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/appeals/t/{appeal.tracking_number}/withdraw-consent/")
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert (appeal.publish_consent, appeal.is_public, appeal.moderation) == (False, False, "none")
    client.logout()
    next_second()  # a visitor's page copy lives a second; the 30-second list behind it is dropped at once
    assert appeal.public_title not in client.get("/appeals/wall/").content.decode()
    assert public_everywhere(client, appeal) == [404, 404, 404]
    assert AppealEvent.objects.filter(appeal=appeal, kind=EventKind.CONSENT_WITHDRAWN).count() == 1


def test_withdrawing_consent_through_the_api_and_only_for_ones_own_appeal(client, world, file_appeal, resident):
    appeal = file_appeal()
    client.force_login(factories.ResidentFactory())
    assert client.post(f"/api/v1/appeals/track/{appeal.tracking_number}/withdraw-consent").status_code == 404
    appeal.refresh_from_db()
    assert appeal.is_public
    client.force_login(resident)
    answer = client.post(f"/api/v1/appeals/track/{appeal.tracking_number}/withdraw-consent")
    assert answer.status_code == 200 and answer.json() == {"publish_consent": False, "is_public": False}
    assert client.get(f"{BASE}/requests/{appeal.tracking_number}.json").status_code == 404


def test_moderation_api_shows_spans_and_decides(client, world, file_appeal, dispatcher):
    appeal = file_appeal(moderated=False, description="联系人：陈先生，电话13800138000，鸿福路井盖缺失。")
    client.force_login(dispatcher)
    queue = client.get("/api/v1/appeals/moderation").json()["results"]
    assert [row["id"] for row in queue] == [appeal.pk]
    review = client.get(f"/api/v1/appeals/{appeal.pk}/moderation").json()
    assert {(p["original"], p["kind"]) for p in review["description_parts"] if p["kind"]} == {
        ("陈", "name"), ("13800138000", "mobile"),
    }
    answer = client.post(f"/api/v1/appeals/{appeal.pk}/moderation", {
        "decision": "publish", "title": review["public_title"], "description": review["public_description"],
    }, content_type="application/json")
    assert answer.status_code == 200 and answer.json()["is_public"] is True
    assert client.get("/api/v1/appeals/moderation").json()["results"] == []


def test_moderation_api_refuses_unit_staff(client, world, file_appeal):
    appeal = file_appeal(moderated=False)
    client.force_login(world.bureau_staff)
    assert client.get("/api/v1/appeals/moderation").status_code == 403
    answer = client.post(f"/api/v1/appeals/{appeal.pk}/moderation", {"decision": "publish", "title": "标题标题",
                         "description": "公开内容公开内容公开"}, content_type="application/json")
    assert answer.status_code == 403
    appeal.refresh_from_db()
    assert (appeal.moderation, appeal.is_public) == ("pending", False)


def test_moderation_page_shows_both_sides_and_publishes(client, world, file_appeal, dispatcher):
    appeal = file_appeal(moderated=False, description="我叫张伟，电话13800138000，鸿福路井盖缺失很危险。")
    client.force_login(dispatcher)
    assert appeal.public_title in client.get("/appeals/centre/moderation/").content.decode()
    page = client.get(f"/appeals/centre/moderation/{appeal.pk}/").content.decode()
    assert '<mark class="masked" title="name">张伟</mark>' in page and '<mark class="masked">**</mark>' in page
    response = client.post(f"/appeals/centre/moderation/{appeal.pk}/", {
        "decision": "publish", "title": appeal.public_title, "description": "鸿福路井盖缺失很危险。",
    })
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.is_public and appeal.public_description == "鸿福路井盖缺失很危险。"
