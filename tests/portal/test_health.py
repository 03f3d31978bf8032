"""/healthz against the real database, Redis and a real procrastinate worker."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def test_health_reports_each_part(client, db):
    response = client.get("/healthz")
    body = response.json()
    assert body["database"] == {"ok": True}
    assert body["redis"] == {"ok": True}
    assert set(body["worker"]) >= {"ok", "workers"}


def test_health_is_503_without_a_live_worker(client, db):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "degraded"
    assert response.json()["worker"] == {"ok": False, "workers": 0}


def test_health_is_503_when_redis_is_unreachable(client, db, settings):
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        }
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["redis"]["ok"] is False
    assert response.json()["database"] == {"ok": True}


@pytest.mark.django_db(transaction=True)
def test_health_is_200_while_a_worker_runs(client, settings):
    db = connection.settings_dict
    cache = settings.CACHES["default"]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        # The test's own Redis database and prefix: the worker runs the periodic
        # statistics job at start, which wrote the test database's (empty)
        # dashboards into the developer's cache.
        "REDIS_URL": cache["LOCATION"],
        "CACHE_KEY_PREFIX": cache["KEY_PREFIX"],
        "DJANGO_SETTINGS_MODULE": "portal.settings",
    }
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "procrastinate", "worker", "--concurrency", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        response = client.get("/healthz")
        while response.status_code != 200 and time.monotonic() < deadline:
            assert worker.poll() is None, worker.stderr.read().decode()
            time.sleep(0.3)
            response = client.get("/healthz")
        assert response.status_code == 200, response.json()
        assert response.json() == {
            "status": "ok",
            "database": {"ok": True},
            "redis": {"ok": True},
            "worker": {"ok": True, "workers": 1},
        }
    finally:
        worker.terminate()
        worker.wait(timeout=20)
