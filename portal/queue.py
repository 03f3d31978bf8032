"""Upkeep of the task queue (procrastinate on PostgreSQL).

A job is `doing` from the moment a worker fetches it until that worker
records its end. If the worker dies first (kill -9, out of memory, a web
node lost with its worker), procrastinate 3 leaves the job `doing` for ever:
it offers `get_stalled_jobs` but retries nothing by itself. With a worker on
every node, a lost node would silently keep its jobs: a notification never
sent, a rollup never run. ``retry_stalled_jobs`` (a periodic job, every
minute) puts such jobs back in the queue. Every task is idempotent (quotas,
escalations and rollups are keyed in the database; a notification is claimed
once, so one that was being sent is not sent again), so a retry is safe.
"""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction
from procrastinate import sql


def retry_stalled_jobs(*, seconds_since_heartbeat: float) -> dict:
    """Jobs left `doing` by workers silent for longer than
    ``seconds_since_heartbeat`` (or whose worker row is gone) go back to
    `todo`, to run now. A job whose queueing lock is taken by a waiting job
    of the same kind stays as it is until that one has started."""
    with connection.cursor() as cursor:
        cursor.execute(sql.queries["select_stalled_jobs_by_heartbeat"],
                       {"queue": None, "task_name": None, "seconds_since_heartbeat": seconds_since_heartbeat})
        stalled = [row[0] for row in cursor.fetchall()]
    retried, waiting = 0, 0
    for job_id in stalled:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT procrastinate_retry_job_v2(%s, NOW(), NULL, NULL, NULL)", [job_id])
            retried += 1
        except IntegrityError:  # the queueing lock: a job of the same kind already waits
            waiting += 1
    return {"retried": retried, "waiting": waiting}
