"""Which WSGI server and which connection mode serve the portal best here.

For each server (granian, gunicorn sync, gunicorn gthread) and each way of
holding PostgreSQL connections (persistent, psycopg pool), measure:
- bare: a trivial view through the full middleware stack;
- signed-in: a trivial view that loads the signed-in user (session in Redis,
  user from PostgreSQL) — the first wall of the vote path.
Figures are requests/s with p50/p99 latency; ratios are to the fastest
bare figure of the same run.
"""

from __future__ import annotations

import argparse

from bench import harness

COMBOS = [
    ("granian", {}),
    ("granian", {"PORTAL_DB_POOL": "1"}),
    ("gunicorn-sync", {}),
    ("gunicorn-gthread", {}),
    ("gunicorn-gthread", {"PORTAL_DB_POOL": "1"}),
]


def signed_in_cookie() -> str:
    return harness.manage_shell(
        "from django.test import Client\n"
        "from portal.models import User\n"
        "u = User.objects.filter(email='bench-baseline@example.cn').first() or "
        "User.objects.create_user(email='bench-baseline@example.cn')\n"
        "c = Client(); c.force_login(u); print(c.cookies['sessionid'].value)"
    )


def run(seconds: int = 8, connections: int = 32, workers: int = 2) -> list[dict]:
    harness.prepare_database()
    cookie = {"Cookie": f"sessionid={signed_in_cookie()}"}
    rows = []
    for server, env in COMBOS:
        mode = "pool" if env.get("PORTAL_DB_POOL") else "persistent"
        with harness.serve(server, workers=workers, **env) as base:
            harness.wrk(f"{base}/bench/bare", seconds=2, connections=connections)  # warm-up
            bare = harness.wrk(f"{base}/bench/bare", seconds=seconds, connections=connections, script="percentiles.lua")
            signed = harness.wrk(
                f"{base}/bench/signed-in", seconds=seconds, connections=connections, headers=cookie, script="percentiles.lua"
            )
        assert signed.non_2xx == 0, "the signed-in baseline must really be signed in"
        rows.append({"server": server, "db": mode, "bare": bare, "signed": signed})
    best_bare = max(r["bare"].requests_per_second for r in rows)
    print(f"\nWSGI servers, {workers} workers, {connections} connections, {seconds}s each (wrk on loopback)")
    print(f"{'server':<18}{'db':<12}{'bare r/s':>10}{'p99 ms':>9}{'signed-in r/s':>15}{'p99 ms':>9}{'signed/bare':>13}")
    for r in rows:
        b, s = r["bare"], r["signed"]
        print(
            f"{r['server']:<18}{r['db']:<12}{b.requests_per_second:>10.0f}{b.p99_ms:>9.1f}"
            f"{s.requests_per_second:>15.0f}{s.p99_ms:>9.1f}{s.requests_per_second / b.requests_per_second:>13.2f}"
        )
    winner = max(rows, key=lambda r: r["signed"].requests_per_second)
    print(
        f"fastest signed-in: {winner['server']} with {winner['db']} connections "
        f"({winner['signed'].requests_per_second:.0f} r/s, {winner['signed'].requests_per_second / best_bare:.2f}× the best bare)"
    )
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    run(seconds=args.seconds, connections=args.connections, workers=args.workers)


if __name__ == "__main__":
    main()
