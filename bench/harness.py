"""Start the portal the way `make run` does, drive it with wrk, read figures.

The benchmarks use their own database (``<name>_bench``) so the demo data is
left alone; every figure is reported with a baseline taken in the same run.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
HOST = "127.0.0.1"


def bench_database_url() -> str:
    url = urlparse(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal"))
    name = (url.path.lstrip("/") or "portal") + "_bench"
    return urlunparse(url._replace(path="/" + name))


BENCH_REDIS_DB = 14  # its own Redis database: a run leaves tens of thousands of sessions behind


def bench_redis_url() -> str:
    url = urlparse(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    return urlunparse(url._replace(path=f"/{BENCH_REDIS_DB}"))


def bench_env(**extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": bench_database_url(),
        "REDIS_URL": bench_redis_url(),
        "PORTAL_BENCH_ENDPOINTS": "1",
        "PORTAL_PLAIN_STATIC": "1",
        "CACHE_KEY_PREFIX": "bench",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
    }
    env.update(extra)
    return env


def prepare_database() -> None:
    """Create and migrate the benchmark database (idempotent)."""
    import psycopg

    url = urlparse(bench_database_url())
    name = url.path.lstrip("/")
    admin = urlunparse(url._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname=%s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run([PY, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=bench_env(), check=True)


def manage_shell(code: str, **env: str) -> str:
    """Run Python inside Django (bench database) and return what it prints."""
    result = subprocess.run(
        [PY, "manage.py", "shell", "--no-imports", "-c", code], cwd=ROOT, env=bench_env(**env), check=True, capture_output=True, text=True
    )
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


SERVERS = {
    # name: command (port and workers filled in)
    "granian": lambda port, workers, threads: [
        str(ROOT / ".venv/bin/granian"), "--interface", "wsgi", "--host", HOST, "--port", str(port),
        "--workers", str(workers), "--blocking-threads", str(threads), "--log-level", "error",
        "--no-ws", "portal.wsgi:application",
    ],
    "gunicorn-sync": lambda port, workers, threads: [
        str(ROOT / ".venv/bin/gunicorn"), "-b", f"{HOST}:{port}", "-w", str(workers), "-k", "sync",
        "--log-level", "error", "portal.wsgi:application",
    ],
    "gunicorn-gthread": lambda port, workers, threads: [
        str(ROOT / ".venv/bin/gunicorn"), "-b", f"{HOST}:{port}", "-w", str(workers), "-k", "gthread",
        "--threads", str(threads), "--log-level", "error", "portal.wsgi:application",
    ],
}


class Served(str):
    """The server's base URL, with the pid of its process group leader."""

    def __new__(cls, base: str, pid: int):
        served = super().__new__(cls, base)
        served.pid = pid
        return served


_TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


def _cpu_ticks(pid: int) -> tuple[int, int] | None:
    """(process group, utime + stime in clock ticks) of a live process."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[2]), int(fields[11]) + int(fields[12])


class CpuMeter:
    """Server CPU time of a phase: every process of the web server's group
    (its workers), the PostgreSQL backends connected to the bench database
    and the Redis server, from /proc/<pid>/stat (utime + stime) before and
    after; the load generator (wrk) and this script are not counted.

    Redis is the shared server: anything else using it meanwhile counts too
    (an upper bound). PostgreSQL's background processes (WAL writer,
    checkpointer, autovacuum) serve every database on the server and are
    left out. A backend that exits during the phase loses its time (the
    web workers keep theirs: CONN_MAX_AGE)."""

    def __init__(self, server_pid: int):
        self.server_pid = server_pid
        self.redis_pid = self._redis_pid()
        self.database = urlparse(bench_database_url()).path.lstrip("/")

    @staticmethod
    def _redis_pid() -> int | None:
        import redis

        try:
            return int(redis.Redis.from_url(bench_redis_url()).info("server")["process_id"])
        except Exception:  # noqa: BLE001 - no Redis figure then
            return None

    def _backends(self) -> list[int]:
        import psycopg

        with psycopg.connect(bench_database_url(), autocommit=True) as conn:
            return [row[0] for row in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (self.database,))]

    def sample(self) -> dict[str, dict[int, int]]:
        web = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and (found := _cpu_ticks(int(entry.name))) and found[0] == self.server_pid:
                web[int(entry.name)] = found[1]
        groups = {"web": web, "postgres": {}, "redis": {}}
        for pid in self._backends():
            if found := _cpu_ticks(pid):
                groups["postgres"][pid] = found[1]
        if self.redis_pid and (found := _cpu_ticks(self.redis_pid)):
            groups["redis"][self.redis_pid] = found[1]
        return groups

    @staticmethod
    def spent(before: dict, after: dict) -> dict[str, float]:
        """Milliseconds of CPU per group between two samples (a process
        born in between counts from zero)."""
        spent = {name: sum(ticks - before[name].get(pid, 0) for pid, ticks in after[name].items()) * _TICK_MS
                 for name in after}
        spent["total"] = sum(spent.values())
        return spent


@contextlib.contextmanager
def serve(server: str = "granian", *, workers: int = 2, threads: int = 4, **env: str):
    port = free_port()
    command = SERVERS[server](port, workers, threads)
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(command, cwd=ROOT, env=bench_env(**env), stdout=log, stderr=log, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=0.2):
                break
            if process.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"{server} exited: {log.read().decode(errors='replace')[-2000:]}")
            time.sleep(0.1)
        yield Served(f"http://{HOST}:{port}", process.pid)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


@dataclass
class WrkResult:
    requests_per_second: float
    requests: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    non_2xx: int
    errors: int


_UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    match = re.match(r"([\d.]+)(us|ms|s)", text)
    return float(match.group(1)) * _UNIT[match.group(2)] if match else float("nan")


def wrk(url: str, *, seconds: int = 10, connections: int = 32, threads: int = 2, headers: dict | None = None,
        script: str | None = None, script_args: list[str] | None = None) -> WrkResult:
    """Run wrk with latency percentiles; `script` is a Lua file under bench/."""
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--latency", "--timeout", "10s"]
    for key, value in (headers or {}).items():
        command += ["-H", f"{key}: {value}"]
    if script:
        command += ["-s", str(ROOT / "bench" / script)]
    command.append(url)
    if script_args:
        command += ["--", *script_args]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    percentiles = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", output, re.M))
    p95 = re.search(r"^p95 ([\d.]+)ms", output, re.M)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return WrkResult(
        requests_per_second=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        requests=int(re.search(r"(\d+) requests in", output).group(1)),
        p50_ms=_ms(percentiles.get("50", "nan")),
        p95_ms=float(p95.group(1)) if p95 else float("nan"),
        p99_ms=_ms(percentiles.get("99", "nan")),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        errors=sum(int(x) for x in errors.groups()) if errors else 0,
    )
