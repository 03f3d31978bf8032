"""Jobs whose worker died mid-run go back to the queue (portal.queue),
against the real procrastinate tables."""

from __future__ import annotations

import pytest
from django.db import connection

from portal import queue
from portal.tasks import retry_stalled_jobs

pytestmark = pytest.mark.django_db


def worker(*, silent_for: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT procrastinate_register_worker_v1()")
        worker_id = cursor.fetchone()[0]
        cursor.execute("UPDATE procrastinate_workers SET last_heartbeat = NOW() - make_interval(secs => %s) WHERE id = %s",
                       [silent_for, worker_id])
    return worker_id


def running_job(worker_id: int, *, queueing_lock: str | None = None) -> int:
    """A job as a worker holds it: deferred, then fetched (status doing)."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs")  # jobs left by other tests' workers (committed)
        cursor.execute(
            "INSERT INTO procrastinate_jobs (queue_name, task_name, queueing_lock, args) "
            "VALUES ('stalled-test', 'portal.test_task', %s, '{}') RETURNING id", [queueing_lock])
        job_id = cursor.fetchone()[0]
        cursor.execute("SELECT id FROM procrastinate_fetch_job_v2(ARRAY['stalled-test'], %s)", [worker_id])
        assert cursor.fetchone()[0] == job_id
    return job_id


def job(job_id: int) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute("SELECT status, attempts FROM procrastinate_jobs WHERE id = %s", [job_id])
        return cursor.fetchone()


def test_job_of_a_dead_worker_goes_back_to_the_queue():
    job_id = running_job(worker(silent_for=300))
    assert queue.retry_stalled_jobs(seconds_since_heartbeat=60) == {"retried": 1, "waiting": 0}
    assert job(job_id) == ("todo", 1)


def test_job_of_a_live_worker_is_left_running():
    job_id = running_job(worker(silent_for=5))
    assert queue.retry_stalled_jobs(seconds_since_heartbeat=60) == {"retried": 0, "waiting": 0}
    assert job(job_id) == ("doing", 0)


def test_stalled_job_waits_while_a_job_of_its_kind_is_queued():
    job_id = running_job(worker(silent_for=300), queueing_lock="stalled-test-lock")
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO procrastinate_jobs (queue_name, task_name, queueing_lock, args) "
                       "VALUES ('stalled-test', 'portal.test_task', 'stalled-test-lock', '{}')")
    assert queue.retry_stalled_jobs(seconds_since_heartbeat=60) == {"retried": 0, "waiting": 1}
    assert job(job_id) == ("doing", 0)


def test_periodic_task_uses_the_worker_staleness_setting(settings):
    settings.PORTAL_WORKER_STALE_SECONDS = 600
    job_id = running_job(worker(silent_for=300))
    assert retry_stalled_jobs(timestamp=0) == {"retried": 0, "waiting": 0}
    settings.PORTAL_WORKER_STALE_SECONDS = 60
    assert retry_stalled_jobs(timestamp=0) == {"retried": 1, "waiting": 0}
    assert job(job_id) == ("todo", 1)
