"""Health of the parts the portal needs: PostgreSQL, Redis, a task worker.

``report`` answers /healthz; ``readiness`` answers /readyz, which adds the
migrations and the depth of the task queue: a node is ready to take traffic
when every part is up, its code's migrations are applied and the queue is
not backed up (the worker is not required with PORTAL_READY_REQUIRES_WORKER
off: on a cluster, docs/cluster.md)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Q
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from procrastinate.contrib.django.models import ProcrastinateJob, ProcrastinateWorker


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


_code_leaves: set[tuple[str, str]] | None = None


def _migrations_in_code() -> set[tuple[str, str]]:
    """The last migration of each app, read from disk once per process (the
    code does not change under a running process)."""
    global _code_leaves
    if _code_leaves is None:
        _code_leaves = set(MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes())
    return _code_leaves


def check_migrations() -> dict:
    try:
        applied = set(MigrationRecorder(connection).applied_migrations())
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    pending = sorted(f"{app}.{name}" for app, name in _migrations_in_code() - applied)
    return {"ok": not pending, "pending": pending}


def check_queue() -> dict:
    """Jobs due and waiting for a worker; above PORTAL_READY_MAX_QUEUE_DEPTH
    the workers are not keeping up."""
    try:
        due = Q(scheduled_at__isnull=True) | Q(scheduled_at__lte=timezone.now())
        depth = ProcrastinateJob.objects.filter(due, status="todo").count()
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": depth <= settings.PORTAL_READY_MAX_QUEUE_DEPTH, "depth": depth}


def readiness() -> tuple[bool, dict]:
    parts = {
        "database": check_database(),
        "redis": check_redis(),
        "migrations": check_migrations(),
        "worker": check_worker(),
        "queue": check_queue(),
    }
    required = [name for name in parts if name != "worker" or settings.PORTAL_READY_REQUIRES_WORKER]
    ready = all(parts[name]["ok"] for name in required)
    return ready, {"status": "ready" if ready else "not ready", **parts}
