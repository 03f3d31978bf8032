"""Appeals at a million appeals and at city scale (`--appeals 10000000`):
the dashboard, the wall, a unit's inbox and a resident's tracking page.

On the `<db>_bench` database (name another database with DATABASE_URL to keep
your own: `DATABASE_URL=postgres://…/mine` uses `mine_bench`):
1. load the appeals (skipped when already loaded): the first 1,000,000 (a
   year, the demo's distributions) with COPY in 50,000-row chunks, plus their
   ratings and rectifications; above a million, copies of those with one
   INSERT … SELECT per copy in SQL (same year, same days: ten million is ten
   times the daily volume, a quarter of Shenzhen's 2023); then every
   dispatched appeal's primary work order in one INSERT … SELECT; then
   rebuild the daily figures (timed);
2. measure the choice behind the dashboard: a month's and a year's city
   figures straight from the appeals table (indexed range scans) against the
   same figures from the pre-aggregated daily rows;
3. serve the portal (granian, 2 workers, as `make run`) and drive it with wrk:
   bare baseline, the city dashboard (one URL: cached between rebuilds, and
   a page copy a second shared by visitors who are not signed in; again as a
   signed-in resident, who gets no page copy), the
   dashboard over 300 different period/area/category views (mostly computed
   cold), a unit's dashboard, the wall's first page, the wall over 300 pages
   and filters, and the 300 dashboard views again after the periodic 35-day
   rebuild (settled periods stay cached); the busiest unit's inbox as one
   of its clerks (its four lists, 20 pages); a resident's tracking page over
   300 of their appeals. p50/p95/p99 in ms and p95 as a multiple of the bare
   baseline of the same run; targets p95 < 200 ms (dashboards, wall) and
   < 100 ms (inbox, tracking).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import tempfile
import time

from bench import harness

TARGET_P95_MS = 200.0
TARGET_STAFF_P95_MS = 100.0  # the unit inbox and the tracking page
BASE = 1_000_000  # generated in Python; above it, copies made in SQL


def load(*, count: int, seed: int = 7, reuse: bool = False) -> dict:
    """Inside Django (bench database). `reuse`: a database that already holds
    `count` appeals keeps its daily figures (no full rebuild: minutes at ten
    million), so the pages can be measured again at once."""
    import datetime as dt

    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from appeals.models import Appeal
    from appeals.services import stats as stats_services
    from demo import appeals as appeals_demo
    from demo import appeals_history as history
    from demo import portal as portal_demo
    from portal.models import User
    from portal.timeutils import local_day

    report: dict = {}
    with transaction.atomic():
        units = portal_demo.seed_units()
        appeals_demo.seed_holidays()
        appeals_demo.seed_catalogue(units)
    have = Appeal.objects.filter(idempotency_key__startswith="hist-BN-").count()
    now = timezone.now()
    generated = min(count, BASE)
    if have < generated:
        started = time.monotonic()
        emails = [f"bench-resident-{n:05d}@example.cn" for n in range(5000)]
        password = make_password(None)
        # Only the missing ones: an interrupted load has written them already (e-mail is not unique).
        missing = set(emails) - set(User.objects.filter(email__in=emails).values_list("email", flat=True))
        User.objects.bulk_create([User(email=e, password=password) for e in emails if e in missing])
        residents = list(User.objects.filter(email__in=emails).values_list("pk", flat=True))
        today = local_day(now)
        with transaction.atomic():
            written = history.generate(
                count=generated - have, first_number=have, seed=seed + have, first_day=today - dt.timedelta(days=364), last_day=today, now=now, residents=residents,
                prefix="BN", timeline=False,
                progress=lambda text: print(f"[appeals] {text} ({time.monotonic() - started:.0f}s)", flush=True),
            )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE appeals_appeal; ANALYZE appeals_rating; ANALYZE appeals_rectification")
        report["load_seconds"] = round(time.monotonic() - started, 1)
        report["ratings"] = written.ratings
        have = generated
    if have < count:
        started = time.monotonic()
        copy_appeals(count=count, have=have)
        report["copy_seconds"] = round(time.monotonic() - started, 1)
    started = time.monotonic()
    orders = add_work_orders()
    if orders:
        report["work_orders"] = orders
        report["work_orders_seconds"] = round(time.monotonic() - started, 1)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE appeals_appeal; ANALYZE appeals_rating; ANALYZE appeals_rectification; ANALYZE appeals_assignment")
    report["appeals"] = Appeal.objects.count()
    started = time.monotonic()
    if reuse and "load_seconds" not in report and "copy_seconds" not in report and "work_orders" not in report:
        from appeals.models import DailyStat

        report["daily_rows"] = DailyStat.objects.count()
        report["rebuild_all_seconds"] = "kept"
    else:
        report["daily_rows"] = stats_services.recompute_all(now=now)
        report["rebuild_all_seconds"] = round(time.monotonic() - started, 1)
    started = time.monotonic()
    stats_services.recompute_recent(now=now)
    report["rebuild_35_days_seconds"] = round(time.monotonic() - started, 2)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE appeals_dailystat")
    report.update(compare_queries(now))
    # What the periodic job does after each rebuild: today's city dashboards rendered into the cache.
    from appeals.dashboards import warm_dashboards

    started = time.monotonic()
    warm_dashboards()
    report["warm_seconds"] = round(time.monotonic() - started, 2)
    return report


def copy_appeals(*, count: int, have: int) -> None:
    """Appeals above the first million: copies of the generated ones (same
    days, units, states, ratings and rectifications), one INSERT … SELECT per
    copy, each in its own transaction (an interrupted load keeps whole copies).
    Ids are the original's plus a fixed stride per copy, so a copy's ratings
    and rectifications point to the copied rows."""
    from django.db import connection, transaction

    from demo.appeals_history import APPEAL_COLUMNS

    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM appeals_appeal WHERE idempotency_key LIKE 'hist-BN-%%' AND idempotency_key NOT LIKE '%%-c%%'")
        first_id, last_id = cursor.fetchone()
        cursor.execute("SELECT coalesce(max(id), 0) FROM appeals_appeal")
        (top,) = cursor.fetchone()
        cursor.execute("SELECT coalesce(max(id), 0) FROM appeals_rating")
        (rating_top,) = cursor.fetchone()
    stride = 10 ** len(str(max(top, rating_top) + BASE))  # above every id there is
    copy_number = (have - BASE) // BASE + 1
    columns = [c for c in APPEAL_COLUMNS if c not in ("id", "tracking_number", "idempotency_key")]
    started = time.monotonic()
    while have < count:
        offset = (have - BASE) % BASE  # an earlier, smaller run may have left a part copy: go on with it
        rows = min(BASE - offset, count - have)
        shift = copy_number * stride
        with transaction.atomic(), connection.cursor() as cursor:
            # The copies point to the rows the originals point to: no foreign
            # key to check again (the checks at commit took longer than the insert).
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(
                f"""INSERT INTO appeals_appeal (id, tracking_number, idempotency_key, {', '.join(columns)})
                    SELECT id + %(shift)s, 'C' || %(copy)s || substr(tracking_number, 3), idempotency_key || '-c' || %(copy)s,
                           {', '.join(columns)}
                    FROM appeals_appeal WHERE id BETWEEN %(first)s AND %(last)s""",
                {"shift": shift, "copy": copy_number, "first": first_id + offset, "last": min(last_id, first_id + offset + rows - 1)},
            )
            cursor.execute(
                """INSERT INTO appeals_rating (id, appeal_id, unit_id, resident_id, round, score, comment, automatic, created_at)
                   SELECT id + %(shift)s, appeal_id + %(shift)s, unit_id, resident_id, round, score, comment, automatic, created_at
                   FROM appeals_rating WHERE appeal_id BETWEEN %(first)s AND %(last)s""",
                {"shift": shift, "first": first_id + offset, "last": min(last_id, first_id + offset + rows - 1)},
            )
            cursor.execute(
                """INSERT INTO appeals_rectification (appeal_id, rating_id, unit_id, state, created_at, due_at, report,
                                                      submitted_at, checked_at, check_note)
                   SELECT appeal_id + %(shift)s, rating_id + %(shift)s, unit_id, state, created_at, due_at, report,
                          submitted_at, checked_at, check_note
                   FROM appeals_rectification WHERE appeal_id BETWEEN %(first)s AND %(last)s""",
                {"shift": shift, "first": first_id + offset, "last": min(last_id, first_id + offset + rows - 1)},
            )
        have += rows
        copy_number += (have - BASE) % BASE == 0
        print(f"[appeals] {have:,} appeals ({time.monotonic() - started:.0f}s)", flush=True)
    with connection.cursor() as cursor:
        for table in ("appeals_appeal", "appeals_rating"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")


def add_work_orders() -> int:
    """Every dispatched appeal's primary work order (the bench's history is
    written without a timeline), in one INSERT … SELECT, for the appeals
    loaded since the last time; 0 when there are none."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        # Appeals are loaded in id order (copies above every original): those above the last with a work order.
        cursor.execute("SELECT coalesce(max(appeal_id), 0) FROM appeals_assignment WHERE instructions = 'bench'")
        (done,) = cursor.fetchone()
        # They point to existing appeals and units; no trigger either, so the
        # appeal's state is copied here (WorkOrder.appeal_state).
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            """INSERT INTO appeals_assignment (appeal_id, unit_id, role, state, instructions, dispatched_at, return_until,
                                               due_soon_at, due_at, accepted_at, replied_at, finished_at, return_reason,
                                               appeal_state)
               SELECT a.id, a.primary_unit_id, 'primary',
                      CASE a.state WHEN 'dispatched' THEN 'dispatched' WHEN 'accepted' THEN 'accepted'
                                   WHEN 'replied' THEN 'replied' ELSE 'resolved' END,
                      'bench', d.at, d.at + interval '1 day', d.due - interval '1 day', d.due,
                      CASE WHEN a.state <> 'dispatched' THEN d.at + interval '2 hours' END,
                      a.first_reply_at, a.resolved_at, '', a.state
               FROM appeals_appeal a
               CROSS JOIN LATERAL (SELECT coalesce(a.dispatched_at, a.first_dispatched_at, a.submitted_at) AS at) t
               CROSS JOIN LATERAL (SELECT t.at, greatest(coalesce(a.handling_due_at, t.at + interval '5 days'), t.at + interval '1 day') AS due) d
               WHERE a.id > %s AND a.primary_unit_id IS NOT NULL AND a.state NOT IN ('submitted', 'returned', 'reopened')""",
            [done],
        )
        return cursor.rowcount


def compare_queries(now) -> dict:
    """A month's and a year's city figures: straight from appeals vs from the daily rows (best of 3, ms)."""
    import datetime as dt

    from django.db import connection

    from appeals.selectors import stats
    from appeals.services.stats import SQL
    from portal.timeutils import local_day, local_midnight

    direct = SQL.split("INSERT INTO")[0] + "SELECT " + ", ".join(f"sum({c})" for c in stats.COUNTERS) + " FROM ev"
    today = local_day(now)
    result = {}
    for name, (first, last) in {
        "month": stats.period_range("month", today), "year": (today - dt.timedelta(days=364), today),
    }.items():
        timings = {"direct": [], "daily": []}
        for _ in range(3):
            began = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(direct, {"start": local_midnight(first), "end": local_midnight(last + dt.timedelta(days=1)), "now": now})
                direct_row = cursor.fetchone()
            timings["direct"].append((time.perf_counter() - began) * 1000)
            began = time.perf_counter()
            figures = stats.figures(start=first, end=last)
            timings["daily"].append((time.perf_counter() - began) * 1000)
        assert int(direct_row[0] or 0) == figures.received, "both ways must give the same figures"
        result[f"{name}_direct_ms"] = round(min(timings["direct"]), 1)
        result[f"{name}_daily_ms"] = round(min(timings["daily"]), 1)
    return result


def paths() -> dict:
    """URLs for the rotating runs (inside Django: real ids)."""
    import datetime as dt
    import random

    from appeals.enums import InboxBucket
    from appeals.models import Appeal, Area, Category
    from portal.models import Unit, User
    from portal.timeutils import local_day

    rng = random.Random(3)
    today = local_day()
    areas = list(Area.objects.values_list("pk", flat=True))
    categories = list(Category.objects.values_list("pk", flat=True))
    unit = Unit.objects.filter(primary_responsibilities__isnull=False).order_by("pk").values_list("pk", flat=True).first()
    dashboard = []
    for _ in range(300):
        period = rng.choice(["day", "week", "month", "month", "year"])
        date = today - dt.timedelta(days=rng.randint(0, 360))
        extra = rng.choice(["", f"&area={rng.choice(areas)}", f"&category={rng.choice(categories)}"])
        dashboard.append(f"/appeals/stats/?period={period}&date={date:%Y-%m-%d}{extra}")
    wall = []
    for _ in range(300):
        extra = rng.choice([
            "", f"&category={rng.choice(categories)}", f"&area={rng.choice(areas)}", "&state=done", "&state=handling",
        ])
        wall.append(f"/appeals/wall/?page={rng.randint(1, 20)}{extra}")
    resident = User.objects.filter(email="bench-resident-00000@example.cn").order_by("pk").first()
    own = list(Appeal.objects.filter(resident=resident).order_by("?").values_list("tracking_number", flat=True)[:300])
    busiest, clerk = _clerk_of_busiest_unit()
    inbox = [f"/appeals/inbox/?bucket={bucket}&page={rng.randint(1, 20)}" for bucket in InboxBucket.values for _ in range(75)]
    return {"dashboard": dashboard, "wall": wall, "unit": f"/appeals/stats/units/{unit}/", "cookie": _cookie(resident),
            "tracking": [f"/appeals/t/{number}/" for number in own], "inbox": inbox, "clerk_cookie": _cookie(clerk),
            "inbox_unit": busiest}


def _clerk_of_busiest_unit():
    """The unit with the most open work orders, and a clerk of it (with TOTP, as staff must)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP
    from django.db.models import Count

    from appeals.enums import PART_OPEN_STATES
    from appeals.models import WorkOrder
    from portal import services
    from portal.enums import Role
    from portal.models import Membership, Unit, User

    top = (WorkOrder.objects.filter(state__in=PART_OPEN_STATES).values("unit").annotate(n=Count("pk")).order_by("-n").first())
    unit = Unit.objects.get(pk=top["unit"])
    clerk, _ = User.objects.get_or_create(email="bench-clerk@example.cn")
    if not Membership.objects.filter(user=clerk, role=Role.UNIT_STAFF).exists():
        services.grant_role(actor=None, user=clerk, role=Role.UNIT_STAFF, unit=unit)
    if not Authenticator.objects.filter(user=clerk, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(clerk, "JBSWY3DPEHPK3PXP")
    return {"unit": unit.name, "open": top["n"], "all": WorkOrder.objects.filter(unit=unit).count()}, clerk


def _cookie(user) -> str:
    """A signed-in session cookie. A resident gets no shared page copy
    (portal.pagecache), only the cached figures."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store.update({SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[-1],
                  HASH_SESSION_KEY: user.get_session_auth_hash()})
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def _django(code: str) -> dict:
    out = harness.manage_shell(f"import json\n{code}")
    return json.loads(out)


def _wrk(base: str, paths_file: str, *, seconds: int, connections: int, cookie: str = "") -> dict:
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency", "--timeout", "10s",
               *(["-H", f"Cookie: {cookie}"] if cookie else []),
               "-s", str(harness.ROOT / "bench" / "paths.lua"), base + "/", "--", paths_file]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    percentiles = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", output, re.M))
    p95 = re.search(r"^p95 ([\d.]+)ms", output, re.M)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": harness._ms(percentiles.get("50", "nan")), "p95": float(p95.group(1)) if p95 else float("nan"),
        "p99": harness._ms(percentiles.get("99", "nan")), "non2xx": int(non_2xx.group(1)) if non_2xx else 0,
    }


def _file(lines: list[str]) -> str:
    handle = tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False)
    handle.write("\n".join(lines) + "\n")
    handle.close()
    return handle.name


def run(*, count: int = 1_000_000, seconds: int = 10, connections: int = 16, workers: int = 2, reuse: bool = False) -> dict:
    harness.prepare_database()
    print(f"[appeals] loading {count:,} appeals into the bench database …", flush=True)
    loaded = _django(f"from bench.appeals import load\nprint(json.dumps(load(count={count}, reuse={reuse})))")
    print(f"[appeals] {json.dumps(loaded, ensure_ascii=False)}", flush=True)
    urls = _django("from bench.appeals import paths\nprint(json.dumps(paths()))")
    urls_file = _file([json.dumps(urls)])
    timed = _django(f"from bench.inprocess import in_process\nprint(json.dumps(in_process(json.load(open({urls_file!r})))))")
    runs = {
        "bare (baseline)": ["/bench/bare"],
        "dashboard, city month (one URL)": ["/appeals/stats/"],
        "dashboard, 300 views (period/date/area/category)": urls["dashboard"],
        "dashboard, one unit": [urls["unit"]],
        "wall, first page": ["/appeals/wall/"],
        "wall, 300 pages and filters": urls["wall"],
    }
    results = {}
    with harness.serve("granian", workers=workers, threads=4) as base:
        _wrk(base, _file(["/bench/bare"]), seconds=2, connections=connections)  # warm-up
        for name, lines in runs.items():
            results[name] = _wrk(base, _file(lines), seconds=seconds, connections=connections)
            if name == "dashboard, city month (one URL)":
                results["dashboard, city month, signed in (no page copy)"] = _wrk(
                    base, _file(lines), seconds=seconds, connections=connections, cookie=urls["cookie"])
        # Steady state: the periodic job rebuilds the last 35 days; views of
        # settled periods keep their rendering, recent ones are drawn again.
        _django("from appeals.services import stats\nstats.recompute_recent()\nprint(json.dumps({}))")
        results["dashboard, the 300 views after the periodic rebuild"] = _wrk(
            base, _file(urls["dashboard"]), seconds=seconds, connections=connections)
        results["unit inbox, busiest unit (4 lists, 20 pages)"] = _wrk(
            base, _file(urls["inbox"]), seconds=seconds, connections=connections, cookie=urls["clerk_cookie"])
        results["tracking, a resident's 300 appeals"] = _wrk(
            base, _file(urls["tracking"]), seconds=seconds, connections=connections, cookie=urls["cookie"])
    print(f"\nAppeals in public with {loaded['appeals']:,} appeals ({workers} granian workers, {connections} connections, "
          f"{seconds}s each, wrk on loopback)")
    if "load_seconds" in loaded:
        print(f"load: {loaded['load_seconds']}s (COPY); ", end="")
    if "copy_seconds" in loaded:
        print(f"copies above a million: {loaded['copy_seconds']}s (INSERT … SELECT); ", end="")
    if "work_orders" in loaded:
        print(f"{loaded['work_orders']:,} work orders in {loaded['work_orders_seconds']}s; ", end="")
    rebuilt = loaded["rebuild_all_seconds"]
    print(f"daily figures: {loaded['daily_rows']:,} rows, full rebuild {'kept (--reuse)' if rebuilt == 'kept' else f'{rebuilt}s'}, "
          f"35-day rebuild {loaded['rebuild_35_days_seconds']}s")
    print(f"city figures, month: {loaded['month_direct_ms']} ms from appeals vs {loaded['month_daily_ms']} ms from daily rows; "
          f"year: {loaded['year_direct_ms']} ms vs {loaded['year_daily_ms']} ms; warming today's dashboards {loaded['warm_seconds']}s")
    unit = urls["inbox_unit"]
    print(f"inbox: {unit['unit']}, {unit['open']:,} open work orders of {unit['all']:,}")
    print(f"{'page':<50}{'r/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'× bare':>8}{'non-2xx':>9}")
    bare = results["bare (baseline)"]["p95"]
    for name, r in results.items():
        target = TARGET_STAFF_P95_MS if name.startswith(("unit inbox", "tracking")) else TARGET_P95_MS
        flag = "" if name.startswith("bare") or r["p95"] < target else f"  > {target:.0f} ms"
        print(f"{name:<50}{r['rps']:>8.0f}{r['p50']:>9.1f}{r['p95']:>9.1f}{r['p99']:>9.1f}{r['p95'] / bare:>8.1f}"
              f"{r['non2xx']:>9}{flag}")
    print("in process (one request at a time, warm; median page and slowest of those timed):")
    for name, row in timed.items():
        for which in ("median", "worst"):
            r = row[which]
            print(f"  {name}, {which} of {row['pages']}: {r['ms']} ms, {r['queries']} queries, {r['sql_ms']} ms of SQL, "
                  f"slowest {r['slowest_ms']} ms ({r['slowest']}…) {r['path']}")
    return {"loaded": loaded, "results": results, "in_process": timed}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--appeals", "--count", dest="count", type=int, default=1_000_000,
                        help="appeals in the bench database (10000000: a quarter of Shenzhen's 2023)")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reuse", action="store_true",
                        help="a bench database already holding the appeals keeps its daily figures (no full rebuild)")
    args = parser.parse_args(argv)
    run(count=args.count, seconds=args.seconds, connections=args.connections, workers=args.workers, reuse=args.reuse)


if __name__ == "__main__":
    main()
