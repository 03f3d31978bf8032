"""Periodic jobs run once however many workers defer them."""

import pytest
from procrastinate import sql
from procrastinate.contrib.django import app

from portal.tasks import clear_expired_sessions


@pytest.mark.django_db
def test_second_worker_deferring_the_same_periodic_run_is_refused_by_the_database():
    connector = app.connector.get_sync_connector()
    arguments = dict(
        task_name=clear_expired_sessions.name,
        defer_timestamp=1_790_000_000,
        periodic_id="",
        queue="maintenance",
        priority=0,
        lock=None,
        queueing_lock=None,
        args={"timestamp": 1_790_000_000},
    )
    first = connector.execute_query_one(query=sql.queries["defer_periodic_job"], **arguments)
    second = connector.execute_query_one(query=sql.queries["defer_periodic_job"], **arguments)
    assert first["id"] is not None
    assert second["id"] is None


@pytest.mark.django_db
def test_clear_expired_sessions_removes_only_expired_rows():
    import datetime as dt

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    Session.objects.create(session_key="expired", session_data="x", expire_date=timezone.now() - dt.timedelta(days=1))
    Session.objects.create(session_key="current", session_data="x", expire_date=timezone.now() + dt.timedelta(days=1))
    clear_expired_sessions(timestamp=0)
    assert list(Session.objects.values_list("session_key", flat=True)) == ["current"]
