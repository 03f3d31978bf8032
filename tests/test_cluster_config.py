"""The one-box cluster's configuration (scripts/cluster_config.py), checked
by the programs' own validators. The cluster itself is exercised by
`make cluster-check` (bench/cluster.py), not here."""

from __future__ import annotations

import configparser
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import cluster_config as cc  # noqa: E402
import supervise  # noqa: E402


def needs(*programs: str):
    missing = [p for p in programs if shutil.which(p) is None]
    return pytest.mark.skipif(bool(missing), reason=f"{', '.join(missing)} missing: bash scripts/system_deps.sh cluster")


def free_base() -> int:
    """A port base whose etcd client port (base+379) is free now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1] - 379


@pytest.fixture
def layout(tmp_path) -> cc.Layout:
    layout = cc.Layout(root=tmp_path / "cluster", base=free_base())
    cc.write_configs(layout)
    return layout


@needs("haproxy")
@pytest.mark.parametrize("balancer", ["haproxy-web", "haproxy-db"])
def test_haproxy_accepts_both_balancers_configurations(layout, balancer):
    result = subprocess.run(["haproxy", "-c", "-f", str(layout.root / balancer / "haproxy.cfg")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Configuration file is valid" in result.stdout


def test_web_balancer_checks_readiness_drains_and_keeps_no_stickiness(layout):
    text = (layout.root / "haproxy-web" / "haproxy.cfg").read_text()
    assert "http-check send meth GET uri /readyz" in text
    assert "option redispatch" in text and "slowstart" in text
    assert "cookie" not in text and "stick" not in text
    for name in layout.web_names():
        assert f"server {name} 127.0.0.1:" in text


def test_balancer_errors_are_503_with_retry_after_and_the_api_error_body(layout):
    raw = (layout.root / "haproxy-web" / "503.json.http").read_bytes()
    head, body = raw.split(b"\r\n\r\n", 1)
    lines = head.decode().split("\r\n")
    assert lines[0] == "HTTP/1.1 503 Service Unavailable"
    headers = dict(line.split(": ", 1) for line in lines[1:])
    assert headers["Retry-After"] == str(cc.RETRY_AFTER_SECONDS)
    assert int(headers["Content-Length"]) == len(body)
    assert json.loads(body)["error"]["code"] == "service_unavailable"


def test_database_balancer_follows_patroni_primary_and_replicas(layout):
    text = (layout.root / "haproxy-db" / "haproxy.cfg").read_text()
    primary, replicas = text.split("listen postgres_primary")[1].split("listen postgres_replicas")
    assert "GET /primary" in primary and "GET /replica?lag=" in replicas
    assert f"server primary 127.0.0.1:{layout.db_primary_port} backup" in replicas
    assert "on-marked-down shutdown-sessions" in text
    for n in range(1, layout.pg_nodes + 1):
        assert f"{layout.pg_host(n)}:{layout.pg_port(n)} check port {layout.patroni_port(n)}" in primary


@needs("patroni", "etcd")
def test_patroni_validates_every_node_configuration_in_synchronous_mode(layout):
    (layout.root / "etcd").mkdir()
    etcd = subprocess.Popen(cc.etcd_command(layout), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", layout.etcd_port)) == 0:
                    break
            time.sleep(0.1)
        for name in layout.pg_names():
            path = layout.root / name / "patroni.yml"
            result = subprocess.run(["patroni", "--validate-config", str(path)], capture_output=True, text=True)
            assert result.returncode == 0, result.stdout + result.stderr
            config = json.loads(path.read_text())
            assert config["bootstrap"]["dcs"]["synchronous_mode"] is True
            assert "etcd3" in config and "etcd" not in config
            dcs = config["bootstrap"]["dcs"]
            assert dcs["loop_wait"] + 2 * dcs["retry_timeout"] <= dcs["ttl"]
    finally:
        etcd.terminate()
        etcd.wait(timeout=10)


def test_pgbouncer_pools_transactions_for_the_web_and_sessions_for_workers(layout):
    ini = configparser.ConfigParser()
    ini.read(layout.root / "pgbouncer" / "pgbouncer.ini")
    assert ini["pgbouncer"]["pool_mode"] == "transaction"
    assert int(ini["pgbouncer"]["listen_port"]) == layout.pgbouncer_port
    assert f"port={layout.db_primary_port}" in ini["databases"]["portal"]
    assert "pool_mode=session" in ini["databases"]["portal_session"]
    assert f"port={layout.db_replica_port}" in ini["databases"]["portal_replica"]
    env = layout.portal_env()
    assert env["DATABASE_URL"].endswith(f":{layout.pgbouncer_port}/portal")
    assert env["WORKER_DATABASE_URL"].endswith("/portal_session")
    assert env["PGBOUNCER"] == "1"


def test_sentinels_monitor_the_first_redis_with_a_majority_quorum(layout):
    for n in range(1, layout.sentinels + 1):
        text = (layout.root / f"sentinel{n}" / "sentinel.conf").read_text()
        assert f"sentinel monitor {cc.SENTINEL_SERVICE} 127.0.0.1 {layout.redis_port(1)} 2" in text
    assert cc.redis_command(layout, 2)[-3:] == ["--replicaof", "127.0.0.1", str(layout.redis_port(1))]


def test_task_worker_uses_the_worker_database_url_when_given(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://x@127.0.0.1:6432/portal")
    monkeypatch.delenv("WORKER_DATABASE_URL", raising=False)
    assert supervise.worker_env() is None
    monkeypatch.setenv("WORKER_DATABASE_URL", "postgres://x@127.0.0.1:6432/portal_session")
    assert supervise.worker_env()["DATABASE_URL"] == "postgres://x@127.0.0.1:6432/portal_session"


def test_redis_sentinels_setting_switches_the_cache_to_sentinel():
    env = {**os.environ, "PORTAL_ENV": "development", "REDIS_URL": "redis://portal/0",
           "REDIS_SENTINELS": "127.0.0.1:26379, 127.0.0.2:26380", "DJANGO_SETTINGS_MODULE": "portal.settings"}
    code = ("import json, django; django.setup(); from django.conf import settings; "
            "print(json.dumps([settings.CACHES[a]['OPTIONS'] for a in ('default', 'ratelimit')]))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    for options in json.loads(result.stdout.strip().splitlines()[-1]):
        assert options["CONNECTION_FACTORY"] == "django_redis.pool.SentinelConnectionFactory"
        assert options["SENTINELS"] == [["127.0.0.1", 26379], ["127.0.0.2", 26380]]
        assert options["CLIENT_CLASS"] == "django_redis.client.DefaultClient"


def test_sockets_stay_within_the_unix_path_limit_when_the_cluster_lives_deep_in_the_tree(tmp_path):
    """A clone deep in the tree (or pytest's temporary folder under xdist)
    made HAProxy refuse its admin socket: 'socket path too long (max 97)'."""
    layout = cc.Layout(root=tmp_path / ("deep-" * 20) / "cluster", base=free_base())
    cc.write_configs(layout)
    for name in ("haproxy-db", "haproxy-web", "pgbouncer", *layout.pg_names()):
        directory = layout.socket_dir(name)
        assert directory.is_dir()
        assert len(str(directory / ".s.PGSQL.65535.lock")) < 97
    assert str(layout.socket_dir("haproxy-web")) in (layout.root / "haproxy-web" / "haproxy.cfg").read_text()
