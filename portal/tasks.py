"""Background jobs of the core, run by procrastinate workers.

Periodic jobs are deferred by every running worker, but procrastinate's
unique (task, periodic id, timestamp) row lets exactly one defer win, so a
job never runs twice however many workers run.
"""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from procrastinate import RetryStrategy
from procrastinate.contrib.django import app

from portal import notifications, queue


@app.periodic(cron="17 3 * * *")
@app.task(queue="maintenance", name="portal.clear_expired_sessions")
def clear_expired_sessions(timestamp: int) -> None:
    """Sessions are cached in Redis and kept in PostgreSQL (cached_db);
    expired rows are removed nightly at 03:17."""
    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore.clear_expired()


@app.task(
    queue="notifications",
    name=notifications.SEND_TASK,
    # Waits of 5 s, 25 s, 2 min, 10 min, 52 min: a gateway outage of about an
    # hour is ridden out; the row decides when it has failed for good.
    retry=RetryStrategy(max_attempts=notifications.MAX_ATTEMPTS + 1, exponential_wait=5),
)
def send_notification(notification_id: int) -> str:
    """Sends one queued e-mail or SMS (portal.notifications.deliver): at most
    once, retried with backoff while the gateway fails."""
    return notifications.deliver(notification_id=notification_id)


@app.periodic(cron="* * * * *")
@app.task(queue="maintenance", name="portal.retry_stalled_jobs", queueing_lock="portal.retry_stalled_jobs")
def retry_stalled_jobs(timestamp: int) -> dict:
    """Every minute: jobs whose worker died mid-run go back to the queue
    (portal.queue: procrastinate does not do it by itself)."""
    return queue.retry_stalled_jobs(seconds_since_heartbeat=settings.PORTAL_WORKER_STALE_SECONDS)
