"""Run the portal as a cluster on this one machine: `make cluster`,
`make cluster-stop`, `make cluster-status` (and bench/cluster.py's drill).

    python scripts/cluster.py up [--demo] [--root var/cluster] [--base 17000] [--web-nodes 2]
    python scripts/cluster.py down | status | reload-lb
    python scripts/cluster.py drain web1 | ready web1   (take a web node out of rotation and back)

Every program is the machine's own (Debian packages, scripts/system_deps.sh
cluster): etcd, two PostgreSQL 15 under Patroni, HAProxy in front of them,
PgBouncer, Redis with a replica and three Sentinels, the web nodes (each
scripts/run.sh: granian and a procrastinate worker under supervise.py) and
HAProxy in front of those. The layout and the configuration files are
scripts/cluster_config.py; the picture and the reasons are docs/cluster.md.
Each program runs in its own session with its pid in <root>/run/ and its
output in <root>/log/; `down` stops them in the reverse order.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cluster_config as cc  # noqa: E402
from cluster_config import Layout  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ROOT = ROOT / "var" / "cluster"
PG_USER = "postgres"


def log(message: str) -> None:
    print(f"[cluster] {message}", flush=True)


# --- processes ---------------------------------------------------------------------------


def pid_file(layout: Layout, name: str) -> Path:
    return layout.run_dir / f"{name}.pid"


def read_pid(layout: Layout, name: str) -> int | None:
    with contextlib.suppress(OSError, ValueError):
        pid = int(pid_file(layout, name).read_text().strip())
        os.kill(pid, 0)
        return pid
    return None


def spawn(layout: Layout, name: str, command: list[str], *, env: dict | None = None, as_postgres: bool = False,
          cwd: Path = ROOT) -> int:
    """Start one program in its own session, output appended to log/<name>.log."""
    if read_pid(layout, name):
        return read_pid(layout, name)
    layout.log_dir.mkdir(parents=True, exist_ok=True)
    layout.run_dir.mkdir(parents=True, exist_ok=True)
    output = (layout.log_dir / f"{name}.log").open("ab")
    extra = {}
    if as_postgres and os.geteuid() == 0:
        # PostgreSQL, Patroni and PgBouncer refuse to run as root.
        extra = {"user": PG_USER, "group": PG_USER, "extra_groups": []}
        env = {**(env or os.environ), "HOME": str(layout.root)}
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=output, stderr=output, stdin=subprocess.DEVNULL,
                               start_new_session=True, **extra)
    output.close()
    pid_file(layout, name).write_text(str(process.pid))
    return process.pid


def stop(layout: Layout, name: str, *, sig: int = signal.SIGTERM, seconds: float = 30) -> None:
    """Signal a program's whole session and wait for it to end."""
    pid = read_pid(layout, name)
    if pid is None:
        pid_file(layout, name).unlink(missing_ok=True)
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and alive(pid):
        time.sleep(0.1)
    if alive(pid):
        log(f"{name} did not stop in {seconds:.0f} s: killing it")
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
    pid_file(layout, name).unlink(missing_ok=True)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with contextlib.suppress(OSError):
        if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
            return False
    return True


def port_open(host: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
        return True
    return False


def wait_until(what: str, check, seconds: float = 60, every: float = 0.25) -> float:
    """Poll check() until it is true; returns the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        with contextlib.suppress(Exception):
            if check():
                return time.monotonic() - started
        time.sleep(every)
    raise SystemExit(f"[cluster] {what}: not within {seconds:.0f} s (logs in the cluster's log/ folder)")


def http_status(url: str, timeout: float = 2.0) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def http_json(url: str, timeout: float = 2.0) -> dict:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        return json.loads(error.read() or b"{}")


# --- Patroni --------------------------------------------------------------------------------


def patroni_url(layout: Layout, n: int, path: str = "") -> str:
    return f"http://{layout.pg_host(n)}:{layout.patroni_port(n)}/{path.lstrip('/')}"


def leader(layout: Layout) -> int | None:
    """The number of the node that is primary now, by Patroni's REST."""
    for n in range(1, layout.pg_nodes + 1):
        if http_status(patroni_url(layout, n, "primary"), timeout=1) == 200:
            return n
    return None


def sync_standby(layout: Layout) -> int | None:
    for n in range(1, layout.pg_nodes + 1):
        if http_status(patroni_url(layout, n, "sync"), timeout=1) == 200:
            return n
    return None


def postmaster_pid(layout: Layout, n: int) -> int | None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        return int((layout.node_dir(f"pg{n}") / "data" / "postmaster.pid").read_text().split()[0])
    return None


def start_patroni(layout: Layout, n: int) -> None:
    directory = layout.node_dir(f"pg{n}")
    if os.geteuid() == 0:
        shutil.chown(directory, user=PG_USER, group=PG_USER)
        directory.chmod(0o700)
        # PostgreSQL runs as postgres: every folder above the data must let it through.
        if subprocess.run(["runuser", "-u", PG_USER, "--", "test", "-w", str(directory)]).returncode != 0:
            raise SystemExit(f"[cluster] the user {PG_USER} cannot reach {directory}: let it traverse the folders "
                             "above (chmod o+x) or use --root elsewhere")
    spawn(layout, f"pg{n}", ["patroni", str(directory / "patroni.yml")], as_postgres=True)


def kill_pg_node(layout: Layout, n: int) -> None:
    """The machine of node n dies: Patroni and PostgreSQL killed at once
    (Patroni starts PostgreSQL detached, so both are named)."""
    postmaster = postmaster_pid(layout, n)
    patroni = read_pid(layout, f"pg{n}")
    for pid in (patroni, postmaster):
        if pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    pid_file(layout, f"pg{n}").unlink(missing_ok=True)


def stop_patroni(layout: Layout, n: int) -> None:
    stop(layout, f"pg{n}", seconds=40)
    postmaster = postmaster_pid(layout, n)
    if postmaster and alive(postmaster):  # left behind by a killed Patroni
        with contextlib.suppress(ProcessLookupError):
            os.kill(postmaster, signal.SIGQUIT)
        with contextlib.suppress(SystemExit):
            wait_until(f"pg{n}'s PostgreSQL stopping", lambda: not alive(postmaster), 20)


# --- the web tier -------------------------------------------------------------------------------


def secret_key(layout: Layout) -> str:
    """One key for every node: a session signed on one node is valid on all."""
    path = layout.root / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def portal_env(layout: Layout, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "PORTAL_ENV"}}
    for key in ("DATABASE_URL", "REDIS_URL"):
        env.pop(key, None)
    env.update(layout.portal_env())
    env.update({
        "SECRET_KEY": secret_key(layout),
        # The development e-mail and SMS outbox, one file for every node of the box.
        "PORTAL_OUTBOX_FILE": str(layout.root / "outbox.jsonl"),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHON": env.get("PYTHON", str(ROOT / ".venv" / "bin" / "python")),
    })
    env.update(extra)
    return env


def manage(layout: Layout, *args: str, env: dict | None = None, capture: bool = True) -> str:
    """manage.py against the cluster, on PgBouncer's session pool (migrations
    hold a session's state)."""
    env = env or portal_env(layout)
    env = {**env, "DATABASE_URL": layout.database_url("portal_session")}
    result = subprocess.run([env["PYTHON"], "manage.py", *args], cwd=ROOT, env=env, check=True,
                            capture_output=capture, text=True)
    return result.stdout if capture else ""


def start_web(layout: Layout, n: int, env: dict) -> None:
    """Web node n as `make run` serves one (scripts/run.sh), on its own port
    and folder: granian and a procrastinate worker under supervise.py."""
    name = f"web{n}"
    directory = layout.node_dir(name)
    directory.mkdir(parents=True, exist_ok=True)
    node_env = {**env, "HOST": "127.0.0.1", "PORT": str(layout.web_port(n)), "PORTAL_VAR_DIR": str(directory),
                "PROMETHEUS_MULTIPROC_DIR": str(directory / "prometheus")}
    spawn(layout, name, ["bash", "scripts/run.sh"], env=node_env)


def kill_web(layout: Layout, n: int) -> None:
    """Web node n dies: its whole session (supervise.py, granian and its
    workers, the task worker) killed at once."""
    pid = read_pid(layout, f"web{n}")
    if pid:
        members = _session_members(pid)  # before the kill: orphans are adopted by init
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
        for child in members:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)
    pid_file(layout, f"web{n}").unlink(missing_ok=True)


def kill_task_workers(layout: Layout) -> list[int]:
    """kill -9 the procrastinate worker of every web node (supervise.py
    starts a new one); returns the pids killed."""
    killed = []
    for n in range(1, layout.web_nodes + 1):
        pid = read_pid(layout, f"web{n}")
        for member in _session_members(pid) if pid else []:
            with contextlib.suppress(OSError):
                if b"procrastinate" in Path(f"/proc/{member}/cmdline").read_bytes():
                    os.kill(member, signal.SIGKILL)
                    killed.append(member)
    return killed


def _session_members(session: int) -> list[int]:
    """Every descendant of a process (supervise.py starts each child in a
    session of its own, so killing the node's process group is not enough)."""
    members, parents = [], {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                parents[int(entry.name)] = int(fields[1])
    frontier = {session}
    while frontier:
        children = {pid for pid, parent in parents.items() if parent in frontier}
        members.extend(children)
        frontier = children
    return members


def stop_web(layout: Layout, n: int) -> None:
    stop(layout, f"web{n}", seconds=40)


def lb_admin(layout: Layout, command: str) -> str:
    """A command on the web balancer's admin socket (HAProxy's runtime API)."""
    with socket.socket(socket.AF_UNIX) as sock:
        sock.connect(str(layout.socket_dir("haproxy-web") / "admin.sock"))
        sock.sendall(command.encode() + b"\n")
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks).decode()


def lb_servers(layout: Layout) -> dict[str, str]:
    """The web balancer's view: server name → UP / DOWN / DRAIN / MAINT …"""
    lines = lb_admin(layout, "show stat").splitlines()
    header = lines[0].lstrip("# ").split(",")
    states = {}
    for line in lines[1:]:
        row = dict(zip(header, line.split(","), strict=False))
        if row.get("pxname") == "web" and row.get("svname") not in {"FRONTEND", "BACKEND"}:
            states[row["svname"]] = row["status"]
    return states


# --- up and down ----------------------------------------------------------------------------------


def up(layout: Layout, *, demo: bool = False, fresh: bool = False, web: bool = True, **extra_env: str) -> dict:
    """Start every node (idempotent: what runs is left running); returns the
    portal's environment (extra_env added to it)."""
    if fresh and layout.root.exists():
        down(layout)
        shutil.rmtree(layout.root)
    layout.root.mkdir(parents=True, exist_ok=True)
    cc.write_configs(layout)
    for name in ("pgbouncer",):
        if os.geteuid() == 0:
            shutil.chown(layout.node_dir(name), user=PG_USER, group=PG_USER)
    if os.geteuid() == 0:
        # PgBouncer and PostgreSQL run as postgres and put their sockets there.
        for name in ("pgbouncer", *layout.pg_names()):
            shutil.chown(layout.socket_dir(name), user=PG_USER, group=PG_USER)

    layout.node_dir("etcd").mkdir(parents=True, exist_ok=True)
    spawn(layout, "etcd", cc.etcd_command(layout))
    wait_until("etcd answering", lambda: http_status(f"http://127.0.0.1:{layout.etcd_port}/health") == 200, 30)
    log(f"etcd on 127.0.0.1:{layout.etcd_port}")

    for n in range(1, layout.pg_nodes + 1):
        start_patroni(layout, n)
    took = wait_until("a Patroni leader", lambda: leader(layout) is not None, 120)
    log(f"PostgreSQL primary: pg{leader(layout)} ({took:.1f} s)")

    spawn(layout, "haproxy-db", ["haproxy", "-W", "-db", "-f", str(layout.node_dir("haproxy-db") / "haproxy.cfg")])
    spawn(layout, "pgbouncer", ["pgbouncer", str(layout.node_dir("pgbouncer") / "pgbouncer.ini")], as_postgres=True)
    for n in (1, 2):
        layout.node_dir(f"redis{n}").mkdir(parents=True, exist_ok=True)
        spawn(layout, f"redis{n}", cc.redis_command(layout, n))
    for n in range(1, layout.sentinels + 1):
        spawn(layout, f"sentinel{n}", ["redis-sentinel", str(layout.node_dir(f"sentinel{n}") / "sentinel.conf")])

    wait_until("the primary through HAProxy and PgBouncer", lambda: _select_one(layout.database_url("postgres")), 60)
    _create_database(layout)
    took = wait_until("a synchronous standby", lambda: sync_standby(layout) is not None, 180)
    log(f"synchronous standby: pg{sync_standby(layout)} ({took:.1f} s)")
    wait_until("Redis behind Sentinel", lambda: _sentinel_primary(layout) is not None, 30)
    log(f"Redis primary (Sentinel): {_sentinel_primary(layout)}")

    env = portal_env(layout, **extra_env)
    log("migrating (through PgBouncer's session pool)")
    manage(layout, "migrate", "--no-input", "-v", "0", env=env)
    manage(layout, "collectstatic", "--no-input", "-v", "0", env=env)
    if demo:
        log("loading the demo (manage.py seed_demo)")
        print(manage(layout, "seed_demo", env=env), end="")
    if web:
        start_web_tier(layout, env)
    return env


def start_web_tier(layout: Layout, env: dict) -> None:
    for n in range(1, layout.web_nodes + 1):
        start_web(layout, n, env)
    spawn(layout, "haproxy-web", ["haproxy", "-W", "-db", "-f", str(layout.node_dir("haproxy-web") / "haproxy.cfg")])
    took = wait_until("the portal ready through the balancer",
                      lambda: http_status(layout.lb_url + "/readyz", timeout=5) == 200, 180, every=1)
    wait_until("every web node in rotation", lambda: all(s.startswith("UP") for s in lb_servers(layout).values()), 120)
    log(f"portal ready through HAProxy in {took:.1f} s: {lb_servers(layout)}")


def _select_one(url: str) -> bool:
    import psycopg

    with psycopg.connect(url, connect_timeout=2, autocommit=True) as conn:
        return conn.execute("SELECT 1").fetchone() == (1,)


def _create_database(layout: Layout) -> None:
    import psycopg

    with psycopg.connect(layout.database_url("postgres"), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = 'portal'").fetchone():
            conn.execute('CREATE DATABASE "portal"')


def _sentinel_primary(layout: Layout) -> str | None:
    import redis

    for n in range(1, layout.sentinels + 1):
        with contextlib.suppress(redis.RedisError):
            host, port = redis.Redis(port=layout.sentinel_port(n), socket_timeout=1, decode_responses=True).sentinel_get_master_addr_by_name(
                cc.SENTINEL_SERVICE)
            if redis.Redis(host=host, port=port, socket_timeout=1).ping():
                return f"{host}:{port}"
    return None


def down(layout: Layout) -> None:
    stop(layout, "haproxy-web")
    for n in range(1, layout.web_nodes + 1):
        stop_web(layout, n)
    stop(layout, "pgbouncer")
    stop(layout, "haproxy-db")
    # Standbys first: the primary then needs no synchronous standby to stop.
    first = leader(layout)
    for n in sorted(range(1, layout.pg_nodes + 1), key=lambda n: n == first):
        stop_patroni(layout, n)
    for n in range(1, layout.sentinels + 1):
        stop(layout, f"sentinel{n}")
    for n in (1, 2):
        stop(layout, f"redis{n}")
    stop(layout, "etcd")
    log("stopped")


def status(layout: Layout) -> int:
    rows = []
    for name in ["etcd", *layout.pg_names(), "haproxy-db", "pgbouncer", "redis1", "redis2",
                 *[f"sentinel{n}" for n in range(1, layout.sentinels + 1)], *layout.web_names(), "haproxy-web"]:
        pid = read_pid(layout, name)
        rows.append(f"  {name:<12} {'running (pid %d)' % pid if pid else 'stopped'}")
    print("\n".join(rows))
    with contextlib.suppress(Exception):
        cluster = http_json(patroni_url(layout, leader(layout) or 1, "cluster"))
        for member in cluster.get("members", []):
            print(f"  patroni {member['name']}: {member['role']} {member['state']} lag={member.get('lag', 0)}")
    with contextlib.suppress(Exception):
        print(f"  Redis primary (Sentinel): {_sentinel_primary(layout)}")
    with contextlib.suppress(Exception):
        print(f"  balancer: {lb_servers(layout)}")
    print(f"  portal: {layout.lb_url}/  (HAProxy stats http://127.0.0.1:{layout.lb_stats_port}/, "
          f"database HAProxy http://127.0.0.1:{layout.db_stats_port}/)")
    return 0


def reload_lb(layout: Layout) -> None:
    """Graceful reload: HAProxy's master starts new workers on the new
    configuration; the old ones finish their connections."""
    cc.write_configs(layout)
    pid = read_pid(layout, "haproxy-web")
    if pid is None:
        raise SystemExit("[cluster] the web balancer is not running")
    os.kill(pid, signal.SIGUSR2)
    log("web balancer reloaded")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["up", "down", "status", "reload-lb", "drain", "ready"])
    parser.add_argument("node", nargs="?", help="web node for drain / ready (web1, web2, …)")
    parser.add_argument("--root", type=Path, default=Path(os.environ.get("CLUSTER_ROOT", DEFAULT_ROOT)))
    parser.add_argument("--base", type=int, default=int(os.environ.get("CLUSTER_PORT_BASE", "17000")))
    parser.add_argument("--web-nodes", type=int, default=int(os.environ.get("CLUSTER_WEB_NODES", "2")))
    parser.add_argument("--demo", action="store_true", help="load the demo data (manage.py seed_demo)")
    parser.add_argument("--fresh", action="store_true", help="stop and delete the cluster's folder first")
    args = parser.parse_args(argv)
    layout = Layout(root=args.root.resolve(), base=args.base, web_nodes=args.web_nodes)
    if args.action == "up":
        up(layout, demo=args.demo, fresh=args.fresh)
        status(layout)
        print(f"\n民心榜 portal (cluster): {layout.lb_url}/   stop with `make cluster-stop`")
    elif args.action == "down":
        down(layout)
    elif args.action == "status":
        return status(layout)
    elif args.action == "reload-lb":
        reload_lb(layout)
    else:
        if not args.node:
            parser.error(f"{args.action} needs a web node (web1, web2, …)")
        # drain: no new requests, those in flight finish; ready: back in rotation.
        print(lb_admin(layout, f"set server web/{args.node} state {args.action}").strip() or "ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
