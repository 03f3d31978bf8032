"""A database that restarts or cannot be reached: pages and the API answer
503 with Retry-After (never 500), and the portal reconnects by itself."""

from __future__ import annotations

import time

import psycopg
import pytest
from django.db import connection
from django.test import Client

from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def _terminate_backend_of(conn) -> None:
    """Ends the server process behind `conn` from a second connection, as a
    PostgreSQL restart does, and waits until it is gone."""
    pid = conn.connection.info.backend_pid
    params = conn.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("prepare_threshold", None)
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        deadline = time.monotonic() + 5
        while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
            assert time.monotonic() < deadline
            time.sleep(0.02)


@pytest.fixture
def unreachable_database():
    """Points the default connection at a port where nothing listens."""
    connection.close()
    original = connection.settings_dict["PORT"]
    connection.settings_dict["PORT"] = 1

    def restore():
        connection.close()
        connection.settings_dict["PORT"] = original

    yield restore
    restore()


def test_first_request_after_the_server_dropped_the_connection_succeeds():
    client = Client()
    assert client.get("/board/").status_code == 200
    _terminate_backend_of(connection)
    assert client.get("/board/").status_code == 200
    assert client.get("/api/v1/units").status_code == 200


def test_unreachable_database_answers_503_with_retry_after_on_a_page_and_the_api(unreachable_database):
    client = Client(raise_request_exception=False)
    page = client.get("/board/")
    assert page.status_code == 503
    assert page["Retry-After"] == "10"
    assert "数据库暂时不可用" in page.content.decode()
    api = client.get("/api/v1/units")
    assert api.status_code == 503
    assert api["Retry-After"] == "10"
    assert api.json() == {
        "error": {
            "code": "service_unavailable",
            "message": "服务暂时不可用（数据库正在恢复），请稍后再试。",
            "fields": {},
            "request_id": api["X-Request-ID"],
        }
    }
    unreachable_database()
    assert client.get("/board/").status_code == 200
    assert client.get("/api/v1/units").status_code == 200


def test_signed_in_visitor_gets_503_when_the_database_fails_in_middleware(unreachable_database):
    # The session lives in Redis; the user is loaded from the database by the
    # middleware, before any view runs.
    client = Client(raise_request_exception=False)
    unreachable_database()
    client.force_login(factories.StaffFactory(role="organiser", with_totp=True))
    connection.close()
    connection.settings_dict["PORT"] = 1
    response = client.get("/appeals/")
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert "数据库暂时不可用" in response.content.decode()
    unreachable_database()
    assert client.get("/appeals/").status_code == 200

