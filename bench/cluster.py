"""Cluster drill: `make cluster-check` (`python -m bench cluster`). A bench,
not a test: it takes a few minutes and wants the machine to itself.

Brings up the whole one-box cluster (scripts/cluster.py) afresh under
var/cluster-drill/ on ports 18000+: etcd, PostgreSQL 15 primary and
synchronous standby under Patroni, HAProxy on Patroni's REST, PgBouncer,
Redis with Sentinel, two web nodes (scripts/run.sh: granian and a task
worker each) behind HAProxy. Loads an open edition with 80 cases and about
1,500 verified voters signed in (bench/votes.py's dataset and plan), then a
vote storm through the balancer, each attempt with its own Idempotency-Key
(bench/faults.py's clients), and mid-storm:

  t=15 s  web node 1 killed: supervise.py, granian and its workers and the
          node's task worker, all kill -9 at once
  t=30 s  the PostgreSQL primary killed: Patroni and PostgreSQL of that node,
          kill -9 at once; Patroni promotes the synchronous standby once the
          leader key expires

After the storm, the deadline sweep: 400 work orders of recent appeals (the
demo's history generator) fall an hour overdue, the every-minute sweep
starts escalating them and notifying the units and the dispatch centre, and
once a tenth is flagged every node's task worker is killed (-9). Every work
order must then be escalated exactly once and every notice queued once, sent
once (the outbox) and none left unsent.

It prints accepted votes per second before, during and after each fault,
how long the failover took (Patroni's promotion, and the first vote
accepted after the kill), the answers by phase and status, and then
compares every answer with the ballots on the new primary, as the fault
drill does (bench/faults.py: lost, extra, over quota, server errors; a 503
counts as an error only without Retry-After). After the storm the killed
PostgreSQL node is started again and must rejoin as the synchronous standby
(pg_rewind), and the killed web node must come back into rotation.

Last line: `cluster: 0 lost, 0 extra, 0 over quota, 0 server errors, 0 double
escalations, 0 double notifications, 0 notifications never sent, portal
serving`; the exit code is non-zero when any of it is not so.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import secrets
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from bench import faults, harness

ROOT = harness.ROOT
DRILL_ROOT = ROOT / "var" / "cluster-drill"
DRILL_PORT_BASE = 18000

sys.path.insert(0, str(ROOT / "scripts"))
import cluster  # noqa: E402  scripts/cluster.py: starts and stops the nodes
from cluster_config import Layout  # noqa: E402


def log(message: str) -> None:
    print(f"[cluster-drill] {message}", flush=True)


@dataclass
class Drill:
    """The faults, injected from a thread while the storm runs (its
    phase_at names the phase in which an answer came, as faults.Timeline)."""

    layout: Layout
    phases: list[tuple[float, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    pg_killed: int | None = None
    pg_kill_at: float | None = None
    promoted_after: float | None = None
    web_down_after: float | None = None

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
            if at(schedule["web"]):
                self.mark(t0, "web1 killed (-9, the whole node)")
                killed = time.monotonic()
                cluster.kill_web(self.layout, 1)
                while time.monotonic() - killed < 30:
                    if not cluster.lb_servers(self.layout).get("web1", "").startswith("UP"):
                        self.web_down_after = time.monotonic() - killed
                        self.notes.append(f"HAProxy took web1 out of rotation {self.web_down_after:.1f} s after the kill")
                        break
                    time.sleep(0.1)
                else:
                    self.failures.append("HAProxy kept web1 in rotation for 30 s after its death")
            if at(schedule["postgres"]):
                old = cluster.leader(self.layout)
                if old is None:
                    self.failures.append("no PostgreSQL primary to kill")
                    return
                self.pg_killed = old
                self.mark(t0, f"pg{old} (primary) killed (-9: Patroni and PostgreSQL)")
                killed = time.monotonic()
                self.pg_kill_at = killed - t0
                cluster.kill_pg_node(self.layout, old)
                while time.monotonic() - killed < 120:
                    new = cluster.leader(self.layout)
                    if new is not None and new != old:
                        self.promoted_after = time.monotonic() - killed
                        self.mark(t0, f"pg{new} promoted by Patroni")
                        self.notes.append(f"Patroni promoted pg{new} {self.promoted_after:.1f} s after pg{old} was killed")
                        break
                    time.sleep(0.1)
                else:
                    self.failures.append("Patroni promoted no standby within 120 s")
        except Exception as error:  # noqa: BLE001 - a fault that could not be injected fails the drill
            self.failures.append(f"injecting faults failed: {error!r}")


def django_json(layout: Layout, env: dict, code: str) -> dict:
    out = cluster.manage(layout, "shell", "--no-imports", "-c", f"import json\n{code}", env=env)
    return json.loads(out.strip().splitlines()[-1])


def accepted_rates(attempts: list[faults.Attempt], bounds: list[tuple[str, float, float]]) -> list[tuple]:
    """Votes accepted (201) per second of each stretch of the storm, by the
    moment their answer came."""
    rows = []
    for name, start, end in bounds:
        span = max(end - start, 0.001)
        accepted = sum(1 for a in attempts if a.status == 201 and start <= a.answered < end)
        answered = sum(1 for a in attempts if start <= a.answered < end)
        rows.append((name, start, end, accepted, accepted / span, answered / span))
    return rows


def accepted_keys(database_url: str) -> set[str]:
    with psycopg.connect(database_url, autocommit=True) as conn:
        return {k for (k,) in conn.execute("SELECT key FROM voting_voterequest WHERE key LIKE 'faults-%' AND status = 201")}


def periodic_ticks(database_url: str) -> dict:
    """Every task worker runs procrastinate's periodic deferrer; a tick
    (task, periodic id, timestamp) must become one job cluster-wide."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        ticks, doubled = conn.execute(
            "SELECT COUNT(*), COUNT(*) FILTER (WHERE n > 1) FROM (SELECT COUNT(*) AS n FROM procrastinate_jobs"
            " WHERE args ? 'timestamp' GROUP BY task_name, args->>'timestamp') t").fetchone()
        workers = conn.execute("SELECT COUNT(*) FROM procrastinate_workers").fetchone()[0]
        # Jobs still held by a worker that no longer beats (portal.queue retries them every minute).
        stuck = conn.execute(
            "SELECT COUNT(*) FROM procrastinate_jobs j LEFT JOIN procrastinate_workers w ON w.id = j.worker_id"
            " WHERE j.status = 'doing' AND (w.id IS NULL OR w.last_heartbeat < NOW() - INTERVAL '60 seconds')"
        ).fetchone()[0]
    return {"ticks": ticks, "doubled": doubled, "workers": workers, "stuck": stuck}


def escalation_setup(*, appeals: int) -> dict:
    """Inside Django, before the storm: the demo's units and accounts (the
    dispatcher and the unit staff receive the notices) and `appeals` recent
    appeals with their work orders (the demo's history generator)."""
    import datetime as dt

    from django.db import transaction
    from django.utils import timezone

    from demo import appeals as appeals_demo
    from demo import appeals_history as history
    from demo import portal as portal_demo
    from portal.models import User
    from portal.timeutils import local_day

    now = timezone.now()
    with transaction.atomic():
        units = portal_demo.seed()["units"]
        appeals_demo.seed_holidays()
        appeals_demo.seed_catalogue(units)
    residents = list(User.objects.filter(email__startswith="bench-vd").values_list("pk", flat=True)[:2000])
    today = local_day(now)
    with transaction.atomic():
        written = history.generate(count=appeals, first_day=today - dt.timedelta(days=30), last_day=today, now=now,
                                   residents=residents, prefix="CL", seed=17)
    return {"appeals": appeals, "ratings": written.ratings}


def make_overdue(*, parts: int) -> dict:
    """Inside Django, after the storm: `parts` open work-order parts (in
    handling appeals, each of a unit with staff, or any) fall an hour overdue
    with nothing flagged for that deadline yet; the every-minute sweep then
    has them to escalate."""
    from django.db import connection, transaction
    from django.utils import timezone

    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            WITH open_parts AS (
                SELECT part.id FROM appeals_assignment part JOIN appeals_appeal appeal ON appeal.id = part.appeal_id
                 WHERE appeal.state IN ('dispatched', 'accepted', 'replied')
                   AND ((part.role = 'primary' AND part.state IN ('dispatched', 'accepted', 'replied'))
                        OR (part.role = 'co' AND part.state IN ('dispatched', 'accepted')))
                 ORDER BY EXISTS (SELECT 1 FROM portal_membership m WHERE m.unit_id = part.unit_id) DESC, part.id
                 LIMIT %s)
            UPDATE appeals_assignment SET dispatched_at = LEAST(dispatched_at, %s - interval '3 days'),
                   due_soon_at = %s - interval '2 hours', due_at = %s - interval '1 hour'
             WHERE id IN (SELECT id FROM open_parts)
            RETURNING id, appeal_id
            """,
            [parts, now, now, now],
        )
        rows = cursor.fetchall()
    return {"parts": [r[0] for r in rows], "appeals": sorted({r[1] for r in rows})}


def escalations(layout: Layout, env: dict, *, parts: int) -> dict:
    """The deadline sweep with the task workers killed mid-run: `parts` work
    orders fall overdue, the every-minute sweep (appeals.sweep_deadlines)
    starts escalating them, and once a tenth is flagged every node's task
    worker is killed (-9; supervise.py starts new ones). Then every part
    must be escalated exactly once and every notice queued and sent once."""
    chosen = django_json(layout, env, f"from bench.cluster import make_overdue\nprint(json.dumps(make_overdue(parts={parts})))")
    ids, appeal_ids = chosen["parts"], chosen["appeals"]
    result = {"parts": len(ids), "notes": [], "failures": []}
    flagged_sql = ("SELECT COUNT(DISTINCT assignment_id) FROM appeals_escalation WHERE kind = 'overdue'"
                   " AND recipient = 'unit' AND assignment_id = ANY(%s)")
    started = time.monotonic()
    with psycopg.connect(layout.primary_url, autocommit=True) as conn:
        flagged = 0
        while time.monotonic() - started < 150:
            flagged = conn.execute(flagged_sql, (ids,)).fetchone()[0]
            if flagged >= max(1, len(ids) // 10):
                break
            time.sleep(0.05)
        running = conn.execute("SELECT COUNT(*) FROM procrastinate_jobs WHERE task_name = 'appeals.sweep_deadlines'"
                               " AND status = 'doing'").fetchone()[0]
        killed = cluster.kill_task_workers(layout)
        killed_at = time.monotonic()
        result["notes"].append(f"{len(ids)} work orders overdue; the sweep had flagged {flagged} when every task worker "
                               f"was killed ({len(killed)} killed, {running} sweep job running)")
        if flagged >= len(ids):
            result["failures"].append("the sweep had finished before the kill: no worker was killed mid-run")
        while time.monotonic() - killed_at < 300:
            flagged = conn.execute(flagged_sql, (ids,)).fetchone()[0]
            if flagged == len(ids):
                result["notes"].append(f"all {len(ids)} escalated {time.monotonic() - killed_at:.1f} s after the kill "
                                       "(the next minute's sweep)")
                break
            time.sleep(0.5)
        result["missed"] = len(ids) - flagged
        about = "(SELECT id FROM django_content_type WHERE app_label = 'appeals' AND model = 'appeal')"
        states_sql = (f"SELECT state, COUNT(*) FROM portal_notification WHERE about_type_id = {about}"
                      " AND about_id = ANY(%s) GROUP BY state")
        while time.monotonic() - killed_at < 300:
            states = dict(conn.execute(states_sql, (appeal_ids,)).fetchall())
            if not states.get("pending"):
                break
            time.sleep(1)
        result["notifications"] = states
        result["double_escalations"] = conn.execute(
            "SELECT COUNT(*) FROM (SELECT 1 FROM appeals_escalation GROUP BY appeal_id, assignment_id, kind, recipient,"
            " deadline HAVING COUNT(*) > 1) d").fetchone()[0]
        queued_twice = conn.execute(
            f"SELECT COUNT(*) FROM (SELECT 1 FROM portal_notification WHERE about_type_id = {about} AND about_id = ANY(%s)"
            " GROUP BY channel, recipient, subject, body, about_id HAVING COUNT(*) > 1) d", (appeal_ids,)).fetchone()[0]
    outbox = layout.root / "outbox.jsonl"
    lines = collections.Counter()
    if outbox.exists():
        for line in outbox.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            lines[(tuple(entry["to"]), entry["subject"], entry["body"])] += 1
    sent_twice = sum(1 for n in lines.values() if n > 1)
    result.update(queued_twice=queued_twice, sent_twice=sent_twice, outbox=sum(lines.values()),
                  double_notifications=queued_twice + sent_twice)
    return result


def rejoin(layout: Layout, drill: Drill, env: dict) -> bool:
    """After the storm: the killed nodes come back and take their places."""
    ok = True
    if drill.pg_killed:
        started = time.monotonic()
        cluster.start_patroni(layout, drill.pg_killed)
        try:
            cluster.wait_until(f"pg{drill.pg_killed} back as the synchronous standby",
                               lambda: cluster.sync_standby(layout) == drill.pg_killed, 180)
            drill.notes.append(f"pg{drill.pg_killed} rejoined as the synchronous standby "
                               f"{time.monotonic() - started:.1f} s after it was started again")
        except SystemExit as error:
            drill.failures.append(str(error))
            ok = False
    started = time.monotonic()
    cluster.start_web(layout, 1, env)
    try:
        cluster.wait_until("web1 back in rotation", lambda: cluster.lb_servers(layout).get("web1", "").startswith("UP"), 120)
        drill.notes.append(f"web1 back in rotation {time.monotonic() - started:.1f} s after it was started again "
                           "(then 10 s of slowstart)")
    except SystemExit as error:
        drill.failures.append(str(error))
        ok = False
    return ok



def run(*, votes: int, voters: int, rate: float, connections: int, web_at: float, pg_at: float, appeals: int,
        overdue: int, keep: bool) -> int:
    layout = Layout(root=DRILL_ROOT, base=DRILL_PORT_BASE, web_nodes=2)
    log(f"starting the cluster afresh under {layout.root.relative_to(ROOT)}/ (ports {DRILL_PORT_BASE}+)")
    try:
        # Every client of the drill is 127.0.0.1 (and so is the balancer):
        # the per-IP vote limit would refuse the storm; the per-voter limit
        # stays as configured.
        drill_env = cluster.up(layout, fresh=True, web=False, VOTING_RATE_PER_IP="100000000/m", STOP_TIMEOUT="10")
        log(f"dataset: an open edition with 80 cases, {votes:,} planned votes from {voters:,} verified voters")
        data = django_json(layout, drill_env,
                           f"from bench.votes import setup\nprint(json.dumps(setup(votes={votes}, voters={voters})))")
        accounts = dict(line.split() for line in Path(data["accounts_file"]).read_text().splitlines())
        plan = [line.split() for line in Path(data["plan"]).read_text().splitlines()]
        run_id = secrets.token_hex(4)
        attempts = [faults.Attempt(index=i, voter=int(accounts[session]), case=int(case), session=session,
                                   key=f"faults-cluster-{run_id}-{i}") for i, (session, case) in enumerate(plan)]
        log(f"{data['accounts']:,} voter-day accounts signed in, {len(attempts):,} attempts planned")
        log(f"appeals: {appeals:,} recent appeals with their work orders (the demo's history generator)")
        django_json(layout, drill_env, f"from bench.cluster import escalation_setup\n"
                                       f"print(json.dumps(escalation_setup(appeals={appeals})))")
        cluster.start_web_tier(layout, drill_env)

        drill = Drill(layout=layout)
        schedule = {"web": web_at, "postgres": pg_at}
        log(f"vote storm through HAProxy {layout.lb_url}: {len(attempts):,} attempts at up to {rate:.0f}/s "
            f"from {connections} clients")
        stop = threading.Event()
        t0 = time.monotonic()
        injector = threading.Thread(target=drill.run, args=(t0, schedule, stop), daemon=True)
        injector.start()
        asyncio.run(faults.storm(layout.lb_url, data["campaign"], attempts, rate=rate, connections=connections,
                                 timeline=drill, t0=t0))
        elapsed = time.monotonic() - t0
        stop.set()
        injector.join(timeout=150)
        with (layout.root / "attempts.jsonl").open("w") as dump:
            for attempt in attempts:
                dump.write(json.dumps({k: v for k, v in attempt.__dict__.items() if k != "session"}) + "\n")
        log(f"storm over in {elapsed:.1f} s ({len(attempts) / elapsed:.0f} attempts/s)")

        # Figures: accepted votes per second in each stretch.
        after_kill = sorted(a.answered for a in attempts if a.status == 201 and drill.pg_kill_at is not None
                            and a.sent >= drill.pg_kill_at)
        first_vote_after = (after_kill[0] - drill.pg_kill_at) if after_kill else None
        recovered = drill.pg_kill_at + first_vote_after if first_vote_after is not None else elapsed
        bounds = [("before the faults", 0.0, web_at), ("one web node down", web_at, drill.pg_kill_at or pg_at),
                  ("PostgreSQL failover", drill.pg_kill_at or pg_at, recovered), ("after", recovered, elapsed)]
        rates = accepted_rates(attempts, bounds)

        serving_nodes = rejoin(layout, drill, drill_env)
        # Clients honour Retry-After: every attempt answered 503 (or not at
        # all) is sent once more with its Idempotency-Key, the cluster whole
        # again. A vote committed although its answer was a 503 (the primary
        # died between the commit and the answer) is then replayed as 201.
        stored_before = accepted_keys(layout.primary_url)
        retry = [faults.Attempt(index=i, voter=x.voter, case=x.case, session=x.session, key=x.key)
                 for i, x in enumerate(x for x in attempts if x.status == 503 or x.status is None)]
        log(f"resending the {len(retry):,} attempts answered 503 or not at all, with the same Idempotency-Key")
        asyncio.run(faults.storm(layout.lb_url, data["campaign"], retry, rate=rate, connections=connections,
                                 timeline=Drill(layout=layout), t0=time.monotonic()))
        resent = {r.key: r for r in retry}
        final = [resent.get(x.key, x) for x in attempts]
        replayed = sum(1 for r in retry if r.status == 201 and r.key in stored_before)
        log(f"escalation sweep: {overdue} work orders fall overdue; every task worker is killed mid-sweep")
        sweep = escalations(layout, drill_env, parts=overdue)
        ready = cluster.http_status(layout.lb_url + "/readyz", timeout=5)
        page = cluster.http_status(layout.lb_url + "/board/", timeout=10)
        exact = django_json(layout, drill_env, f"from bench.votes import check\nprint(json.dumps(check({data['campaign']})))")
        a = faults.reconcile(layout.primary_url, data["campaign"], final)
        first = faults.reconcile(layout.primary_url, data["campaign"], attempts)
        server_errors = first["server_errors"] + sum(
            1 for r in retry if r.status is not None
            and ((r.status >= 500 and not (r.status == 503 and r.retry_after)) or not r.json_body))
        periodic = periodic_ticks(layout.primary_url)

        faults.print_phases(attempts, drill)
        print("\nAccepted votes per second (answers with 201, by when they came):")
        for name, start, end, accepted, per_second, answered in rates:
            print(f"  {name:<22} t={start:5.1f}–{end:5.1f}s  {accepted:>6,} accepted  {per_second:6.1f} votes/s"
                  f"  ({answered:.1f} answers/s)")
        print("\nFailover:")
        if drill.web_down_after is not None:
            print(f"  web node killed: out of rotation after {drill.web_down_after:.1f} s")
        if drill.promoted_after is not None:
            print(f"  PostgreSQL primary killed: Patroni promoted the synchronous standby after "
                  f"{drill.promoted_after:.1f} s")
        if first_vote_after is not None:
            print(f"  first vote accepted {first_vote_after:.1f} s after the primary was killed")
        print("\nAfter the storm:")
        for note in drill.notes:
            print(f"  {note}")
        for failure in drill.failures:
            print(f"  FAILED: {failure}")
        committed_unanswered = sum(1 for x in attempts if (x.status == 503 or x.status is None) and x.key in stored_before)
        print(f"  during the storm: answered 201 {first['told']:,}; answered 503 or nothing though their vote was "
              f"stored: {committed_unanswered:,} (the primary died between a commit and its answer)")
        answers = collections.Counter(r.status for r in retry)
        print(f"  resent with the same Idempotency-Key: {len(retry):,}, answered {dict(answers)}; {replayed:,} of the "
              "201s replayed a vote stored before the resend")
        print(f"  answered 201 in the end: {a['told']:,}; ballots on the new primary: {a['ballots']:,}")
        print(f"  no answer (timeout or connection reset): {a['unanswered']:,}, of which the database stored "
              f"{a['unanswered_committed']:,} as accepted under their Idempotency-Key")
        print(f"  answered other than 201 although stored as accepted: {a['refused_but_stored']:,}; "
              f"answered 201 without a stored answer: {a['accepted_not_stored']:,}")
        print(f"  over quota: {a['over_day']:,} voter-days above the daily quota, {a['over_case']:,} voter-case-days "
              "above the per-case quota")
        statuses = collections.Counter(x.status for x in attempts + retry if x.status and x.status >= 500)
        print(f"  5xx answers: {dict(statuses) or 'none'}; without Retry-After or not JSON: {server_errors}")
        if a["server_error_samples"]:
            print(f"  server errors, first few: {a['server_error_samples']}")
        tallies_ok = exact["valid"] == exact["tallied"] == exact["shown"] and exact["counter_mismatch"] == 0
        print(f"  tallies after the rollup: ballots {exact['valid']:,} = tallies {exact['tallied']:,} = vote_count "
              f"{exact['shown']:,}, quota counters off {exact['counter_mismatch']} → {'OK' if tallies_ok else 'MISMATCH'}")
        print(f"  periodic jobs: {periodic['ticks']:,} ticks deferred by {periodic['workers']} task workers, "
              f"{periodic['doubled']} of them more than once; jobs still held by a dead worker: {periodic['stuck']}")
        for note in sweep["notes"]:
            print(f"  {note}")
        for failure in sweep["failures"]:
            print(f"  FAILED: {failure}")
        print(f"  escalations: {sweep['missed']} overdue work orders not escalated, {sweep['double_escalations']} escalated "
              f"twice; notifications about them by state {sweep['notifications']} ('sending' = claimed by a killed "
              f"worker, sent at most once), queued twice {sweep['queued_twice']}, sent twice {sweep['sent_twice']} "
              f"(outbox: {sweep['outbox']:,} messages)")
        print(f"  through HAProxy: /readyz {ready}, /board/ {page}; balancer: {cluster.lb_servers(layout)}")
        serving = ready == 200 and page == 200 and serving_nodes and not drill.failures
        pending = sweep["notifications"].get("pending", 0)
        print(f"cluster: {a['lost']} lost, {a['extra']} extra, {a['over_quota']} over quota, "
              f"{server_errors} server errors, {sweep['double_escalations']} double escalations, "
              f"{sweep['double_notifications']} double notifications, {pending} notifications never sent, "
              f"{'portal serving' if serving else 'portal NOT serving'}")
        failed = (a["lost"] or a["extra"] or a["over_quota"] or server_errors or not serving or not tallies_ok
                  or periodic["doubled"] or sweep["missed"] or sweep["double_escalations"]
                  or sweep["double_notifications"] or pending or sweep["failures"])
        return 1 if failed else 0
    finally:
        if not keep:
            cluster.down(layout)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--votes", type=int, default=6_000, help="planned votes (attempts are about 1.2 times as many)")
    parser.add_argument("--voters", type=int, default=1_500)
    parser.add_argument("--rate", type=float, default=100.0, help="attempts per second at most")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--web-at", type=float, default=15.0, help="second of the storm when web1 is killed")
    parser.add_argument("--pg-at", type=float, default=30.0, help="second of the storm when the primary is killed")
    parser.add_argument("--appeals", type=int, default=3_000, help="recent appeals loaded for the escalation sweep")
    parser.add_argument("--overdue", type=int, default=400, help="work orders that fall overdue after the storm")
    parser.add_argument("--keep", action="store_true", help="leave the cluster running afterwards")
    args = parser.parse_args(argv)
    sys.exit(run(votes=args.votes, voters=args.voters, rate=args.rate, connections=args.connections,
                 web_at=args.web_at, pg_at=args.pg_at, appeals=args.appeals, overdue=args.overdue, keep=args.keep))


if __name__ == "__main__":
    main()
