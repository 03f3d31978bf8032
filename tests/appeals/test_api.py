"""The API under /api/v1/appeals/: same services, same rules, one error shape."""

from __future__ import annotations

import uuid

import pytest
from rest_framework.test import APIClient

from appeals.models import Appeal, ContactView, WorkOrder
from tests import factories
from tests.appeals.conftest import fake_image, jpeg, part_of


@pytest.fixture
def api():
    return APIClient()


def body(world, **overrides):
    data = {"item": world.item.pk, "area": world.area.pk, "title": "路口井盖缺失",
            "description": "测试路与示范街交叉口的井盖不见了，晚上很危险。", "address": "测试镇测试路1号",
            "latitude": "23.02", "longitude": "113.75", "contact_name": "陈女士", "contact_phone": "13800138000",
            "publish_consent": True}
    data.update(overrides)
    return data


def test_catalogue_and_areas_are_public(api, world):
    data = api.get("/api/v1/appeals/catalogue").json()
    assert data[0]["name"] == "城市管理" and {i["code"] for i in data[0]["items"]} >= {"CG-01", "CG-02"}
    assert {a["name"] for a in api.get("/api/v1/appeals/areas").json()} == {"测试镇", "示范镇"}


def test_intake_is_idempotent_by_header(api, world, resident):
    api.force_authenticate(resident)
    key = uuid.uuid4().hex
    first = api.post("/api/v1/appeals/", {**body(world), "photos": [jpeg()]}, format="multipart", HTTP_IDEMPOTENCY_KEY=key)
    second = api.post("/api/v1/appeals/", {**body(world), "photos": [jpeg()]}, format="multipart", HTTP_IDEMPOTENCY_KEY=key)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["tracking_number"] == second.json()["tracking_number"]
    assert Appeal.objects.get().channel == "api" and Appeal.objects.get().photos.count() == 1
    assert first.json()["state"] == "dispatched"


@pytest.mark.parametrize("overrides,field,code,status", [
    ({"item": 999999}, "item", "unknown_item", 404),
    ({"area": 999999}, "area", "unknown_area", 404),
    ({"latitude": "31.23", "longitude": "121.47"}, "latitude", "outside_city", 400),
    # Refused by the body's schema (its pattern), before the service: the field is named, the code is the API's.
    ({"contact_phone": "110"}, "contact_phone", "invalid", 400),
    ({"title": "短"}, "title", "invalid", 400),
])
def test_intake_errors_have_one_shape_and_change_nothing(api, world, resident, overrides, field, code, status):
    api.force_authenticate(resident)
    response = api.post("/api/v1/appeals/", body(world, **overrides), format="json", HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code and field in error["fields"] and error["message"]
    assert Appeal.objects.count() == 0


def test_intake_with_fake_image_is_refused(api, world, resident):
    api.force_authenticate(resident)
    response = api.post("/api/v1/appeals/", {**body(world), "photos": [fake_image()]}, format="multipart",
                        HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex)
    assert response.status_code == 400 and response.json()["error"]["fields"]["photos"]
    assert Appeal.objects.count() == 0


def test_intake_needs_sign_in_and_missing_fields_are_named(api, world, resident):
    assert api.post("/api/v1/appeals/", body(world), format="json").status_code in (401, 403)
    api.force_authenticate(resident)
    response = api.post("/api/v1/appeals/", {"title": "x"}, format="json")
    assert response.status_code == 400 and {"area", "description"} <= set(response.json()["error"]["fields"])


def test_owner_tracks_and_lists_own_appeals(api, world, resident, dispatched):
    api.force_authenticate(resident)
    data = api.get(f"/api/v1/appeals/track/{dispatched.tracking_number}").json()
    assert data["state"] == "dispatched" and data["primary_unit"] == world.bureau.name
    assert [e["to_state"] for e in data["timeline"]] == ["submitted", "dispatched"]
    assert [a["tracking_number"] for a in api.get("/api/v1/appeals/").json()] == [dispatched.tracking_number]
    api.force_authenticate(factories.ResidentFactory())
    assert api.get(f"/api/v1/appeals/track/{dispatched.tracking_number}").status_code == 404
    assert api.get("/api/v1/appeals/").json() == []


def test_unit_works_through_the_api(api, world, dispatched):
    part = part_of(dispatched, world.bureau)
    api.force_authenticate(world.bureau_staff)
    inbox = api.get("/api/v1/appeals/inbox?bucket=new").json()
    assert [row["id"] for row in inbox["results"]] == [part.pk] and inbox["counts"]["new"] == 1
    assert api.post(f"/api/v1/appeals/parts/{part.pk}/accept").json()["state"] == "accepted"
    assert api.post(f"/api/v1/appeals/parts/{part.pk}/reply", {"body": "已派人到现场核查处理。"}, format="json").status_code == 200
    response = api.post(f"/api/v1/appeals/parts/{part.pk}/resolve", {"summary": "已补装井盖，恢复通行。", "photos": [jpeg()]},
                        format="multipart")
    assert response.json()["state"] == "resolved"
    dispatched.refresh_from_db()
    assert dispatched.state == "resolved" and dispatched.photos.filter(kind="after").count() == 1


def test_unit_cannot_act_on_another_units_part_through_the_api(api, world, dispatched):
    part = part_of(dispatched, world.bureau)
    api.force_authenticate(world.other_staff)
    response = api.post(f"/api/v1/appeals/parts/{part.pk}/accept")
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"
    assert api.get(f"/api/v1/appeals/{dispatched.pk}").status_code == 404
    assert api.post(f"/api/v1/appeals/{dispatched.pk}/contact", {"reason": "回访"}, format="json").status_code == 403
    assert api.post("/api/v1/appeals/parts/999999/accept").status_code == 404
    assert api.post(f"/api/v1/appeals/parts/{part.pk}/explode").status_code == 404
    part.refresh_from_db()
    assert part.state == "dispatched" and not ContactView.objects.exists()


def test_dispatcher_queue_suggestion_dispatch_and_contact(api, world, dispatcher, resident):
    from appeals import services

    appeal = services.file_appeal(resident=resident, **world.report(item_id=world.item_manual.pk)).appeal
    api.force_authenticate(dispatcher, token=factories.ApiTokenFactory(user=dispatcher))
    assert [row["id"] for row in api.get("/api/v1/appeals/queue").json()["results"]] == [appeal.pk]
    suggestion = api.get(f"/api/v1/appeals/{appeal.pk}/suggestion").json()["suggestion"]
    assert suggestion["primary_unit"]["id"] == world.bureau.pk and suggestion["auto_dispatch"] is False
    forged = api.post(f"/api/v1/appeals/{appeal.pk}/dispatch", {"primary_unit": 999999}, format="json")
    assert forged.status_code == 404 and forged.json()["error"]["code"] == "unknown_unit"
    assert not WorkOrder.objects.filter(appeal=appeal).exists()
    response = api.post(f"/api/v1/appeals/{appeal.pk}/dispatch",
                        {"primary_unit": world.bureau.pk, "co_units": [world.eco.pk], "urgency": "urgent",
                         "instructions": {str(world.eco.pk): "协助核查"}}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "dispatched"
    assert {p["unit"] for p in response.json()["parts"]} == {world.bureau.name, world.eco.name}
    assert api.get(f"/api/v1/appeals/{appeal.pk}").json()["contact"]["phone"] == "138****8000"
    contact = api.post(f"/api/v1/appeals/{appeal.pk}/contact", {"reason": "核实现场位置"}, format="json").json()
    assert contact["phone"] == "13800138000"
    assert ContactView.objects.get().via == "api"
    again = api.post(f"/api/v1/appeals/{appeal.pk}/dispatch", {"primary_unit": world.bureau.pk}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "transition_not_allowed"


def test_residents_cannot_use_staff_endpoints(api, world, resident, dispatched):
    api.force_authenticate(resident)
    assert api.get("/api/v1/appeals/queue").status_code == 403
    assert api.get("/api/v1/appeals/inbox").status_code == 403
    assert api.get(f"/api/v1/appeals/{dispatched.pk}").status_code == 404
    response = api.post(f"/api/v1/appeals/{dispatched.pk}/notes", {"body": "我想看看"}, format="json")
    assert response.status_code == 403


def test_hotline_and_extension_decision_through_the_api(api, world, dispatcher, dispatched):
    from appeals import services

    api.force_authenticate(dispatcher)
    response = api.post("/api/v1/appeals/hotline", {
        "area": world.area.pk, "title": "小区停水一整天", "description": "来电人反映小区从早上开始停水。",
        "address": "测试镇某小区", "caller_name": "李先生", "caller_phone": "0769-22223333",
    }, format="json", HTTP_IDEMPOTENCY_KEY="hotline-api-1")
    assert response.status_code == 201 and response.json()["channel"] == "hotline"
    part = part_of(dispatched, world.bureau)
    request = services.request_extension(actor=world.bureau_staff, work_order_id=part.pk, extra_working_days=2, reason="等待配件到货")
    decided = api.post(f"/api/v1/appeals/extensions/{request.pk}/decide", {"grant": True}, format="json").json()
    assert decided["state"] == "granted" and decided["new_due_at"]


def test_openapi_schema_includes_the_appeals_endpoints(api, db):
    schema = api.get("/api/schema/").content.decode()
    assert "/api/v1/appeals/inbox" in schema and "/api/v1/appeals/{appeal_id}/dispatch" in schema


def test_intake_and_browsing_keep_working_while_redis_is_down(api, world, resident, settings):
    # Redis holds the cache, cached sessions and rate limits: the cache fails
    # open (IGNORE_EXCEPTIONS), sessions fall back to PostgreSQL.
    settings.CACHES = {alias: {**config, "LOCATION": "redis://127.0.0.1:1/0"} for alias, config in settings.CACHES.items()}
    api.force_authenticate(resident)
    response = api.post("/api/v1/appeals/", {**body(world), "photos": [jpeg()]}, format="multipart",
                        HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex)
    assert response.status_code == 201
    assert Appeal.objects.get().tracking_number == response.json()["tracking_number"]
    assert api.get("/api/v1/appeals/catalogue").status_code == 200
    assert api.get("/appeals/wall/").status_code == 200


@pytest.mark.parametrize("path", [
    "/api/v1/appeals/hotline",
    "/api/v1/appeals/extensions/1/decide",
    "/api/v1/appeals/{appeal}/dispatch",
    "/api/v1/appeals/{appeal}/moderation",
    "/api/v1/appeals/{appeal}/notes",
    "/api/v1/appeals/rectifications/1/check",
    "/api/v1/appeals/parts/{part}/extension",
])
def test_a_caller_without_the_permission_is_refused_before_the_body_is_read(api, world, dispatched, path):
    """Permission first: an unauthorised caller learns 403, not which fields of
    a body it may not send would have been wrong (schemathesis saw 400)."""
    api.force_authenticate(world.other_staff)  # unit staff of a unit with no part in the appeal
    url = path.format(appeal=dispatched.pk, part=part_of(dispatched, world.bureau).pk)
    response = api.post(url, {"decision": "nonsense", "grant": "maybe", "body": "", "extra_working_days": "x"}, format="json")
    assert response.status_code == 403, (url, response.json())
    assert response.json()["error"]["code"] == "permission_denied"


def test_a_form_body_says_no_item_and_no_location_with_null(api, world, resident):
    """A multipart body cannot carry JSON's null: the text "null" means none
    (schemathesis sent it for the schema's nullable item and coordinates)."""
    api.force_authenticate(resident)
    data = {**body(world), "item": "null", "latitude": "null", "longitude": "null"}
    response = api.post("/api/v1/appeals/", data, format="multipart", HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex)
    assert response.status_code == 201, response.json()
    appeal = Appeal.objects.get()
    assert (appeal.item_id, appeal.latitude, appeal.longitude) == (None, None, None)


def test_an_empty_idempotency_key_header_is_refused_not_replaced_by_the_body(api, world, resident):
    api.force_authenticate(resident)
    response = api.post("/api/v1/appeals/", {**body(world), "idempotency_key": uuid.uuid4().hex}, format="json",
                        HTTP_IDEMPOTENCY_KEY="")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_idempotency_key"
    assert not Appeal.objects.exists()
