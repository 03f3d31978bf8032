"""Open311 GeoReport v2 conformance: services, definitions, POST then GET, tokens, errors, JSON and XML."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest

from appeals.models import Appeal, Open311Key
from tests import factories
from tests.appeals.conftest import approve

BASE = "/open311/v2"


@pytest.fixture
def key(world, db):
    account = factories.StaffFactory(role="dispatcher")
    return Open311Key.objects.create(name="第三方App", account=account)


def post(client, fmt="json", **fields):
    data = {"service_code": "CG-01", "attribute[area]": "", "description": "测试路口的井盖不见了，晚上很危险。",
            "lat": "23.020000", "long": "113.750000", "phone": "13800138000", "first_name": "女士", "last_name": "陈",
            "attribute[publish]": "yes"}
    data.update(fields)
    return client.post(f"{BASE}/requests.{fmt}", data)


def test_services_json_and_xml(client, world):
    services = client.get(f"{BASE}/services.json").json()
    row = next(s for s in services if s["service_code"] == "CG-01")
    assert set(row) == {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
    assert (row["service_name"], row["metadata"], row["type"], row["group"]) == ("井盖缺失", True, "realtime", "城市管理")
    response = client.get(f"{BASE}/services.xml")
    assert response["Content-Type"].startswith("text/xml")
    root = ET.fromstring(response.content)
    assert root.tag == "services" and root.find("service/service_code").text == "CG-01"
    assert root.find("service/metadata").text == "true"


def test_service_definition(client, world):
    definition = client.get(f"{BASE}/services/CG-01.json").json()
    area = definition["attributes"][0]
    assert definition["service_code"] == "CG-01"
    assert (area["code"], area["datatype"], area["required"], area["variable"], area["order"]) == ("area", "singlevaluelist", True, True, 1)
    assert {"key": world.area.code, "name": world.area.name} in area["values"]
    root = ET.fromstring(client.get(f"{BASE}/services/CG-01.xml").content)
    assert root.tag == "service_definition" and root.find("attributes/attribute/code").text == "area"
    assert root.find("attributes/attribute/values/value/key") is not None


def test_post_then_get_json(client, world, key):
    response = post(client, api_key=key.key, **{"attribute[area]": world.area.code})
    assert response.status_code == 201
    [created] = response.json()
    appeal = Appeal.objects.get(tracking_number=created["service_request_id"])
    assert (appeal.channel, appeal.item, appeal.area, appeal.submitted_by) == ("open311", world.item, world.area, key.account)
    assert appeal.state == "dispatched" and appeal.moderation == "pending" and not appeal.is_public
    assert client.get(f"{BASE}/requests/{created['service_request_id']}.json").status_code == 404
    assert approve(appeal).is_public
    [row] = client.get(f"{BASE}/requests/{created['service_request_id']}.json").json()
    assert row["service_request_id"] == created["service_request_id"] and row["status"] == "open"
    assert (row["service_code"], row["agency_responsible"], row["address"]) == ("CG-01", world.bureau.name, world.area.name)
    assert (row["lat"], row["long"]) == ("23.02", "113.75")
    for field in ("status_notes", "service_name", "description", "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address_id", "zipcode", "media_url"):
        assert field in row
    [token] = client.get(f"{BASE}/tokens/{created['token']}.json").json()
    assert token == {"service_request_id": created["service_request_id"], "token": created["token"]}
    listed = client.get(f"{BASE}/requests.json", {"service_code": "CG-01", "status": "open"}).json()
    assert [r["service_request_id"] for r in listed] == [created["service_request_id"]]
    assert client.get(f"{BASE}/requests.json", {"status": "closed"}).json() == []
    assert client.get(f"{BASE}/requests.json", {"start_date": "2000-01-01T00:00:00Z", "end_date": "2000-02-01T00:00:00Z"}).json() == []


def test_post_then_get_xml(client, world, key):
    response = post(client, "xml", api_key=key.key, **{"attribute[area]": world.area.code})
    root = ET.fromstring(response.content)
    assert response.status_code == 201 and root.tag == "service_requests"
    number = root.find("request/service_request_id").text
    approve(Appeal.objects.get(tracking_number=number))
    detail = ET.fromstring(client.get(f"{BASE}/requests/{number}.xml").content)
    assert detail.tag == "service_requests" and detail.find("request/status").text == "open"
    assert detail.find("request/service_code").text == "CG-01"
    listed = ET.fromstring(client.get(f"{BASE}/requests.xml", {"service_request_id": number}).content)
    assert [e.text for e in listed.findall("request/service_request_id")] == [number]


def test_private_request_is_visible_to_its_client_only(client, world, key):
    response = post(client, api_key=key.key, **{"attribute[area]": world.area.code, "attribute[publish]": "no"})
    number = response.json()[0]["service_request_id"]
    assert client.get(f"{BASE}/requests/{number}.json").status_code == 404
    assert client.get(f"{BASE}/requests/{number}.json", {"api_key": key.key}).status_code == 200


@pytest.mark.parametrize(("fields", "status", "text"), [
    ({"api_key": "wrong"}, 403, "api_key"),
    ({"service_code": "NOPE-1"}, 404, "service_code"),
    ({"service_code": ""}, 400, "service_code is required"),
    ({"attribute[area]": ""}, 400, "attribute[area]"),
    ({"attribute[area]": "ZZZ"}, 400, "attribute[area]"),
    ({"lat": "", "long": "", "address_string": ""}, 400, "location"),
    ({"phone": ""}, 400, "phone"),
    ({"lat": "40.0", "long": "116.4"}, 400, "东莞"),
    ({"description": "短"}, 400, "description"),
])
def test_post_errors_change_nothing(client, world, key, fields, status, text):
    base = {"api_key": key.key, "attribute[area]": world.area.code}
    base.update(fields)
    before = Appeal.objects.count()
    response = post(client, **base)
    assert response.status_code == status
    [error] = response.json()
    assert error["code"] == status and text in error["description"]
    assert Appeal.objects.count() == before
    xml = post(client, "xml", **base)
    root = ET.fromstring(xml.content)
    assert root.tag == "errors" and root.find("error/code").text == str(status)


def test_get_errors(client, world, key):
    assert client.get(f"{BASE}/requests/DG-0000-000000.json").json() == [
        {"code": 404, "description": "service_request_id DG-0000-000000 not found"}]
    assert client.get(f"{BASE}/services/NOPE.xml").status_code == 404
    assert client.get(f"{BASE}/tokens/nope.json").status_code == 404
    assert client.get(f"{BASE}/requests.json", {"status": "pending"}).status_code == 400
    assert client.get(f"{BASE}/requests.json", {"start_date": "yesterday"}).status_code == 400
    wrong = client.get(f"{BASE}/services.xml", {"jurisdiction_id": "example.org"})
    assert wrong.status_code == 404 and ET.fromstring(wrong.content).find("error/description").text.startswith("jurisdiction_id")
    assert client.get(f"{BASE}/services.json", {"jurisdiction_id": "dongguan.gov.cn"}).status_code == 200
    assert client.get(f"{BASE}/services.csv").status_code == 404


def test_revoked_key_is_refused(client, world, key):
    key.active = False
    key.save()
    assert post(client, api_key=key.key, **{"attribute[area]": world.area.code}).status_code == 403


def test_keys_come_from_the_factory_and_are_unique(db):
    a, b = factories.Open311KeyFactory(), factories.Open311KeyFactory()
    assert a.key != b.key and len(a.key) >= 30 and a.active


CONTROL = "\x01\x08\x0b\x0c\x1b\x1f\ufffe"


def test_every_xml_answer_parses_strictly_even_with_control_characters_in_the_text(client, world, key):
    """An appeal's text or a catalogue name holding characters XML 1.0 cannot
    carry (ESC, vertical tab, U+FFFE…; PostgreSQL already refuses NUL) must not break a client's parser."""
    number = post(client, api_key=key.key, **{"attribute[area]": world.area.code}).json()[0]["service_request_id"]
    approve(Appeal.objects.get(tracking_number=number))
    Appeal.objects.filter(tracking_number=number).update(public_description=f"井盖{CONTROL}不见了")
    type(world.item).objects.filter(pk=world.item.pk).update(name=f"井盖{CONTROL}缺失")
    token = Appeal.objects.get(tracking_number=number).open311_token.token
    answers = [
        client.get(f"{BASE}/services.xml"), client.get(f"{BASE}/services/CG-01.xml"),
        client.get(f"{BASE}/requests.xml"), client.get(f"{BASE}/requests/{number}.xml"),
        client.get(f"{BASE}/requests.xml", {"status": "pending"}), client.get(f"{BASE}/services/NOPE.xml"),
        client.get(f"{BASE}/requests.xml", {"page_size": "1", "page": "1"}), client.get(f"{BASE}/requests.xml", {"page": "0"}),
        client.get(f"{BASE}/tokens/{token}.xml"), client.get(f"{BASE}/tokens/nope.xml"),
        post(client, "xml", api_key=key.key, description=f"井盖{CONTROL}不见了", **{"attribute[area]": world.area.code}),
        post(client, "xml", api_key="wrong", **{"attribute[area]": world.area.code}),
        client.put(f"{BASE}/requests.xml"),
    ]
    for response in answers:
        body = response.content.decode("utf-8")
        assert not any(ch in body for ch in CONTROL), response.request["PATH_INFO"]
        ET.fromstring(response.content)  # expat refuses any character XML 1.0 forbids
    detail = ET.fromstring(answers[3].content)
    assert detail.find("request/description").text == "井盖不见了"
    assert detail.find("request/service_name").text == "井盖缺失"


def _published(client, key, world, n: int) -> list[str]:
    numbers = []
    for _ in range(n):
        number = post(client, api_key=key.key, **{"attribute[area]": world.area.code}).json()[0]["service_request_id"]
        approve(Appeal.objects.get(tracking_number=number))
        numbers.append(number)
    return numbers[::-1]  # newest first, as listed


def test_requests_are_listed_a_page_at_a_time_with_links_to_the_next_and_previous(client, world, key):
    newest_first = _published(client, key, world, 3)
    first = client.get(f"{BASE}/requests.json", {"page_size": "2"})
    assert [r["service_request_id"] for r in first.json()] == newest_first[:2]
    assert first["Link"] == f'<http://testserver{BASE}/requests.json?page_size=2&page=2>; rel="next"'
    second = client.get(first["Link"].split(">")[0].lstrip("<"))
    assert [r["service_request_id"] for r in second.json()] == newest_first[2:]
    assert second["Link"] == f'<http://testserver{BASE}/requests.json?page_size=2&page=1>; rel="prev"'
    xml = ET.fromstring(client.get(f"{BASE}/requests.xml", {"page_size": "2", "page": "2"}).content)
    assert [e.text for e in xml.findall("request/service_request_id")] == newest_first[2:]
    assert "Link" not in client.get(f"{BASE}/requests.json").headers  # one page holds all three


@pytest.mark.parametrize("query", [{"page_size": "201"}, {"page_size": "0"}, {"page": "0"}, {"page": "1001"},
                                   {"page": "two"}])
def test_a_page_out_of_range_is_refused_with_the_range(client, world, query):
    response = client.get(f"{BASE}/requests.json", query)
    assert response.status_code == 400
    assert "must be a whole number from 1 to" in response.json()[0]["description"]


def test_the_public_list_is_cached_until_an_appeal_is_published(
    client, world, key, django_assert_num_queries, next_second, django_capture_on_commit_callbacks,
):
    [number] = _published(client, key, world, 1)
    assert [r["service_request_id"] for r in client.get(f"{BASE}/requests.json").json()] == [number]
    next_second()  # past the process's own copy: the answer comes from Redis
    with django_assert_num_queries(0):
        assert [r["service_request_id"] for r in client.get(f"{BASE}/requests.json").json()] == [number]
    with django_capture_on_commit_callbacks(execute=True):
        [newer] = _published(client, key, world, 1)  # publishing drops the cached answers once committed
    assert [r["service_request_id"] for r in client.get(f"{BASE}/requests.json").json()] == [newer, number]


def test_a_client_reading_with_its_key_is_never_served_a_shared_copy(client, world, key):
    public = _published(client, key, world, 1)
    client.get(f"{BASE}/requests.json")  # the public answer, now cached
    private = post(client, api_key=key.key, **{"attribute[area]": world.area.code, "attribute[publish]": "no"})
    number = private.json()[0]["service_request_id"]
    mine = client.get(f"{BASE}/requests.json", {"api_key": key.key}).json()
    assert [r["service_request_id"] for r in mine] == [number, *public]
    assert [r["service_request_id"] for r in client.get(f"{BASE}/requests.json").json()] == public
