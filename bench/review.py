"""The organisers' fraud review at the demo's size (issue 21): time to serve
the page, and how much of it a phone has to scroll.

On the `<db>_bench` database: seed the demo's units, accounts, board and
open vote (demo.portal, demo.cases, demo.voting: about 5,000 voters and their
ballots, a sign-up farm; skipped when already seeded today), then, inside
Django, fetch /voting/review/<edition>/ as the demo organiser (signed in with
a second factor) --repeat times cold (shared cache emptied before each) and
print the median and the slowest in ms (after one first request of the
process, reported apart), with the ballots under review, the page's size and
the rows it shows. Target: every fetch under 1,000 ms.

    make bench BENCH_ARGS="review --repeat 10"
"""

from __future__ import annotations

import argparse
import json

from bench import harness

TARGET_MS = 1000.0

CODE = r"""
import json, statistics, time
from django.core.cache import cache
from django.db import connection
from django.test import Client
from allauth.account.internal.flows.login import (
    _AUTHENTICATION_METHODS_USER_SESSION_KEY, AUTHENTICATION_METHODS_SESSION_KEY)
from demo import cases as cases_demo, portal as portal_demo, voting as voting_demo
from portal.models import User
from voting.models import Ballot

started = time.monotonic()
portal_demo.seed()
campaign = cases_demo.seed()
voting_demo.seed()
seeded_s = time.monotonic() - started
with connection.cursor() as cursor:  # as autovacuum would have by the time anyone reviews
    cursor.execute("ANALYZE voting_ballot; ANALYZE portal_user")
organiser = User.objects.get(email="organiser@demo.minxinbang.cn")
client = Client(HTTP_HOST="127.0.0.1")
client.force_login(organiser)
session = client.session
at = time.time()
session[AUTHENTICATION_METHODS_SESSION_KEY] = [{"method": "password", "at": at, "email": organiser.email},
                                               {"method": "mfa", "at": at, "type": "totp"}]
session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(organiser.pk)
session.save()
url = f"/voting/review/{campaign.slug}/"
began = time.perf_counter()
client.get(url)  # the process's first request also compiles templates and opens connections: reported apart
first_ms = (time.perf_counter() - began) * 1000
times, size, rows = [], 0, 0
for _n in range(REPEAT):
    cache.clear()
    began = time.perf_counter()
    response = client.get(url)
    times.append((time.perf_counter() - began) * 1000)
    assert response.status_code == 200, response.status_code
    body = response.content.decode()
    size, rows = len(body), body.count('<tr class="ballot-row')
print(json.dumps({"ballots": Ballot.objects.filter(campaign=campaign).count(), "seed_s": round(seeded_s, 1),
                  "first_ms": round(first_ms, 1), "median_ms": round(statistics.median(times), 1),
                  "max_ms": round(max(times), 1),
                  "bytes": size, "ballot_rows": rows}))
"""


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench review", description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args(argv)
    harness.prepare_database()
    result = json.loads(harness.manage_shell(CODE.replace("REPEAT", str(args.repeat)), PORTAL_ENV="development"))
    verdict = "ok" if result["max_ms"] < TARGET_MS else "OVER TARGET"
    print(f"fraud review at the demo's size: {result['ballots']:,} ballots (seeded in {result['seed_s']} s)")
    print(f"  GET /voting/review/<edition>/ cold, {args.repeat}×: median {result['median_ms']} ms,"
          f" slowest {result['max_ms']} ms (target < {TARGET_MS:.0f} ms: {verdict})")
    print(f"  (the process's first request, templates compiled and connections opened: {result['first_ms']} ms)")
    print(f"  page: {result['bytes']:,} bytes, {result['ballot_rows']} ballot rows")
