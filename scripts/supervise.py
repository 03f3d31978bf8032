"""Run the portal's processes and keep them running: `make run` calls this
through scripts/run.sh.

- web: granian (WSGI). Granian respawns a worker that dies by itself
  (--respawn-failed-workers); if granian's own main process dies, it is
  started again here.
- worker: one procrastinate worker, started again here if it dies. With
  WORKER_DATABASE_URL set it connects there instead of DATABASE_URL: behind
  PgBouncer in transaction mode the worker needs a session pool, because it
  LISTENs for new jobs (the cluster, docs/cluster.md).

A process that exits without being asked to is restarted after a pause that
doubles on each quick failure (0.5 s up to 30 s) and resets once it has run
for a minute. SIGINT (Ctrl-C) or SIGTERM stops everything: each process gets
SIGTERM (granian stops accepting and finishes the requests in flight;
procrastinate finishes its running jobs) and is killed only after
STOP_TIMEOUT seconds. Children run in their own sessions so that a Ctrl-C in
the terminal reaches them once, through here, not twice.

Production runs the same two commands under systemd instead (deploy/).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STOP_TIMEOUT = float(os.environ.get("STOP_TIMEOUT", "30"))
STABLE_AFTER = 60.0
MAX_PAUSE = 30.0


def log(message: str) -> None:
    print(f"[supervise] {message}", file=sys.stderr, flush=True)


def web_command(python: str) -> list[str]:
    granian = str(Path(python).with_name("granian"))
    return [
        granian, "--interface", "wsgi",
        "--host", os.environ.get("HOST", "127.0.0.1"),
        "--port", os.environ.get("PORT", "8000"),
        "--workers", os.environ.get("WEB_WORKERS", "2"),
        "--blocking-threads", os.environ.get("WEB_THREADS", "4"),
        # A worker that dies (crash, OOM kill, kill -9) is replaced after a
        # second; without it granian kept running with no worker at all.
        "--respawn-failed-workers", "--respawn-interval", os.environ.get("WEB_RESPAWN_INTERVAL", "1"),
        # SIGTERM: in-flight requests get this long to finish.
        "--workers-kill-timeout", str(int(STOP_TIMEOUT)),
        "--log-level", "warning",
        "portal.wsgi:application",
    ]


def worker_command(python: str) -> list[str]:
    return [python, "manage.py", "procrastinate", "worker", "--concurrency", os.environ.get("TASK_CONCURRENCY", "4")]


@dataclass
class Child:
    name: str
    command: list[str]
    log_path: Path | None = None
    env: dict | None = None
    process: subprocess.Popen | None = None
    started: float = 0.0
    pause: float = 0.5
    restart_at: float = 0.0
    restarts: int = field(default=0)

    def start(self) -> None:
        output = self.log_path.open("ab") if self.log_path else None
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=output, stderr=output,
                                        start_new_session=True)
        if output:
            output.close()
        self.started = time.monotonic()
        log(f"{self.name} started (pid {self.process.pid})")


class Supervisor:
    def __init__(self, children: list[Child]):
        self.children = children
        self.stopping = False

    def ask_to_stop(self, signum, _frame) -> None:
        if not self.stopping:
            log(f"{signal.Signals(signum).name}: stopping")
        self.stopping = True

    def run(self) -> int:
        signal.signal(signal.SIGINT, self.ask_to_stop)
        signal.signal(signal.SIGTERM, self.ask_to_stop)
        for child in self.children:
            child.start()
        while not self.stopping:
            now = time.monotonic()
            for child in self.children:
                if child.process is not None:
                    code = child.process.poll()
                    if code is None:
                        continue
                    ran = now - child.started
                    child.pause = 0.5 if ran >= STABLE_AFTER else min(child.pause * 2, MAX_PAUSE)
                    child.restart_at = now + child.pause
                    child.process = None
                    log(f"{child.name} exited with {code} after {ran:.1f} s; restarting in {child.pause:.1f} s")
                elif now >= child.restart_at:
                    child.restarts += 1
                    child.start()
            time.sleep(0.2)
        return self.stop()

    def stop(self) -> int:
        running = [c for c in self.children if c.process is not None and c.process.poll() is None]
        for child in running:
            child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT + 5
        for child in running:
            try:
                code = child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
                log(f"{child.name} stopped ({code})")
            except subprocess.TimeoutExpired:
                log(f"{child.name} did not stop in time: killing it")
                os.killpg(child.process.pid, signal.SIGKILL)
                child.process.wait()
        log("stopped")
        return 0


def prepare_metrics_dir(var: Path) -> None:
    """Prometheus' multiprocess mode: the web workers and the task worker
    write their counters to files here and /metrics adds them up
    (portal.metrics). Emptied at start: files of a previous run are stale."""
    directory = Path(os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(var / "prometheus")))
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)


def worker_env() -> dict | None:
    url = os.environ.get("WORKER_DATABASE_URL")
    return {**os.environ, "DATABASE_URL": url} if url else None


def main() -> int:
    python = os.environ.get("PYTHON", sys.executable)
    var = Path(os.environ.get("PORTAL_VAR_DIR", ROOT / "var"))
    var.mkdir(parents=True, exist_ok=True)
    prepare_metrics_dir(var)
    children = [
        Child("web", web_command(python)),
        Child("worker", worker_command(python), log_path=var / "worker.log", env=worker_env()),
    ]
    return Supervisor(children).run()


if __name__ == "__main__":
    sys.exit(main())
