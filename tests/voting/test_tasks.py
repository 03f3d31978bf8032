"""Background jobs of voting leave no errors in PostgreSQL's log."""

from __future__ import annotations

import pytest
from django.db import connection
from procrastinate.contrib.django.models import ProcrastinateJob

from voting import services
from tests import factories


def _rolled_back_transactions() -> int:
    """This database's failed transactions so far (a unique violation in a
    defer is one), with this connection's pending statistics flushed."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT xact_rollback FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_deferring_the_rollup_while_one_is_queued_makes_no_database_error():
    campaign = factories.CampaignFactory()
    before = _rolled_back_transactions()
    for _ in range(3):
        services.defer_rollup(campaign_id=campaign.pk)
    assert _rolled_back_transactions() == before
    lock = f"voting-rollup-{campaign.pk}"
    assert ProcrastinateJob.objects.filter(task_name="voting.rollup_vote_counts", queueing_lock=lock).count() == 1
