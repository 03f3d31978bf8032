"""Vote storm: the browser vote path under load, with readers, against baselines.

One server run (granian WSGI, 2 workers, as `make run`) on the `<db>_bench`
database:

1. baselines: bare (a trivial view through the middleware) and signed-in
   (a trivial view loading the user from a rotating voter session);
2. leaderboard reads alone: the page and its htmx poll;
3. the storm: wrk POSTs the vote widget's htmx form exactly as a phone does
   (session cookie + CSRF token + form token) following a generated plan,
   while two more wrk processes read the leaderboard page and the board;
4. the exact check: accepted responses = ballot rows = sum of tallies (=
   vote_count after the rollup), nobody over a quota.

The plan follows the real week: voters spread their votes over days, up to
10 a day and 1 per case a day, mostly for the leaders (a Zipf-like spread:
the 2021 top case had ≈10 % of all votes); each voter-day is replayed by
one account (the server's day does not change during a run), with about
one attempt in five refused: the same case again, or past the daily quota.

Scales: default (≈40,000 votes, a couple of minutes), `--scale tenth`
(333,590 votes from 24,181 voters), `--scale full` (3,335,896 from 241,814).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from bench import harness

SCALES = {"default": (40_000, 2_900), "tenth": (333_590, 24_181), "full": (3_335_896, 241_814)}
CSRF_SECRET = "BenchCsrfSecret0123456789abcdefA"  # 32 chars: an unmasked CSRF secret
RATE_ENV = {"VOTING_RATE_PER_IP": "100000000/m"}  # every wrk client is 127.0.0.1


def setup(*, votes: int, voters: int, seed: int = 2021) -> dict:
    """Inside Django (bench database): a fresh campaign with 80 cases on the
    board, voter-day accounts with real sessions, and the plan file."""
    import datetime as dt

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils.crypto import get_random_string

    from cases import services as case_services
    from cases.enums import EntryState, PhaseKind
    from cases.models import CaseEntry
    from demo import portal as portal_demo
    from portal import timeutils
    from portal.models import User
    from voting.models import VotingRules

    rng = random.Random(seed)
    now = timeutils.now()
    units = sorted(portal_demo.seed_units().values(), key=lambda u: u.pk)
    slug = f"bench-{int(time.time())}"
    campaign = case_services.create_campaign(
        actor=None, slug=slug, title=f"压测 {slug}", year=2021,
        phases={PhaseKind.VOTING: (now - dt.timedelta(hours=1), now + dt.timedelta(days=7))},
    )
    VotingRules.objects.create(campaign=campaign)
    track, domains = campaign.tracks.first(), list(campaign.domains.all())
    owner = User.objects.filter(email="bench-owner@example.cn").first() or User.objects.create_user(
        email="bench-owner@example.cn")
    CaseEntry.objects.bulk_create(
        CaseEntry(campaign=campaign, track=track, domain=domains[i % len(domains)], unit=units[i % len(units)],
                  slot=i // len(units) + 1, title=f"压测案例 {i + 1:02d}", summary="压测", story="<p>压测</p>",
                  state=EntryState.ACCEPTED, submitted_at=now, accepted_at=now, created_by=owner)
        for i in range(80)
    )
    cases = list(CaseEntry.objects.filter(campaign=campaign).order_by("pk").values_list("pk", flat=True))
    weights = [1 / (rank + 1) ** 0.9 for rank in range(len(cases))]

    # Each voter's week: total votes drawn around the real mean, cut into
    # days of at most 10; one account per voter-day.
    totals = [max(1, int(rng.expovariate(1 / (votes / voters)))) for _n in range(voters)]
    scale = votes / sum(totals)
    totals = [max(1, round(t * scale)) for t in totals]
    drift = votes - sum(totals)
    for index in range(abs(drift)):
        position = index % voters
        totals[position] += 1 if drift > 0 else (-1 if totals[position] > 1 else 0)
    days = []
    for total in totals:
        while total > 0:
            days.append(min(10, total))
            total -= days[-1]

    password = make_password(None)
    emails = [f"bench-vd{n:07d}@example.cn" for n in range(len(days))]
    existing = set(User.objects.filter(email__startswith="bench-vd").values_list("email", flat=True))
    User.objects.bulk_create(
        [User(email=e, password=password, verified_at=now, phone=f"+86188{n:08d}", phone_verified=True)
         for n, e in enumerate(emails) if e not in existing], batch_size=5000
    )
    users = list(User.objects.filter(email__in=emails).order_by("email"))
    store = SessionStore()
    expire = now + dt.timedelta(days=2)
    backend = settings.AUTHENTICATION_BACKENDS[-1]
    sessions = []
    for user in users:
        key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
        data = {SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: backend, HASH_SESSION_KEY: user.get_session_auth_hash()}
        sessions.append(Session(session_key=key, session_data=store.encode(data), expire_date=expire))
    Session.objects.bulk_create(sessions, batch_size=5000)
    # A real sign-in stores the session in Redis too (cached_db): do the same,
    # so the storm measures warm sessions rather than first-read misses.
    from django.contrib.sessions.backends.cached_db import KEY_PREFIX
    from django.core.cache import caches

    session_cache = caches[settings.SESSION_CACHE_ALIAS]
    cached = {f"{KEY_PREFIX}{s.session_key}": store.decode(s.session_data) for s in sessions}
    for start in range(0, len(cached), 5000):
        chunk = dict(list(cached.items())[start:start + 5000])
        session_cache.set_many(chunk, timeout=2 * 24 * 3600)

    # Attempts per voter-day: the chosen cases, a second try at one of them
    # now and then, and tries past the quota when the day is full.
    per_day_attempts = []
    expected_refusals = {"already_voted_today": 0, "daily_quota_used": 0}
    cumulative = []
    running = 0.0
    for w in weights:
        running += w
        cumulative.append(running)
    import bisect

    for (session, wanted) in zip(sessions, days):
        chosen: list[int] = []
        while len(chosen) < wanted:
            pick = cases[bisect.bisect(cumulative, rng.random() * running)]
            if pick not in chosen:
                chosen.append(pick)
        attempts = list(chosen)
        for _n in range(max(0, round(rng.gauss(wanted * 0.2, 1)))):
            attempts.insert(rng.randrange(1, len(attempts) + 1), rng.choice(chosen[:1] or chosen))
            expected_refusals["already_voted_today"] += 1
        if wanted == 10:
            for _n in range(rng.choice([1, 2, 3, 4])):
                extra = rng.choice([c for c in cases if c not in chosen])
                attempts.append(extra)
                expected_refusals["daily_quota_used"] += 1
        per_day_attempts.append((session.session_key, attempts))

    # Interleave: round k holds the k-th attempt of every voter-day, so a
    # voter's attempts are far apart, as when people come back to the page.
    plan_path = Path(tempfile.gettempdir()) / f"{slug}-plan.txt"
    sessions_path = Path(tempfile.gettempdir()) / f"{slug}-sessions.txt"
    rng.shuffle(per_day_attempts)
    lines = []
    longest = max(len(a) for _s, a in per_day_attempts)
    for k in range(longest):
        for key, attempts in per_day_attempts:
            if k < len(attempts):
                lines.append(f"{key} {attempts[k]}\n")
    plan_path.write_text("".join(lines))
    sessions_path.write_text("".join(f"{s.session_key}\n" for s in sessions[:5000]))
    # Who each session is (bench/faults.py matches answers with ballots).
    accounts_path = Path(tempfile.gettempdir()) / f"{slug}-accounts.txt"
    accounts_path.write_text("".join(f"{s.session_key} {u.pk}\n" for s, u in zip(sessions, users)))
    return {"campaign": campaign.pk, "slug": slug, "plan": str(plan_path), "sessions": str(sessions_path),
            "accounts_file": str(accounts_path),
            "attempts": len(lines), "accounts": len(days), "voters": voters, "votes": votes,
            "expected_refusals": expected_refusals}


def check(campaign_id: int) -> dict:
    """Inside Django: the exact check after the storm (rollup first, as the
    periodic job does once traffic stops)."""
    from voting import selectors, services

    services.rollup_vote_counts(campaign_id=campaign_id)
    return selectors.tally_check(campaign_id)


def _django(code: str) -> dict:
    import json

    out = harness.manage_shell(f"import json\n{code}", **RATE_ENV)
    return json.loads(out)


_UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    match = re.match(r"([\d.]+)(us|ms|s)", text or "")
    return float(match.group(1)) * _UNIT[match.group(2)] if match else float("nan")


def _parse(output: str) -> dict:
    percentiles = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", output, re.M))
    p95 = re.search(r"^p95 ([\d.]+)ms", output, re.M)
    seconds = re.search(r"requests in ([\d.]+)(m|s)", output)
    elapsed = float(seconds.group(1)) * (60 if seconds.group(2) == "m" else 1) if seconds else float("nan")
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "seconds": elapsed,
        "p50": _ms(percentiles.get("50")), "p95": float(p95.group(1)) if p95 else float("nan"),
        "p99": _ms(percentiles.get("99")),
        "non2xx": int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", output)) else 0,
        "outcomes": {k: int(v) for k, v in re.findall(r"^outcome (\S+) (\d+)", output, re.M)},
    }


def _wrk(base: str, path: str, *, seconds: int, connections: int, threads: int, script: str, args: list[str]) -> list[str]:
    return ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--latency", "--timeout", "10s",
            "-s", str(harness.ROOT / "bench" / script), base + path, "--", *args]


def _run(command: list[str]) -> dict:
    return _parse(subprocess.run(command, capture_output=True, text=True, check=True).stdout)


def run(*, scale: str = "default", connections: int = 32, workers: int = 2, threads: int = 4, seconds: int = 10,
        server: str = "granian", max_seconds: int = 3600) -> dict:
    votes, voters = SCALES[scale]
    harness.prepare_database()
    print(f"[votes] setting up {votes:,} votes from {voters:,} voters …", flush=True)
    started = time.monotonic()
    data = _django(f"from bench.votes import setup\nprint(json.dumps(setup(votes={votes}, voters={voters})))")
    print(f"[votes] campaign {data['slug']}: {data['accounts']:,} voter-day accounts with sessions, "
          f"{data['attempts']:,} attempts planned ({time.monotonic() - started:.0f}s)", flush=True)
    slug, cid = data["slug"], data["campaign"]
    board, leaders = f"/board/edition/{slug}/", f"/board/edition/{slug}/leaderboard/"
    poll = "HX-Request: true;HX-Target: leaderboard-live"
    with harness.serve(server, workers=workers, threads=threads, **RATE_ENV) as base:
        _run(_wrk(base, "/bench/bare", seconds=2, connections=connections, threads=2, script="rotate.lua",
                  args=["/bench/bare", "-", "-"]))
        bare = _run(_wrk(base, "/bench/bare", seconds=seconds, connections=connections, threads=2, script="rotate.lua",
                         args=["/bench/bare", "-", "-"]))
        meter = harness.CpuMeter(base.pid)
        before = meter.sample()
        signed = _run(_wrk(base, "/bench/signed-in", seconds=seconds, connections=connections, threads=2,
                           script="rotate.lua", args=["/bench/signed-in", data["sessions"], "-"]))
        signed["cpu"] = meter.spent(before, meter.sample())
        page = _run(_wrk(base, leaders, seconds=seconds, connections=connections, threads=2, script="rotate.lua",
                         args=[leaders, "-", "-"]))
        polled = _run(_wrk(base, leaders, seconds=seconds, connections=connections, threads=2, script="rotate.lua",
                           args=[leaders, "-", poll]))
        # The storm, with readers alongside.
        before = meter.sample()
        voting = subprocess.Popen(
            _wrk(base, "/", seconds=max_seconds, connections=connections, threads=2, script="votes.lua",
                 args=[data["plan"], "2", str(cid), CSRF_SECRET]),
            stdout=subprocess.PIPE, text=True,
        )
        time.sleep(1)
        read_seconds = max(5, min(max_seconds, int(data["attempts"] / 600)))
        readers = [
            subprocess.Popen(_wrk(base, leaders, seconds=read_seconds, connections=1, threads=1, script="rotate.lua",
                                  args=[leaders, "-", "-"]), stdout=subprocess.PIPE, text=True),
            subprocess.Popen(_wrk(base, board, seconds=read_seconds, connections=1, threads=1, script="rotate.lua",
                                  args=[board, "-", "-"]), stdout=subprocess.PIPE, text=True),
        ]
        markers = [Path(f"{data['plan']}.done-{n}") for n in (1, 2)]
        # A thread whose last requests died on a socket error never reaches
        # its count: once one thread is done, give the other a while (its half
        # of the plan can trail by tens of seconds in a long run).
        while voting.poll() is None and not any(m.exists() for m in markers):
            time.sleep(0.2)
        grace = time.monotonic() + 120
        while voting.poll() is None and not all(m.exists() for m in markers) and time.monotonic() < grace:
            time.sleep(0.2)
        if voting.poll() is None:
            voting.send_signal(signal.SIGINT)  # wrk prints its summary on SIGINT
        storm = _parse(voting.communicate()[0])
        during_page, during_board = (_parse(r.communicate()[0]) for r in readers)
        storm["cpu"] = meter.spent(before, meter.sample())
    exact = _django(f"from bench.votes import check\nprint(json.dumps(check({cid})))")
    report(data, bare, signed, page, polled, storm, during_page, during_board, exact, workers, connections, server)
    return {"bare": bare, "signed": signed, "page": page, "polled": polled, "storm": storm, "exact": exact}


def _report_cpu(signed: dict, storm: dict, during_page: dict, during_board: dict, accepted: int) -> None:
    """Server CPU (web workers, PostgreSQL backends, Redis; not wrk) per
    request of the signed-in baseline and per accepted vote of the storm."""
    def parts(cpu: dict, count: int) -> str:
        return (f"{cpu['total'] / count:.2f} ms (web {cpu['web'] / count:.2f}, PostgreSQL {cpu['postgres'] / count:.2f}, "
                f"Redis {cpu['redis'] / count:.2f})")

    if not signed["requests"] or not accepted:
        return
    readers = during_page["requests"] + during_board["requests"]
    print(f"  server CPU per signed-in request: {parts(signed['cpu'], signed['requests'])}")
    print(f"  server CPU per accepted vote:     {parts(storm['cpu'], accepted)}; per vote request "
          f"{storm['cpu']['total'] / storm['requests']:.2f} ms (includes the refusals and the 2 reader connections' "
          f"{readers:,} page reads)")
    print(f"  vote ÷ signed-in CPU: {storm['cpu']['total'] / accepted / (signed['cpu']['total'] / signed['requests']):.2f}")


def report(data, bare, signed, page, polled, storm, during_page, during_board, exact, workers, connections, server):
    outcomes = storm["outcomes"]
    accepted = outcomes.get("accepted", 0)
    accepted_rate = accepted / storm["seconds"] if storm["seconds"] else float("nan")
    print(f"\nVote storm ({server}, {workers} workers, {connections} connections, wrk on loopback, 2 cores shared)")
    print(f"  plan: {data['votes']:,} votes from {data['voters']:,} voters = {data['accounts']:,} voter-days, "
          f"{data['attempts']:,} attempts")
    answered = sum(outcomes.values())
    if answered < data["attempts"]:
        print(f"  answered {answered:,} of the {data['attempts']:,} attempts: wrk stopped before the end of the plan")
    rows = [("bare baseline", bare), ("signed-in baseline", signed), ("leaderboard page alone", page),
            ("leaderboard poll alone", polled), ("votes (htmx POST)", storm),
            ("leaderboard page during storm", during_page), ("board page during storm", during_board)]
    print(f"  {'':<32}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'non-2xx':>9}")
    for name, r in rows:
        print(f"  {name:<32}{r['rps']:>9.0f}{r['p50']:>9.1f}{r['p95']:>9.1f}{r['p99']:>9.1f}{r['non2xx']:>9}")
    print(f"  accepted votes/s: {accepted_rate:.0f}  ({accepted:,} accepted in {storm['seconds']:.1f}s)")
    print("  outcomes: " + ", ".join(f"{k} {v:,}" for k, v in sorted(outcomes.items())))
    print(f"  planned refusals: {data['expected_refusals']}")
    print(f"  vote requests/s ÷ signed-in baseline: {storm['rps'] / signed['rps']:.2f}  "
          f"(accepted votes/s ÷ signed-in: {accepted_rate / signed['rps']:.2f})")
    _report_cpu(signed, storm, during_page, during_board, accepted)
    print(f"  leaderboard page ÷ bare: {page['rps'] / bare['rps']:.2f}; leaderboard poll ÷ bare: "
          f"{polled['rps'] / bare['rps']:.2f}")
    # wrk stopped before the end of the plan (SIGINT) drops the answers of
    # the requests in flight, at most one per connection; they may have
    # committed.
    unread = exact["ballots"] - accepted if answered < data["attempts"] else 0
    ok = (0 <= unread <= connections and accepted + unread == exact["valid"] == exact["tallied"] == exact["shown"]
          == exact["ballots"] and exact["max_per_day"] <= 10 and exact["max_per_case_day"] <= 1
          and exact["counter_mismatch"] == 0)
    if unread:
        print(f"  {unread} ballots were cast by requests in flight when wrk was stopped (answers not read; "
              f"at most {connections}, one per connection)")
    print(f"  exact check: accepted responses {accepted:,} (+{unread}) = ballot rows {exact['ballots']:,} = tallies "
          f"{exact['tallied']:,} = vote_count sum {exact['shown']:,}; most per voter-day {exact['max_per_day']}, "
          f"per case-day {exact['max_per_case_day']}; counter rows off {exact['counter_mismatch']} → "
          f"{'OK' if ok else 'MISMATCH'}")
    targets = [
        ("≥ 927 accepted votes/s", accepted_rate >= 927),
        ("votes ≥ 50 % of signed-in", storm["rps"] / signed["rps"] >= 0.5),
        ("leaderboard poll ≥ 80 % of bare", polled["rps"] / bare["rps"] >= 0.8),
        ("p99 vote < 100 ms", storm["p99"] < 100),
        ("zero lost or excess votes", ok),
    ]
    print("  targets: " + "; ".join(f"{name}: {'met' if met else 'MISSED'}" for name, met in targets))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=SCALES, default="default")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")))
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=10, help="length of each baseline")
    parser.add_argument("--server", choices=list(harness.SERVERS), default="granian")
    args = parser.parse_args(argv)
    run(scale=args.scale, connections=args.connections, workers=args.workers, threads=args.threads,
        seconds=args.seconds, server=args.server, max_seconds={"default": 900, "tenth": 7200, "full": 86400}[args.scale])


if __name__ == "__main__":
    main()
