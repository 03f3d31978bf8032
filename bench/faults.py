"""Fault drill: `make faults` (`python -m bench faults`). A bench, not a test.

Starts the portal the way `make run` does (scripts/run.sh: granian with two
web workers and one procrastinate worker under scripts/supervise.py), but on
a PostgreSQL and a Redis of its own under var/faults/ (scripts/services.py
starts them, on free ports), with a fresh database: migrated, an open
edition with 80 cases on the board and about 3,000 verified voters signed in
(bench/votes.py's dataset and plan, one session per voter-day).

Then a vote storm through the API, ~18,000 attempts at a steady pace from
concurrent clients, each with its own Idempotency-Key; mid-storm:

  t=10 s  Redis stopped, started again 5 s later
  t=30 s  PostgreSQL restarted (pg_ctl restart -m fast)
  t=45 s  one granian web worker killed (kill -9)
  t=60 s  the task worker killed (kill -9)

Each attempt belongs to the phase in which it was sent; the answers are
printed by phase and status. Afterwards the database is read directly and
every answer is matched with the ballots:

- lost: a 201 answered but no ballot in the database;
- extra: a ballot nobody was told about: no 201 for that voter and case,
  nor an attempt that got no answer (timeout, connection reset by a killed
  worker) whose Idempotency-Key the database stored as accepted. Those
  ambiguous attempts are counted apart, with what the key says happened;
  a client resending the same key would get the stored answer back;
- over quota: a voter-day above the daily quota, or a voter-case-day above
  the per-case quota;
- server errors: any 5xx other than 503 with Retry-After, and any answer
  that is not JSON from the API;
- portal serving: /readyz answers 200 after the storm (within 60 s), with a
  new task worker registered after the kill and granian back to its number
  of workers.

The last line is `faults: 0 lost, 0 extra, 0 over quota, 0 server errors,
portal serving`; the exit code is non-zero when any of it is not so (or
when the tallies do not equal the ballots once the rollup has run).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from bench import harness

ROOT = harness.ROOT
PY = sys.executable
FAULTS = ROOT / "var" / "faults"
CSRF_SECRET = "FaultsCsrfSecret0123456789abcdef"  # 32 chars: an unmasked CSRF secret
REQUEST_TIMEOUT = 10.0

sys.path.insert(0, str(ROOT / "scripts"))
import services  # noqa: E402  scripts/services.py: the project-local PostgreSQL and Redis


def log(message: str) -> None:
    print(f"[faults] {message}", flush=True)


# --- processes ------------------------------------------------------------------


def _ppid(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def children(pid: int) -> list[int]:
    return sorted(int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _ppid(int(p.name)) == pid)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is not alive.
    with contextlib.suppress(OSError):
        if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
            return False
    return True


@dataclass
class Portal:
    """scripts/run.sh as `make run` starts it, on the drill's services."""

    env: dict
    process: subprocess.Popen | None = None

    def start(self) -> None:
        output = (FAULTS / "portal.log").open("wb")  # this run's log only
        (FAULTS / "worker.log").unlink(missing_ok=True)
        self.process = subprocess.Popen(["bash", "scripts/run.sh"], cwd=ROOT, env=self.env, stdout=output,
                                        stderr=output, start_new_session=True)
        output.close()

    def granian(self) -> int | None:
        return next((c for c in children(self.process.pid) if "granian" in _cmdline(c)), None)

    def web_workers(self) -> list[int]:
        main = self.granian()
        if main is None:
            return []
        return [c for c in children(main) if "resource_tracker" not in _cmdline(c) and alive(c)]

    def task_worker(self) -> int | None:
        return next((c for c in children(self.process.pid) if "procrastinate" in _cmdline(c) and alive(c)), None)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)  # supervise.py stops both gracefully
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


# --- services and data ------------------------------------------------------------


def start_services() -> tuple[str, str]:
    """A PostgreSQL and a Redis for the drill alone, on free ports, and a
    fresh portal database."""
    pg_dir, redis_dir = FAULTS / "postgres", FAULTS / "redis"
    # Left over by an interrupted run: stop them, they get new ports.
    with contextlib.suppress(subprocess.CalledProcessError):
        services.pg_ctl(pg_dir, "stop", "-m", "immediate")
    services.stop_local_redis(redis_dir)
    database_url = services.start_local_postgres(pg_dir, harness.free_port())
    redis_url = services.start_local_redis(redis_dir, harness.free_port())
    admin = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute('DROP DATABASE IF EXISTS "portal" WITH (FORCE)')
        conn.execute('CREATE DATABASE "portal"')
    return database_url, redis_url


def portal_env(database_url: str, redis_url: str, port: int) -> dict:
    env = {key: value for key, value in os.environ.items() if key not in {"DJANGO_SETTINGS_MODULE", "PORTAL_ENV"}}
    env.update({
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "HOST": harness.HOST,
        "PORT": str(port),
        "PORTAL_VAR_DIR": str(FAULTS),  # the task worker's log
        "PYTHON": PY,
        "STOP_TIMEOUT": "10",
        # Every client of the drill is 127.0.0.1: the per-IP vote limit
        # would refuse the storm; the per-voter limit stays as configured.
        "VOTING_RATE_PER_IP": "100000000/m",
    })
    return env


def manage(env: dict, *args: str) -> str:
    result = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return result.stdout


def django_json(env: dict, code: str) -> dict:
    out = manage(env, "shell", "--no-imports", "-c", f"import json\n{code}")
    return json.loads(out.strip().splitlines()[-1])


def http_get(url: str, timeout: float = 5.0) -> tuple[int | None, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")
    except (OSError, urllib.error.URLError) as error:
        return None, str(error)


def wait_ready(base: str, seconds: float) -> tuple[int | None, str]:
    deadline = time.monotonic() + seconds
    status, body = None, ""
    while time.monotonic() < deadline:
        status, body = http_get(base + "/readyz")
        if status == 200:
            break
        time.sleep(0.5)
    return status, body


# --- the storm ----------------------------------------------------------------------


@dataclass
class Attempt:
    index: int
    voter: int
    case: int
    session: str
    key: str
    sent: float = 0.0
    answered: float = 0.0  # when the answer (or the failure) came, seconds into the storm
    phase: str = ""
    status: int | None = None  # None: no answer (timeout, connection reset)
    code: str = ""
    retry_after: bool = False
    json_body: bool = True
    failure: str = ""


@dataclass
class Timeline:
    """The faults, injected from a thread while the storm runs."""

    portal: Portal
    pg_dir: Path
    redis_dir: Path
    redis_url: str
    database_url: str
    phases: list[tuple[float, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def mark(self, t0: float, name: str) -> None:
        self.phases.append((time.monotonic() - t0, name))
        log(f"t={self.phases[-1][0]:5.1f}s  {name}")

    def phase_at(self, moment: float) -> str:
        name = "steady"
        for start, label in self.phases:
            if moment >= start:
                name = label
        return name

    def run(self, t0: float, schedule: dict[str, float], stop: threading.Event) -> None:
        def at(seconds: float) -> bool:
            while time.monotonic() - t0 < seconds:
                if stop.wait(0.05):
                    return False
            return True

        try:
            if at(schedule["redis"]):
                services.stop_local_redis(self.redis_dir)
                self.mark(t0, "Redis stopped")
                if at(time.monotonic() - t0 + 5):
                    port = int(self.redis_url.rsplit(":", 1)[1].split("/")[0])
                    services.start_local_redis(self.redis_dir, port)
                    self.mark(t0, "Redis started again")
            if at(schedule["postgres"]):
                self.mark(t0, "PostgreSQL restart (fast)")
                started = time.monotonic()
                services.pg_ctl(self.pg_dir, "restart", "-m", "fast")
                self.notes.append(f"PostgreSQL restarted in {time.monotonic() - started:.1f} s")
            if at(schedule["web"]):
                before = self.portal.web_workers()
                if not before:
                    self.failures.append("no granian web worker found to kill")
                else:
                    victim = before[0]
                    self.mark(t0, f"web worker {victim} killed (-9)")
                    os.kill(victim, signal.SIGKILL)
                    started = time.monotonic()
                    while time.monotonic() - started < 30:
                        now = self.portal.web_workers()
                        if len(now) >= len(before) and victim not in now:
                            self.notes.append(f"granian had {len(now)} web workers again {time.monotonic() - started:.1f} s "
                                              "after the kill")
                            break
                        time.sleep(0.05)
                    else:
                        self.failures.append("granian did not replace the killed web worker within 30 s")
            if at(schedule["worker"]):
                victim = self.portal.task_worker()
                if victim is None:
                    self.failures.append("no task worker found to kill")
                else:
                    with psycopg.connect(self.database_url, autocommit=True) as conn:
                        last_id = conn.execute("SELECT COALESCE(MAX(id), 0) FROM procrastinate_workers").fetchone()[0]
                    self.mark(t0, f"task worker {victim} killed (-9)")
                    os.kill(victim, signal.SIGKILL)
                    started = time.monotonic()
                    while time.monotonic() - started < 60:
                        with contextlib.suppress(psycopg.Error), psycopg.connect(self.database_url, autocommit=True) as conn:
                            if conn.execute("SELECT 1 FROM procrastinate_workers WHERE id > %s", (last_id,)).fetchone():
                                self.notes.append(f"a new task worker registered {time.monotonic() - started:.1f} s "
                                                  "after the kill")
                                self.mark(t0, "after the faults (new task worker registered)")
                                break
                        time.sleep(0.2)
                    else:
                        self.failures.append("no new task worker registered within 60 s of the kill")
        except Exception as error:  # noqa: BLE001 - a fault that could not be injected fails the drill
            self.failures.append(f"injecting faults failed: {error!r}")


async def storm(base: str, campaign: int, attempts: list[Attempt], *, rate: float, connections: int,
                timeline: Timeline, t0: float) -> None:
    import aiohttp

    pending = iter(attempts)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    connector = aiohttp.TCPConnector(limit=connections, force_close=False)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()) as http:
        async def client() -> None:
            for attempt in pending:
                due = t0 + attempt.index / rate
                delay = due - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                attempt.sent = time.monotonic() - t0
                headers = {
                    "Cookie": f"sessionid={attempt.session}; csrftoken={CSRF_SECRET}",
                    "X-CSRFToken": CSRF_SECRET,
                    "Idempotency-Key": attempt.key,
                    "Accept": "application/json",
                }
                url = f"{base}/api/v1/campaigns/{campaign}/cases/{attempt.case}/votes"
                try:
                    async with http.post(url, headers=headers) as response:
                        body = await response.read()
                        attempt.status = response.status
                        attempt.retry_after = "Retry-After" in response.headers
                        try:
                            parsed = json.loads(body)
                            attempt.code = (parsed.get("error") or {}).get("code", "") if isinstance(parsed, dict) else ""
                        except ValueError:
                            attempt.json_body = False
                except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                    attempt.failure = type(error).__name__
                attempt.answered = time.monotonic() - t0
                attempt.phase = timeline.phase_at(attempt.answered)

        await asyncio.gather(*(client() for _n in range(connections)))


# --- the accounts ---------------------------------------------------------------------


def reconcile(database_url: str, campaign: int, attempts: list[Attempt]) -> dict:
    with psycopg.connect(database_url, autocommit=True) as conn:
        ballots = collections.Counter(conn.execute(
            "SELECT voter_id, case_id FROM voting_ballot WHERE campaign_id = %s AND voided_at IS NULL", (campaign,)
        ).fetchall())
        stored = dict(conn.execute("SELECT key, status FROM voting_voterequest WHERE key LIKE %s", ("faults-%",)).fetchall())
        per_day, per_case = conn.execute(
            "SELECT votes_per_day, votes_per_case_per_day FROM voting_votingrules WHERE campaign_id = %s", (campaign,)
        ).fetchone()
        over_day = conn.execute(
            "SELECT COUNT(*) FROM (SELECT 1 FROM voting_ballot WHERE campaign_id = %s AND voided_at IS NULL"
            " GROUP BY voter_id, day HAVING COUNT(*) > %s) s", (campaign, per_day)).fetchone()[0]
        over_case = conn.execute(
            "SELECT COUNT(*) FROM (SELECT 1 FROM voting_ballot WHERE campaign_id = %s AND voided_at IS NULL"
            " GROUP BY voter_id, case_id, day HAVING COUNT(*) > %s) s", (campaign, per_case)).fetchone()[0]
    told = collections.Counter((a.voter, a.case) for a in attempts if a.status == 201)
    unanswered = [a for a in attempts if a.status is None]
    committed_unanswered = [a for a in unanswered if stored.get(a.key) == 201]
    explained = told + collections.Counter((a.voter, a.case) for a in committed_unanswered)
    lost = sum(max(0, n - ballots.get(pair, 0)) for pair, n in told.items())
    extra = sum(max(0, n - explained.get(pair, 0)) for pair, n in ballots.items())
    # Answers that say something other than what the database did.
    refused_but_stored = [a for a in attempts if a.status is not None and a.status != 201 and stored.get(a.key) == 201]
    accepted_not_stored = [a for a in attempts if a.status == 201 and stored.get(a.key) != 201]
    server_errors = [a for a in attempts if a.status is not None and (
        (a.status >= 500 and not (a.status == 503 and a.retry_after)) or not a.json_body)]
    return {
        "ballots": sum(ballots.values()), "told": sum(told.values()), "lost": lost, "extra": extra,
        "over_quota": over_day + over_case, "over_day": over_day, "over_case": over_case,
        "unanswered": len(unanswered), "unanswered_committed": len(committed_unanswered),
        "refused_but_stored": len(refused_but_stored), "accepted_not_stored": len(accepted_not_stored),
        "server_errors": len(server_errors),
        "server_error_samples": [(a.phase, a.status, a.code) for a in server_errors[:5]],
    }


def print_phases(attempts: list[Attempt], timeline: Timeline) -> None:
    order = ["steady"] + [name for _t, name in timeline.phases]
    by_phase: dict[str, collections.Counter] = {name: collections.Counter() for name in order}
    for attempt in attempts:
        if attempt.status is None:
            label = f"no answer ({attempt.failure})"
        else:
            label = f"{attempt.status} {attempt.code}".strip() if attempt.status != 201 else "201"
            if attempt.status >= 500 and not attempt.retry_after:
                label += " (no Retry-After)"
        by_phase.setdefault(attempt.phase, collections.Counter())[label] += 1
    starts = dict((name, t) for t, name in timeline.phases)
    print("\nAnswers by phase (an attempt counts in the phase in which its answer came, or the client gave up"
          f" after {REQUEST_TIMEOUT:.0f} s; latency from sending):")
    for name in order:
        counts = by_phase.get(name) or collections.Counter()
        total = sum(counts.values())
        since = f"t≥{starts[name]:.0f}s" if name in starts else "t≥0s"
        waits = sorted(a.answered - a.sent for a in attempts if a.phase == name)
        spread = (f"; answered in p50 {waits[len(waits) // 2] * 1000:.0f} ms, max {waits[-1] * 1000:.0f} ms"
                  if waits else "")
        print(f"  {name} ({since}): {total:,} attempts{spread}")
        for label, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
            print(f"      {count:>7,}  {label}")


# --- main -----------------------------------------------------------------------------


def run(*, votes: int, voters: int, rate: float, connections: int, keep: bool) -> int:
    FAULTS.mkdir(parents=True, exist_ok=True)
    log("starting a private PostgreSQL and Redis under var/faults/")
    database_url, redis_url = start_services()
    port = harness.free_port()
    env = portal_env(database_url, redis_url, port)
    base = f"http://{harness.HOST}:{port}"
    portal = Portal(env)
    try:
        log(f"PostgreSQL {database_url}, Redis {redis_url}; migrating")
        manage(env, "migrate", "--no-input", "-v", "0")
        manage(env, "collectstatic", "--no-input", "-v", "0")
        log(f"dataset: an open edition with 80 cases, {votes:,} planned votes from {voters:,} verified voters")
        data = django_json(env, f"from bench.votes import setup\nprint(json.dumps(setup(votes={votes}, voters={voters})))")
        accounts = dict(line.split() for line in Path(data["accounts_file"]).read_text().splitlines())
        plan = [line.split() for line in Path(data["plan"]).read_text().splitlines()]
        run_id = secrets.token_hex(4)
        attempts = [Attempt(index=i, voter=int(accounts[session]), case=int(case), session=session,
                            key=f"faults-{run_id}-{i}") for i, (session, case) in enumerate(plan)]
        log(f"{data['accounts']:,} voter-day accounts signed in, {len(attempts):,} attempts planned")

        log(f"starting the portal as `make run` does (scripts/run.sh) on {base}; log var/faults/portal.log")
        portal.start()
        status, body = wait_ready(base, 90)
        if status != 200:
            log(f"the portal never became ready: /readyz {status} {body[:300]}")
            return 2
        log(f"ready: {len(portal.web_workers())} web workers, task worker {portal.task_worker()}")

        timeline = Timeline(portal=portal, pg_dir=FAULTS / "postgres", redis_dir=FAULTS / "redis",
                            redis_url=redis_url, database_url=database_url)
        schedule = {"redis": 10.0, "postgres": 30.0, "web": 45.0, "worker": 60.0}
        log(f"vote storm: {len(attempts):,} attempts at up to {rate:.0f}/s from {connections} clients")
        stop = threading.Event()
        t0 = time.monotonic()
        log(f"storm started at {time.strftime('%H:%M:%S')} (t=0)")
        injector = threading.Thread(target=timeline.run, args=(t0, schedule, stop), daemon=True)
        injector.start()
        asyncio.run(storm(base, data["campaign"], attempts, rate=rate, connections=connections, timeline=timeline,
                          t0=t0))
        elapsed = time.monotonic() - t0
        stop.set()
        with (FAULTS / "attempts.jsonl").open("w") as dump:
            for attempt in attempts:
                dump.write(json.dumps({k: v for k, v in attempt.__dict__.items() if k != "session"}) + "\n")
        injector.join(timeout=90)
        log(f"storm over in {elapsed:.1f} s ({len(attempts) / elapsed:.0f} attempts/s)")

        ready_status, ready_body = wait_ready(base, 60)
        workers_now, task_worker = portal.web_workers(), portal.task_worker()
        serving = ready_status == 200 and len(workers_now) == int(env.get("WEB_WORKERS", "2")) and task_worker is not None
        exact = django_json(env, f"from bench.votes import check\nprint(json.dumps(check({data['campaign']})))")
        accounts_check = reconcile(database_url, data["campaign"], attempts)

        print_phases(attempts, timeline)
        print("\nAfter the storm:")
        for note in timeline.notes:
            print(f"  {note}")
        for failure in timeline.failures:
            print(f"  FAILED: {failure}")
        a = accounts_check
        print(f"  answered 201: {a['told']:,}; ballots in the database: {a['ballots']:,}")
        print(f"  no answer (timeout or connection reset): {a['unanswered']:,}, of which the database stored "
              f"{a['unanswered_committed']:,} as accepted under their Idempotency-Key (a client resending the key "
              f"gets that 201 back)")
        print(f"  answered other than 201 although stored as accepted: {a['refused_but_stored']:,}; "
              f"answered 201 without a stored answer: {a['accepted_not_stored']:,}")
        print(f"  over quota: {a['over_day']:,} voter-days above the daily quota, {a['over_case']:,} voter-case-days "
              "above the per-case quota")
        failed_at = collections.Counter(int(x.answered) for x in attempts if x.status is None)
        if failed_at:
            print("  no answer, by second of the storm when the client gave up: "
                  + ", ".join(f"t={second}s: {n}" for second, n in sorted(failed_at.items())))
        if a["server_error_samples"]:
            print(f"  server errors, first few: {a['server_error_samples']}")
        tallies_ok = exact["valid"] == exact["tallied"] == exact["shown"] and exact["counter_mismatch"] == 0
        print(f"  tallies after the rollup: ballots {exact['valid']:,} = tallies {exact['tallied']:,} = vote_count "
              f"{exact['shown']:,}, quota counters off {exact['counter_mismatch']} → {'OK' if tallies_ok else 'MISMATCH'}")
        print(f"  /readyz: {ready_status}; granian web workers: {len(workers_now)}; task worker: {task_worker}")
        if ready_status != 200:
            print(f"  /readyz said: {ready_body[:400]}")
        serving = serving and not timeline.failures
        print(f"faults: {a['lost']} lost, {a['extra']} extra, {a['over_quota']} over quota, "
              f"{a['server_errors']} server errors, {'portal serving' if serving else 'portal NOT serving'}")
        failed = a["lost"] or a["extra"] or a["over_quota"] or a["server_errors"] or not serving or not tallies_ok
        return 1 if failed else 0
    finally:
        portal.stop()
        if not keep:
            services.pg_ctl(FAULTS / "postgres", "stop", "-m", "fast")
            services.stop_local_redis(FAULTS / "redis")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--votes", type=int, default=13_500, help="planned votes (attempts are about 1.2 times as many)")
    parser.add_argument("--voters", type=int, default=3_000)
    parser.add_argument("--rate", type=float, default=200.0, help="attempts per second at most")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--keep", action="store_true", help="leave the drill's PostgreSQL and Redis running")
    args = parser.parse_args(argv)
    sys.exit(run(votes=args.votes, voters=args.voters, rate=args.rate, connections=args.connections, keep=args.keep))


if __name__ == "__main__":
    main()
