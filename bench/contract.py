"""The API contract at length: schemathesis, every check, against the
portal served as `make run` serves it (granian, 2 workers), anonymously and
with a knox token of each role, on a longer budget than the test's
(tests/portal/test_api_contract.py).

Its own database (``<name>_contract``), made afresh each run. Printed: the
cases sent and the failures found per caller, and the time each took
against the anonymous run's (the in-run baseline).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import time
from urllib.parse import urlparse, urlunparse

from bench import harness
from tests import api_contract


def contract_database_url() -> str:
    url = urlparse(harness.bench_database_url())
    return urlunparse(url._replace(path=url.path.removesuffix("_bench") + "_contract"))


def prepare() -> dict[str, str]:
    """A fresh, migrated database with the contract's small world; returns the tokens."""
    import psycopg

    url = urlparse(contract_database_url())
    name = url.path.lstrip("/")
    with psycopg.connect(urlunparse(url._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    env = harness.bench_env(DATABASE_URL=contract_database_url())
    subprocess.run([harness.PY, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=harness.ROOT, env=env, check=True)
    code = "import json; from tests import api_contract; print(json.dumps(api_contract.build_world()))"
    done = subprocess.run([harness.PY, "manage.py", "shell", "--no-imports", "-c", code], cwd=harness.ROOT, env=env,
                          check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(*, max_examples: int, workers: int, roles: list[str], phases: str, seeds: list[int]) -> bool:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")  # only to read the rate limits' names
    from django.conf import settings

    tokens = prepare()
    results = []
    # Rate limits off for the run's server (tests/api_contract.unlimited_rates says why).
    env = api_contract.unlimited_rates(settings.PORTAL_RATE_LIMITS)
    with harness.serve("granian", workers=2, DATABASE_URL=contract_database_url(), **env) as base:
        for seed in seeds:
            for role in roles:
                started = time.monotonic()
                outcome = api_contract.run(base, role=role, token=tokens[role], max_examples=max_examples, seed=seed,
                                           workers=workers, phases=phases)
                results.append((seed, outcome, time.monotonic() - started))
                if outcome.exit_code or outcome.failures:
                    print(outcome.output[-6000:])
    baseline = results[0][2] or 1.0
    print(f"API contract (schemathesis, all checks, {max_examples} examples per operation, {phases})")
    print(f"{'seed':>5} {'caller':<12} {'cases':>7} {'failures':>9} {'seconds':>8} {'× first':>8}")
    for seed, outcome, seconds in results:
        print(f"{seed:>5} {outcome.role:<12} {outcome.cases:>7} {outcome.failures:>9} {seconds:>8.1f} {seconds / baseline:>8.2f}")
    total = sum(outcome.failures for _seed, outcome, _s in results)
    print(f"contract: {sum(o.cases for _s, o, _t in results)} cases, {total} failures")
    return all(outcome.exit_code == 0 and not outcome.failures for _seed, outcome, _s in results)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--max-examples", type=int, default=10)
    # One schemathesis worker: --workers 2 ended a run with an internal KeyError in schemathesis 4.32.
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--role", action="append", choices=api_contract.ROLES, help="one caller (repeatable)")
    parser.add_argument("--phases", default="examples,coverage,fuzzing", help="add stateful for the stateful phase")
    parser.add_argument("--seed", type=int, action="append", help="a seed of random cases (repeatable; default 15)")
    args = parser.parse_args(argv)
    ok = run(max_examples=args.max_examples, workers=args.workers, roles=args.role or list(api_contract.ROLES),
             phases=args.phases, seeds=args.seed or [15])
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
