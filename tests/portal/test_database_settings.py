"""The database settings the environment makes (README, Production):
PgBouncer in transaction mode, the read replica, the pool."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from voting.services import cast_vote
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
PRINT = (
    "import json; from portal import settings as s; "
    "print(json.dumps({'databases': s.DATABASES, 'replica': s.PORTAL_READ_REPLICA, 'prepare_vote': s.PORTAL_PREPARE_VOTE}, default=str))"
)


def settings_with(**env: str) -> dict:
    """portal.settings imported in a clean process with this environment (as a web node would)."""
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("DATABASE_", "PGBOUNCER", "PORTAL_", "PREPARE_", "CONN_", "MEDIA_", "AWS_"))}
    result = subprocess.run([sys.executable, "-c", PRINT], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env={**clean, "PORTAL_ENV": "development", **env})
    if result.returncode:
        return {"error": result.stderr}
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_without_the_new_variables_nothing_changes():
    found = settings_with()
    assert set(found["databases"]) == {"default"}
    assert found["replica"] == ""
    assert found["prepare_vote"] is True
    default = found["databases"]["default"]
    assert default["OPTIONS"]["prepare_threshold"] == 2**31 - 1
    assert default["CONN_MAX_AGE"] == 600
    assert default["DISABLE_SERVER_SIDE_CURSORS"] is False


def test_behind_pgbouncer_no_server_side_prepared_statements_or_cursors():
    found = settings_with(PGBOUNCER="1", DATABASE_URL="postgres://portal@127.0.0.1:6432/portal")
    default = found["databases"]["default"]
    assert default["OPTIONS"]["prepare_threshold"] is None
    assert default["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert default["CONN_MAX_AGE"] == 600  # persistent client connections to PgBouncer, which pools
    assert "pool" not in default["OPTIONS"]
    assert found["prepare_vote"] is False


def test_pgbouncer_is_recognised_by_its_port_and_can_be_denied():
    assert settings_with(DATABASE_URL="postgres://portal@db:6432/portal")["prepare_vote"] is False
    assert settings_with(DATABASE_URL="postgres://portal@db:6432/portal", PGBOUNCER="0")["prepare_vote"] is True


def test_a_pgbouncer_that_keeps_prepared_statements_keeps_the_vote_prepared():
    found = settings_with(PGBOUNCER="1", PGBOUNCER_PREPARED_STATEMENTS="1")
    assert found["prepare_vote"] is True
    assert found["databases"]["default"]["OPTIONS"]["prepare_threshold"] is None


def test_psycopg_pool_behind_pgbouncer_is_refused():
    found = settings_with(PGBOUNCER="1", PORTAL_DB_POOL="1")
    assert "ImproperlyConfigured" in found["error"]
    assert "PORTAL_DB_POOL" in found["error"]


def test_a_replica_url_adds_the_replica_alias_and_turns_routing_on():
    found = settings_with(DATABASE_URL="postgres://portal@primary:6432/portal",
                          DATABASE_REPLICA_URL="postgres://portal@standby:6433/portal")
    assert found["replica"] == "replica"
    replica = found["databases"]["replica"]
    assert (replica["HOST"], replica["PORT"]) == ("standby", 6433)
    assert replica["OPTIONS"]["connect_timeout"] == 2
    assert replica["TEST"]["MIRROR"] == "default"
    assert replica["OPTIONS"]["prepare_threshold"] == 2**31 - 1  # its own port is not PgBouncer's


@pytest.mark.django_db
def test_an_unprepared_vote_is_counted_and_leaves_no_prepared_statement(settings):
    """Through PgBouncer 1.18 (Debian 12) a prepared statement would land on
    another server connection: the vote must work without one."""
    settings.PORTAL_PREPARE_VOTE = False
    campaign = factories.CampaignFactory(timeline=factories.campaign_timeline(open_phase="voting"))
    entry = factories.CaseEntryFactory(campaign=campaign)
    voter = factories.ResidentFactory(with_phone=True)
    connection.ensure_connection()
    connection.connection.execute("DEALLOCATE ALL")
    accepted = cast_vote(voter=voter, campaign_id=campaign.pk, case_id=entry.pk)
    assert accepted.count == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        assert cursor.fetchone()[0] == 0
