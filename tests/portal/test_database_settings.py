"""The settings the environment makes for several machines (README,
Production): PgBouncer in transaction mode, the read replica, the pool,
uploads on object storage."""

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
    "print(json.dumps({'databases': s.DATABASES, 'replica': s.PORTAL_READ_REPLICA, 'prepare_vote': s.PORTAL_PREPARE_VOTE, "
    "'storages': s.STORAGES, 'serve_media': s.SERVE_PUBLIC_MEDIA, "
    "'img_src': s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src']}, default=str))"
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


def test_media_stay_on_the_filesystem_unless_told():
    found = settings_with()
    assert found["storages"]["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert found["storages"]["private"]["BACKEND"] == "portal.media.PrivateStorage"
    assert found["serve_media"] is True


def test_object_storage_from_the_environment():
    found = settings_with(MEDIA_STORAGE="s3", AWS_STORAGE_BUCKET_NAME="minxin-media",
                          AWS_PRIVATE_STORAGE_BUCKET_NAME="minxin-private",
                          AWS_S3_ENDPOINT_URL="https://oss-cn-shenzhen.aliyuncs.com", AWS_S3_ADDRESSING_STYLE="virtual",
                          AWS_S3_REGION_NAME="cn-shenzhen", AWS_ACCESS_KEY_ID="id", AWS_SECRET_ACCESS_KEY="secret")
    public, private = found["storages"]["default"], found["storages"]["private"]
    assert public["BACKEND"] == "storages.backends.s3.S3Storage"
    assert public["OPTIONS"]["bucket_name"] == "minxin-media"
    assert public["OPTIONS"]["default_acl"] == "public-read" and public["OPTIONS"]["querystring_auth"] is False
    assert private["BACKEND"] == "portal.objectstorage.PrivateS3Storage"
    assert private["OPTIONS"]["bucket_name"] == "minxin-private"
    assert private["OPTIONS"]["default_acl"] == "private" and private["OPTIONS"]["querystring_auth"] is True
    assert private["OPTIONS"]["querystring_expire"] == 300
    assert found["serve_media"] is False
    # Pages may show images from the buckets (and follow the private photos' redirects there).
    assert "https://minxin-media.oss-cn-shenzhen.aliyuncs.com" in found["img_src"]
    assert "https://minxin-private.oss-cn-shenzhen.aliyuncs.com" in found["img_src"]


def test_one_bucket_keeps_private_files_under_their_own_prefix():
    found = settings_with(MEDIA_STORAGE="s3", AWS_STORAGE_BUCKET_NAME="minxin", AWS_S3_ENDPOINT_URL="http://127.0.0.1:9000")
    assert found["storages"]["private"]["OPTIONS"]["bucket_name"] == "minxin"
    assert found["storages"]["private"]["OPTIONS"]["location"] == "private"
    assert found["storages"]["default"]["OPTIONS"]["location"] == ""
    assert found["storages"]["default"]["OPTIONS"]["addressing_style"] == "path"  # MinIO's default
    assert found["img_src"][-1] == "http://127.0.0.1:9000"


def test_object_storage_without_a_bucket_is_refused():
    found = settings_with(MEDIA_STORAGE="s3")
    assert "ImproperlyConfigured" in found["error"] and "AWS_STORAGE_BUCKET_NAME" in found["error"]
