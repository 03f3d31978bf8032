"""scripts/run.sh as `make run` starts it: a web worker or the task worker
killed with SIGKILL is replaced, the other web worker answers meanwhile, and
SIGTERM stops everything.

Granian's workers each listen on the port themselves (SO_REUSEPORT), once
their copy of the portal is loaded: a worker process that exists may not
listen yet, and one answer says only that some worker listens. So the test
reads who listens from /proc: killing the only worker that listened while
the other was still loading left nobody on the port, and all ten requests
were refused (a loaded machine loads one worker seconds after the other)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db(transaction=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _status(url: str, timeout: float = 2) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def _children(pid: int) -> dict[int, str]:
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found[int(entry.name)] = cmdline
    return found


def _listening(pids: list[int], port: int) -> list[int]:
    """Those of `pids` that hold a socket listening on `port`."""
    sockets = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for row in Path(table).read_text().splitlines()[1:]:
            fields = row.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                sockets.add(f"socket:[{fields[9]}]")
    found = []
    for pid in pids:
        try:
            if any(os.readlink(fd) in sockets for fd in Path(f"/proc/{pid}/fd").iterdir()):
                found.append(pid)
        except OSError:  # gone meanwhile
            continue
    return found


def _wait_for(predicate, seconds: float):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    return predicate()


# A worker loads the whole portal before it listens: seconds on a quiet
# machine, many more when the test machine is loaded.
STARTUP_SECONDS = 60


def _why(process, otherwise: str) -> str:
    return process.stderr.read1().decode() if process.poll() is not None else otherwise


@pytest.fixture
def portal(settings):
    db = connection.settings_dict
    cache = settings.CACHES["default"]
    port = _free_port()
    env = {
        **os.environ,
        "PYTHON": sys.executable,
        "PORT": str(port),
        "WEB_WORKERS": "2",
        "STOP_TIMEOUT": "10",
        "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": cache["LOCATION"],
        "CACHE_KEY_PREFIX": cache["KEY_PREFIX"],
        "PORTAL_PLAIN_STATIC": "1",
        "PORTAL_ENV": "development",
        "PORTAL_VAR_DIR": str(settings.PORTAL_OUTBOX_FILE.parent),
        "DJANGO_SETTINGS_MODULE": "portal.settings",
    }
    process = subprocess.Popen(["bash", "scripts/run.sh"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/"
    try:
        assert _wait_for(lambda: _status(url) == 200, STARTUP_SECONDS), _why(process, "no answer")
        # Every web worker listens, not only the one that answered.
        assert _wait_for(lambda: _all_listening(process.pid, port), STARTUP_SECONDS), _why(process, "a worker never listened")
        yield process, url, port
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


def _processes(supervisor: int) -> tuple[int | None, list[int], int | None]:
    """granian's main pid, its worker pids, the task worker's pid (None
    while one is being restarted)."""
    children = _children(supervisor)
    web = next((pid for pid, cmd in children.items() if "granian" in cmd), None)
    task = next((pid for pid, cmd in children.items() if "procrastinate" in cmd), None)
    workers = [pid for pid, cmd in _children(web).items() if "resource_tracker" not in cmd] if web else []
    return web, workers, task


def _all_listening(supervisor: int, port: int) -> list[int] | None:
    """The web workers, once there are two and both listen."""
    workers = _processes(supervisor)[1]
    return workers if len(workers) == 2 and len(_listening(workers, port)) == 2 else None


def test_killed_web_worker_and_task_worker_come_back_and_sigterm_stops_all(portal):
    process, url, port = portal
    web, workers, task = _processes(process.pid)
    assert _listening(workers, port) == workers and len(workers) == 2

    os.kill(workers[0], signal.SIGKILL)
    # Granian starts a replacement process at once...
    assert _wait_for(lambda: len(_processes(process.pid)[1]) == 2 and workers[0] not in _processes(process.pid)[1], 10)
    # ...and meanwhile the other worker answers every request (a loaded test
    # machine may be slow: not just one).
    assert [_status(url, timeout=15) for _ in range(10)] == [200] * 10
    # The replacement listens once it has loaded the portal; then both answer.
    replaced = _wait_for(lambda: _all_listening(process.pid, port), STARTUP_SECONDS)
    assert replaced and workers[0] not in replaced and workers[1] in replaced
    assert [_status(url, timeout=15) for _ in range(10)] == [200] * 10

    os.kill(task, signal.SIGKILL)
    assert _wait_for(lambda: _processes(process.pid)[2] not in (None, task), 10)
    assert _processes(process.pid)[0] == web  # the web server was not touched

    everything = [web, *_processes(process.pid)[1], _processes(process.pid)[2]]
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    assert not [pid for pid in everything if Path(f"/proc/{pid}").exists()]
    assert _status(url) is None
