"""Prometheus metrics: the portal's own counters and the /metrics endpoint.

django-prometheus counts requests (its two middlewares, first and last in
MIDDLEWARE); this module adds what the portal does:

- ``portal_votes_cast_total``: accepted ballots (voting.services.cast_vote);
- ``portal_refusals_total{code,status}``: every error answer by its reason
  code (portal.errors.error_body and the vote widget);
- ``portal_task_failures_total{task}``: jobs whose task raised (a procrastinate
  worker middleware, PROCRASTINATE_WORKER_DEFAULTS);
- ``portal_task_jobs{status}`` and ``portal_task_queue_depth``: the task
  queue read from PostgreSQL when Prometheus scrapes (cluster-wide figures).

Several processes (granian's web workers, the task worker): with
PROMETHEUS_MULTIPROC_DIR set (scripts/supervise.py sets it under var/, the
systemd units under /run), every process writes its counters to files there
and /metrics adds them up (prometheus_client's multiprocess mode).

/metrics is not public: it answers a direct connection from an address in
METRICS_ALLOWED_IPS (default loopback) or a request bearing METRICS_TOKEN;
anything that came through a proxy (X-Forwarded-For) needs the token.
"""

from __future__ import annotations

import hmac
import os

from django.conf import settings
from django.db import connection
from django.http import HttpRequest
from prometheus_client import CONTENT_TYPE_LATEST as CONTENT_TYPE, REGISTRY, CollectorRegistry, Counter, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

VOTES_CAST = Counter("portal_votes_cast_total", "Ballots accepted (page and API).")
REFUSALS = Counter("portal_refusals_total", "Error answers by reason code and HTTP status.", ["code", "status"])
TASK_FAILURES = Counter("portal_task_failures_total", "Task runs that raised, by task.", ["task"])


def count_vote() -> None:
    VOTES_CAST.inc()


def count_refusal(*, code: str, status: int) -> None:
    REFUSALS.labels(code=code, status=str(status)).inc()


async def count_task_failures(call_next, context, worker):
    """Procrastinate worker middleware: counts a job whose task raised (a
    retry counts each failed attempt)."""
    try:
        return await call_next()
    except Exception:
        TASK_FAILURES.labels(task=context.job.task_name).inc()
        raise


def on_app_ready(app) -> None:
    """PROCRASTINATE_ON_APP_READY: every worker of the app counts failures."""
    middleware = list(app.worker_defaults.get("worker_middleware") or [])
    app.worker_defaults = {**app.worker_defaults, "worker_middleware": [*middleware, count_task_failures]}


class TaskQueueCollector:
    """The task queue as PostgreSQL holds it, read at scrape time."""

    def collect(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT status, count(*) FROM procrastinate_jobs GROUP BY status")
            by_status = dict(cursor.fetchall())
            cursor.execute(
                "SELECT count(*) FROM procrastinate_jobs"
                " WHERE status = 'todo' AND (scheduled_at IS NULL OR scheduled_at <= now())"
            )
            (due,) = cursor.fetchone()
        jobs = GaugeMetricFamily("portal_task_jobs", "Task jobs by status (all nodes).", labels=["status"])
        for status in ("todo", "doing", "succeeded", "failed", "cancelled", "aborting", "aborted"):
            jobs.add_metric([status], by_status.get(status, 0))
        yield jobs
        yield GaugeMetricFamily("portal_task_queue_depth", "Jobs due and waiting for a worker.", value=due)


def _multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def exposition() -> bytes:
    """Every process's counters (or this process's, without a multiprocess
    directory) and the task queue."""
    registry = CollectorRegistry(auto_describe=False)
    directory = _multiprocess_dir()
    if directory:
        MultiProcessCollector(registry, path=directory)
    else:
        registry = _SingleProcess()
    registry.register(TaskQueueCollector())
    return generate_latest(registry)


class _SingleProcess(CollectorRegistry):
    """The default registry's metrics plus the collectors registered here,
    without adding those to the process-wide default registry."""

    def collect(self):
        yield from REGISTRY.collect()
        yield from super().collect()


def may_read_metrics(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    if token:
        offered = request.headers.get("Authorization", "")
        if hmac.compare_digest(offered.encode(), f"Bearer {token}".encode()):
            return True
    if "X-Forwarded-For" in request.headers or "Forwarded" in request.headers:
        return False
    return request.META.get("REMOTE_ADDR", "") in settings.METRICS_ALLOWED_IPS

