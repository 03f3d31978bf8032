"""/readyz: 200 only when PostgreSQL, Redis, the migrations, a task worker
and the queue are all in order; 503 naming the part that is not."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.test import Client

from portal import notifications

pytestmark = pytest.mark.django_db


@pytest.fixture
def live_worker(db):
    """A task worker's heartbeat row, as procrastinate's worker writes it,
    and an empty queue (procrastinate's tables are not emptied between
    tests: jobs deferred by earlier tests may still wait there)."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs")
        cursor.execute("SELECT * FROM procrastinate_register_worker_v1()")


def test_ready_when_every_part_is_up(client, live_worker):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "database": {"ok": True},
        "redis": {"ok": True},
        "migrations": {"ok": True, "pending": []},
        "worker": {"ok": True, "workers": 1},
        "queue": {"ok": True, "depth": 0},
    }


def test_not_ready_without_a_live_worker(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["worker"] == {"ok": False, "workers": 0}


def test_ready_without_a_live_worker_when_the_balancer_need_not_wait_for_one(client, settings):
    settings.PORTAL_READY_REQUIRES_WORKER = False
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs")
        cursor.execute("DELETE FROM procrastinate_workers")
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"
    assert response.json()["worker"] == {"ok": False, "workers": 0}


def test_not_ready_when_redis_is_down(client, live_worker, settings):
    settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}}
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["redis"]["ok"] is False
    assert response.json()["database"] == {"ok": True}


def test_not_ready_while_a_migration_is_not_applied(client, live_worker):
    # The portal's latest migration, whichever it is by now: a node whose
    # code is ahead of its database takes no traffic.
    latest = max(name for app, name in MigrationLoader(None).graph.leaf_nodes() if app == "portal")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE app = 'portal' AND name = %s", [latest])
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["migrations"] == {"ok": False, "pending": [f"portal.{latest}"]}


def test_not_ready_when_the_queue_is_backed_up(client, live_worker, settings):
    settings.PORTAL_READY_MAX_QUEUE_DEPTH = 1
    notifications.queue_sms(phone="13800138000", text="一")
    assert client.get("/readyz").status_code == 200
    notifications.queue_sms(phone="13800138001", text="二")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["queue"] == {"ok": False, "depth": 2}


@pytest.mark.django_db(transaction=True)
def test_not_ready_when_the_database_is_unreachable():
    connection.close()
    original = connection.settings_dict["PORT"]
    connection.settings_dict["PORT"] = 1
    try:
        response = Client().get("/readyz")
    finally:
        connection.close()
        connection.settings_dict["PORT"] = original
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready"
    assert body["database"] == {"ok": False, "error": "OperationalError"}
    assert body["migrations"]["ok"] is False and body["worker"]["ok"] is False and body["queue"]["ok"] is False
