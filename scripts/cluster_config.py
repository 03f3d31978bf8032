"""The one-box cluster's layout and configuration files (`make cluster`,
`make cluster-drill`). Pure functions: a Layout says where each node lives
(ports on 127.0.0.1, folders under var/cluster/), and each render_* returns
the text of one program's configuration. scripts/cluster.py writes them and
runs the programs; tests/test_cluster_config.py checks them with the
programs' own validators (haproxy -c, patroni --validate-config).

    clients ──► HAProxy (web) :base+80 ── /readyz checks, no stickiness
                  ├─► web1 :base+101  granian + procrastinate worker
                  └─► web2 :base+102  granian + procrastinate worker
    web nodes ─► PgBouncer :base+432  (portal: transaction pool;
                  │                    portal_session: session pool, workers
                  │                    and migrations; portal_replica: reads)
                  ├─► HAProxy (db) :base+500 ── Patroni REST /primary
                  └─► HAProxy (db) :base+501 ── Patroni REST /replica
                        ├─► pg1 127.0.1.1:base+433 (Patroni REST :base+801)
                        └─► pg2 127.0.1.2:base+434 (Patroni REST :base+802)
    Patroni ◄─► etcd :base+379 (v3 API; the leader key and its lease)
    web nodes ─► Redis via Sentinel :base+263..265 ─► redis1 :base+637 (primary),
                                                      redis2 :base+638 (replica)

The same picture, with the reasons, is in docs/cluster.md.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

PG_BIN = Path("/usr/lib/postgresql/15/bin")
SCOPE = "minxinbang"
SENTINEL_SERVICE = "portal"
REPLICATION_USER = "replicator"
# Patroni's timing (seconds): a primary that stops renewing its leader key
# loses it after `ttl`; Patroni checks every `loop_wait`. Patroni's rule:
# loop_wait + 2 × retry_timeout ≤ ttl. Shorter than Patroni's defaults
# (30/10/10) so that a failover takes seconds, not half a minute.
PATRONI_TTL = 12
PATRONI_LOOP_WAIT = 2
PATRONI_RETRY_TIMEOUT = 4
RETRY_AFTER_SECONDS = 10


# A socket path holds at most 107 bytes (HAProxy: 97); the longest name put
# in the folder is PostgreSQL's ".s.PGSQL.NNNNN.lock" (19).
SOCKET_DIR_MAX = 70


@dataclass(frozen=True)
class Layout:
    """Where every node of the one-box cluster lives."""

    root: Path
    base: int = 17000
    web_nodes: int = 2
    pg_nodes: int = 2
    sentinels: int = 3

    # --- ports -------------------------------------------------------------------
    @property
    def etcd_port(self) -> int:
        return self.base + 379

    @property
    def etcd_peer_port(self) -> int:
        return self.base + 380

    def pg_host(self, n: int) -> str:
        """Each PostgreSQL node has an address of its own in 127.0.0.0/8, as
        it would on its own machine (Patroni refuses 127.0.0.1 as an address
        other nodes connect to)."""
        return f"127.0.1.{n}"

    def pg_port(self, n: int) -> int:
        return self.base + 432 + n

    def patroni_port(self, n: int) -> int:
        return self.base + 800 + n

    @property
    def pgbouncer_port(self) -> int:
        return self.base + 432

    @property
    def db_primary_port(self) -> int:
        return self.base + 500

    @property
    def db_replica_port(self) -> int:
        return self.base + 501

    @property
    def db_stats_port(self) -> int:
        return self.base + 502

    def redis_port(self, n: int) -> int:
        return self.base + 636 + n

    def sentinel_port(self, n: int) -> int:
        return self.base + 262 + n

    def web_port(self, n: int) -> int:
        return self.base + 100 + n

    @property
    def lb_port(self) -> int:
        return self.base + 80

    @property
    def lb_stats_port(self) -> int:
        return self.base + 81

    # --- folders ------------------------------------------------------------------
    def node_dir(self, name: str) -> Path:
        return self.root / name

    def socket_dir(self, name: str) -> Path:
        """Where a node's Unix sockets go: its own folder, unless that path is
        too long for a socket (about 100 bytes: a clone deep in the tree, a
        test's temporary folder), then a short folder under /tmp named after
        the cluster's root."""
        directory = self.node_dir(name)
        if len(str(directory)) <= SOCKET_DIR_MAX:
            return directory
        digest = hashlib.sha1(str(self.root).encode()).hexdigest()[:12]
        return Path("/tmp") / f"portal-cluster-{digest}" / name

    @property
    def run_dir(self) -> Path:
        return self.root / "run"

    @property
    def log_dir(self) -> Path:
        return self.root / "log"

    def pg_names(self) -> list[str]:
        return [f"pg{n}" for n in range(1, self.pg_nodes + 1)]

    def web_names(self) -> list[str]:
        return [f"web{n}" for n in range(1, self.web_nodes + 1)]

    # --- what the portal is given ---------------------------------------------------
    @property
    def lb_url(self) -> str:
        return f"http://127.0.0.1:{self.lb_port}"

    def database_url(self, database: str = "portal") -> str:
        """Through PgBouncer: `portal` (transaction pool), `portal_session`
        (session pool), `portal_replica` (the standby)."""
        return f"postgres://postgres@127.0.0.1:{self.pgbouncer_port}/{database}"

    @property
    def primary_url(self) -> str:
        """The primary wherever it is, without PgBouncer (HAProxy's primary port)."""
        return f"postgres://postgres@127.0.0.1:{self.db_primary_port}/portal"

    @property
    def sentinel_addresses(self) -> str:
        return ",".join(f"127.0.0.1:{self.sentinel_port(n)}" for n in range(1, self.sentinels + 1))

    def portal_env(self) -> dict[str, str]:
        """The environment every web node and worker of the cluster shares."""
        return {
            "DATABASE_URL": self.database_url("portal"),
            "DATABASE_REPLICA_URL": self.database_url("portal_replica"),
            # procrastinate's worker LISTENs for new jobs, which needs a
            # session of its own: PgBouncer's session pool (scripts/supervise.py).
            "WORKER_DATABASE_URL": self.database_url("portal_session"),
            "PGBOUNCER": "1",
            # A web node serves without a task worker: after a failover every
            # worker restarts at once, and the balancer would take every node out.
            "PORTAL_READY_REQUIRES_WORKER": "0",
            "REDIS_URL": f"redis://{SENTINEL_SERVICE}/0",
            "REDIS_SENTINELS": self.sentinel_addresses,
            # The balancer (option forwardfor) reaches the web nodes from
            # loopback: believe its X-Forwarded-For (portal.proxies). On
            # several machines this is the balancer's private address.
            "TRUSTED_PROXIES": "127.0.0.1",
        }


# --- etcd ---------------------------------------------------------------------------------


def etcd_command(layout: Layout) -> list[str]:
    """One etcd member (3.4): the only thing Patroni keeps there is the
    cluster's state and the leader key. v2 is off: Patroni speaks v3."""
    peer = f"http://127.0.0.1:{layout.etcd_peer_port}"
    client = f"http://127.0.0.1:{layout.etcd_port}"
    return [
        "etcd", "--name", "etcd1", "--data-dir", str(layout.node_dir("etcd") / "data"),
        "--listen-client-urls", client, "--advertise-client-urls", client,
        "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
        "--initial-cluster", f"etcd1={peer}", "--initial-cluster-state", "new",
        "--enable-v2=false", "--log-level", "warn", "--logger", "zap",
    ]


# --- Patroni and PostgreSQL ------------------------------------------------------------------


def render_patroni(layout: Layout, n: int) -> str:
    """Patroni's YAML for PostgreSQL node n (written as JSON, which is YAML)."""
    name = f"pg{n}"
    directory = layout.node_dir(name)
    host = layout.pg_host(n)
    trust = ["local all all trust", f"host replication {REPLICATION_USER} 127.0.0.0/8 trust",
             "host all all 127.0.0.0/8 trust"]
    config = {
        "scope": SCOPE,
        "name": name,
        "log": {"level": "INFO"},
        "restapi": {"listen": f"{host}:{layout.patroni_port(n)}",
                    "connect_address": f"{host}:{layout.patroni_port(n)}"},
        # etcd 3.4 serves v3 only (v2 off): Patroni's etcd3 client.
        "etcd3": {"hosts": [f"127.0.0.1:{layout.etcd_port}"]},
        "bootstrap": {
            "dcs": {
                "ttl": PATRONI_TTL,
                "loop_wait": PATRONI_LOOP_WAIT,
                "retry_timeout": PATRONI_RETRY_TIMEOUT,
                "maximum_lag_on_failover": 1048576,
                # A commit is acknowledged only once the synchronous standby
                # has it, and only that standby may be promoted: a failover
                # loses no acknowledged vote or appeal. With one node left
                # the primary goes on alone (synchronous_mode_strict off), so
                # a dead standby does not stop the portal.
                "synchronous_mode": True,
                "synchronous_mode_strict": False,
                # etcd out of reach (one member here): the primary stays
                # primary while every Patroni member answers it over REST,
                # instead of demoting itself when its leader key lapses.
                "failsafe_mode": True,
                "postgresql": {
                    "use_pg_rewind": True,
                    "use_slots": True,
                    "parameters": {
                        "wal_level": "replica",
                        "hot_standby": "on",
                        "wal_log_hints": "on",
                        "max_wal_senders": 10,
                        "max_replication_slots": 10,
                        "max_connections": 200,
                        "synchronous_commit": "on",
                        "hot_standby_feedback": "on",
                    },
                },
            },
            "initdb": [{"encoding": "UTF8"}, {"locale": "C.UTF-8"}, "data-checksums"],
            "pg_hba": trust,
        },
        "postgresql": {
            "listen": f"{host}:{layout.pg_port(n)}",
            "connect_address": f"{host}:{layout.pg_port(n)}",
            "data_dir": str(directory / "data"),
            "bin_dir": str(PG_BIN),
            "pgpass": str(directory / "pgpass"),
            # The demo trusts loopback; a real cluster uses scram-sha-256 and
            # passwords here (docs/cluster.md).
            "authentication": {
                "superuser": {"username": "postgres"},
                "replication": {"username": REPLICATION_USER},
                "rewind": {"username": "postgres"},
            },
            "pg_hba": trust,
            "parameters": {"unix_socket_directories": str(layout.socket_dir(name))},
        },
        "watchdog": {"mode": "off"},
        "tags": {"nofailover": False, "noloadbalance": False, "clonefrom": False, "nosync": False},
    }
    return json.dumps(config, indent=2) + "\n"


# --- HAProxy in front of PostgreSQL ------------------------------------------------------------


def render_haproxy_db(layout: Layout) -> str:
    """TCP ports that always lead to the current primary (Patroni's REST
    answers 200 on /primary only on the leader) and to the standbys
    (/replica, or the primary when no standby is fit). A node marked down has its sessions cut, so PgBouncer
    reconnects to the new primary instead of writing to the old one."""
    servers = "\n".join(
        f"  server {name} {layout.pg_host(n)}:{layout.pg_port(n)} check port {layout.patroni_port(n)}"
        for n, name in enumerate(layout.pg_names(), start=1)
    )
    return f"""# Generated by scripts/cluster_config.py: PostgreSQL behind Patroni.
global
  maxconn 2000
  stats socket {layout.socket_dir('haproxy-db')}/admin.sock mode 600 level admin
  log stdout format raw local0 notice

defaults
  mode tcp
  log global
  timeout connect 2s
  timeout client 30m
  timeout server 30m
  timeout check 2s
  default-server inter 1s fall 2 rise 2 on-marked-down shutdown-sessions

listen postgres_primary
  bind 127.0.0.1:{layout.db_primary_port}
  option httpchk GET /primary
  http-check expect status 200
{servers}

listen postgres_replicas
  bind 127.0.0.1:{layout.db_replica_port}
  balance roundrobin
  # A standby more than 16 MB of WAL behind leaves the pool; with none left
  # the reads go to the primary (through the primary port: no check needed).
  option httpchk GET /replica?lag=16MB
  http-check expect status 200
{servers}
  server primary 127.0.0.1:{layout.db_primary_port} backup

listen stats
  mode http
  bind 127.0.0.1:{layout.db_stats_port}
  stats enable
  stats uri /
  stats refresh 5s
"""


# --- PgBouncer ------------------------------------------------------------------------------


def render_pgbouncer(layout: Layout) -> str:
    """Transaction pooling for the web nodes (the portal sends no
    server-side prepared statement with PGBOUNCER=1: PgBouncer 1.18 cannot
    carry them), a session pool for what needs a session of its own
    (procrastinate's LISTEN, migrations), and the standbys for reads."""
    directory = layout.node_dir("pgbouncer")
    primary = f"host=127.0.0.1 port={layout.db_primary_port}"
    return f"""; Generated by scripts/cluster_config.py.
[databases]
portal = {primary} dbname=portal
portal_session = {primary} dbname=portal pool_mode=session
portal_replica = host=127.0.0.1 port={layout.db_replica_port} dbname=portal
postgres = {primary} dbname=postgres pool_mode=session

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {layout.pgbouncer_port}
unix_socket_dir = {layout.socket_dir('pgbouncer')}
pidfile = {directory}/pgbouncer.pid
auth_type = trust
auth_file = {directory}/userlist.txt
admin_users = postgres
pool_mode = transaction
max_client_conn = 2000
default_pool_size = 20
reserve_pool_size = 5
; After a failover: try the new primary again after a second, not 15.
server_login_retry = 1
server_connect_timeout = 3
; A client waits this long for a server connection, then gets an error
; (the portal answers 503 with Retry-After) instead of hanging.
query_wait_timeout = 5
ignore_startup_parameters = extra_float_digits
log_connections = 0
log_disconnections = 0
"""


def render_pgbouncer_users() -> str:
    return '"postgres" ""\n'


# --- Redis and Sentinel ------------------------------------------------------------------------


def redis_command(layout: Layout, n: int) -> list[str]:
    """Redis node n (1 is the first primary, the others replicate it).
    Cache, sessions (backed by PostgreSQL) and rate-limit counters: nothing
    that must survive a restart, so no persistence."""
    directory = layout.node_dir(f"redis{n}")
    command = [
        "redis-server", "--bind", "127.0.0.1", "--port", str(layout.redis_port(n)), "--dir", str(directory),
        "--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", "",
    ]
    if n > 1:
        command += ["--replicaof", "127.0.0.1", str(layout.redis_port(1))]
    return command


def render_sentinel(layout: Layout, n: int) -> str:
    quorum = layout.sentinels // 2 + 1
    return f"""# Generated by scripts/cluster_config.py; Sentinel rewrites it as it learns.
bind 127.0.0.1
port {layout.sentinel_port(n)}
daemonize no
logfile ""
dir {layout.node_dir(f"sentinel{n}")}
sentinel resolve-hostnames no
sentinel monitor {SENTINEL_SERVICE} 127.0.0.1 {layout.redis_port(1)} {quorum}
sentinel down-after-milliseconds {SENTINEL_SERVICE} 3000
sentinel failover-timeout {SENTINEL_SERVICE} 10000
sentinel parallel-syncs {SENTINEL_SERVICE} 1
"""


# --- HAProxy in front of the web nodes ------------------------------------------------------------


def render_error_json() -> str:
    body = json.dumps({"error": {
        "code": "service_unavailable",
        "message": "服务暂时不可用，请稍后再试。 The service is briefly unavailable; please try again shortly.",
        "fields": {}, "request_id": ""}}, ensure_ascii=False)
    encoded = body.encode()
    return ("HTTP/1.1 503 Service Unavailable\r\n"
            "Content-Type: application/json\r\n"
            "Cache-Control: no-store\r\n"
            f"Retry-After: {RETRY_AFTER_SECONDS}\r\n"
            f"Content-Length: {len(encoded)}\r\n"
            "Connection: close\r\n\r\n") + body


def render_error_page() -> str:
    return """<!doctype html>
<html lang="zh-Hans"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>服务暂时不可用 · Service briefly unavailable</title></head>
<body style="font-family: sans-serif; max-width: 32rem; margin: 3rem auto; padding: 0 1rem; line-height: 1.6">
<h1>服务暂时不可用</h1>
<p>门户正在切换服务器，请稍等片刻后刷新页面。已提交的内容不会丢失。</p>
<p lang="en">The portal is switching servers. Please refresh in a few seconds; nothing you submitted is lost.</p>
</body></html>
"""


def render_haproxy_web(layout: Layout) -> str:
    """The balancer: every web node is the same (no stickiness: sessions
    live in Redis and PostgreSQL); a node is in rotation while its /readyz
    answers 200, comes back slowly (slowstart) and can be drained from the
    admin socket (scripts/cluster.py drain). A request that found a dead
    node (connection refused) goes to another; one whose node died before
    answering is retried elsewhere only when that is safe: a GET, or a
    write carrying an Idempotency-Key (the portal replays its first answer).
    Whatever HAProxy itself must refuse is a 503 with Retry-After."""
    directory = layout.node_dir("haproxy-web")
    servers = "\n".join(
        f"  server {name} 127.0.0.1:{layout.web_port(n)} check"
        for n, name in enumerate(layout.web_names(), start=1)
    )
    return f"""# Generated by scripts/cluster_config.py: the web tier.
global
  maxconn 4000
  stats socket {layout.socket_dir('haproxy-web')}/admin.sock mode 600 level admin expose-fd listeners
  log stdout format raw local0 notice

defaults
  mode http
  log global
  option httplog
  option dontlognull
  timeout connect 2s
  timeout client 30s
  timeout http-request 10s
  timeout queue 5s
  timeout server 20s
  timeout check 3s
  # The portal caps bodies itself (PORTAL_REQUEST_MAX_BYTES); cap them here too.
  option http-buffer-request
  retries 3
  option redispatch 1
  retry-on conn-failure empty-response response-timeout
  errorfile 502 {directory}/503.json.http
  errorfile 503 {directory}/503.json.http
  errorfile 504 {directory}/503.json.http

frontend web
  bind 127.0.0.1:{layout.lb_port}
  option forwardfor
  http-request set-header X-Forwarded-Proto http
  http-request deny status 403 if {{ path_beg /metrics }}
  http-request deny status 413 if {{ req.hdr_val(content-length) gt 41943040 }}
  # No web node ready: a page for browsers (the API gets the JSON error).
  http-request return status 503 content-type "text/html; charset=utf-8" file {directory}/503.html hdr Retry-After {RETRY_AFTER_SECONDS} hdr Cache-Control no-store if !{{ nbsrv(web) gt 0 }} !{{ path_beg /api/ }}
  default_backend web

backend web
  balance roundrobin
  # A write may be retried on another node only when the portal can tell a
  # retry from a new request.
  http-request disable-l7-retry if !METH_GET !METH_HEAD !{{ req.hdr(Idempotency-Key) -m found }}
  option httpchk
  http-check send meth GET uri /readyz ver HTTP/1.1 hdr Host 127.0.0.1
  http-check expect status 200
  default-server inter 1s fall 2 rise 2 slowstart 10s
{servers}

listen stats
  bind 127.0.0.1:{layout.lb_stats_port}
  stats enable
  stats uri /
  stats refresh 5s
"""


def write_configs(layout: Layout) -> dict[str, Path]:
    """Write every configuration file of the layout; returns them by name."""
    files: dict[str, str] = {
        "haproxy-db/haproxy.cfg": render_haproxy_db(layout),
        "haproxy-web/haproxy.cfg": render_haproxy_web(layout),
        "haproxy-web/503.json.http": render_error_json(),
        "haproxy-web/503.html": render_error_page(),
        "pgbouncer/pgbouncer.ini": render_pgbouncer(layout),
        "pgbouncer/userlist.txt": render_pgbouncer_users(),
    }
    for n, name in enumerate(layout.pg_names(), start=1):
        files[f"{name}/patroni.yml"] = render_patroni(layout, n)
    for n in range(1, layout.sentinels + 1):
        files[f"sentinel{n}/sentinel.conf"] = render_sentinel(layout, n)
    for name in ("haproxy-db", "haproxy-web", "pgbouncer", *layout.pg_names()):
        layout.socket_dir(name).mkdir(parents=True, exist_ok=True)
    written = {}
    for relative, text in files.items():
        path = layout.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written[relative] = path
    return written
