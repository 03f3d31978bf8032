"""Background jobs of the core, run by procrastinate workers.

Periodic jobs are deferred by every running worker, but procrastinate's
unique (task, periodic id, timestamp) row lets exactly one defer win, so a
job never runs twice however many workers run.
"""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from procrastinate.contrib.django import app


@app.periodic(cron="17 3 * * *")
@app.task(queue="maintenance", name="portal.clear_expired_sessions")
def clear_expired_sessions(timestamp: int) -> None:
    """Sessions are cached in Redis and kept in PostgreSQL (cached_db);
    expired rows are removed nightly at 03:17."""
    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore.clear_expired()
