"""Health of the parts the portal needs: PostgreSQL, Redis, a task worker."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from procrastinate.contrib.django.models import ProcrastinateWorker


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "down"; the reason is reported
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True}


def check_redis() -> dict:
    try:
        client = cache.client.get_client(write=True)
        client.ping()
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True}


def check_worker() -> dict:
    cutoff = timezone.now() - dt.timedelta(seconds=settings.PORTAL_WORKER_STALE_SECONDS)
    try:
        alive = ProcrastinateWorker.objects.filter(last_heartbeat__gte=cutoff).count()
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": alive > 0, "workers": alive}


def report() -> tuple[bool, dict]:
    parts = {"database": check_database(), "redis": check_redis(), "worker": check_worker()}
    healthy = all(part["ok"] for part in parts.values())
    return healthy, {"status": "ok" if healthy else "degraded", **parts}
