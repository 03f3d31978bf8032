"""Request ids and the request log: one JSON line per request with its id,
the id in the X-Request-ID header, on error pages and in the API's error body."""

from __future__ import annotations

import io
import json
import logging
import uuid

import pytest
from django.test import Client

from tests import factories
from tests.signin import sign_in


@pytest.fixture
def request_log():
    """The lines portal.requests writes, through the configured formatter and
    request-id filter of the console handler."""
    console = next(handler for handler in logging.getLogger().handlers if handler.name == "console")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(console.formatter)
    for log_filter in console.filters:
        handler.addFilter(log_filter)
    logger = logging.getLogger("portal.requests")
    logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)


@pytest.mark.django_db
def test_a_request_logs_one_json_line_with_its_id_and_no_query_string(request_log):
    incoming = str(uuid.uuid4())
    response = Client().get("/board/?token=s3cret-tracking-token", HTTP_X_REQUEST_ID=incoming)
    assert response.status_code == 200
    assert response["X-Request-ID"] == incoming
    (line,) = request_log()
    assert line["message"] == "request"
    assert line["method"] == "GET"
    assert line["path"] == "/board/"
    assert line["status"] == 200
    assert line["user"] == "anonymous"
    assert line["request_id"] == incoming
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["level"] == "INFO" and line["logger"] == "portal.requests" and line["time"]
    assert "s3cret" not in json.dumps(line)


@pytest.mark.django_db
def test_a_signed_in_request_logs_the_account_id(request_log):
    resident = factories.ResidentFactory()
    client = Client()
    sign_in(client, resident)
    assert client.get("/board/").status_code == 200
    assert request_log()[-1]["user"] == resident.pk


@pytest.mark.django_db
@pytest.mark.parametrize("offered", ["abc", "x" * 300, "0d1c3919-e46e-4cd2\r\nSet-Cookie: a=b"])
def test_a_malformed_request_id_is_replaced_by_a_new_one(request_log, offered):
    response = Client().get("/board/", HTTP_X_REQUEST_ID=offered)
    assert response["X-Request-ID"] != offered
    assert uuid.UUID(response["X-Request-ID"])
    assert request_log()[-1]["request_id"] == response["X-Request-ID"]


@pytest.mark.django_db
def test_two_requests_get_two_ids():
    client = Client()
    assert client.get("/board/")["X-Request-ID"] != client.get("/board/")["X-Request-ID"]


@pytest.mark.django_db
def test_error_pages_and_the_api_error_body_show_the_request_id(request_log):
    page = Client().get("/no-such-page/")
    assert page.status_code == 404
    assert page["X-Request-ID"] in page.content.decode()
    api = Client().get("/api/v1/no-such-thing")
    assert api.status_code == 404
    assert api.json()["error"]["request_id"] == api["X-Request-ID"]
    forbidden = Client(REMOTE_ADDR="203.0.113.7").get("/metrics")
    assert forbidden.status_code == 403
    assert forbidden["X-Request-ID"] in forbidden.content.decode()
    assert [line["status"] for line in request_log()] == [404, 404, 403]


@pytest.mark.django_db
def test_a_rate_limited_answer_shows_the_request_id(settings):
    settings.PORTAL_RATE_LIMITS = {**settings.PORTAL_RATE_LIMITS, "write": {"ip": "1/m"}}
    client = Client()
    client.post("/prefs/elder", {"elder": "1"})
    limited = client.post("/prefs/elder", {"elder": "1"})
    assert limited.status_code == 429
    assert limited["X-Request-ID"] in limited.content.decode()


@pytest.mark.django_db
@pytest.mark.urls("tests.portal.crashing_urls")
def test_a_server_error_page_shows_the_request_id_and_logs_a_500(request_log):
    response = Client(raise_request_exception=False).get("/crash/")
    assert response.status_code == 500
    assert response["X-Request-ID"] in response.content.decode()
    assert request_log()[-1]["status"] == 500
    assert request_log()[-1]["request_id"] == response["X-Request-ID"]
