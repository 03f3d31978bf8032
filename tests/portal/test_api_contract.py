"""The API contract (issue 15): schemathesis, every check, against
/api/schema/ of a live server, anonymously and with a token of each role.

A short seeded budget (a few random cases per operation, fixed seed, one
schemathesis worker, no coverage phase) so `make test` stays bounded; `make bench
BENCH_ARGS=contract` runs the same callers at length (bench/contract.py).
All callers run in one test, one after the other, so under pytest-xdist the
run takes one worker and one live server, never two at once.
"""

import pytest

from tests import api_contract

pytestmark = [pytest.mark.contract, pytest.mark.django_db(transaction=True)]

# Seeded random cases, a few per operation, without the coverage phase (its
# boundary cases are tens per operation): bench/contract.py runs all phases.
MAX_EXAMPLES = 2
SEED = 15
PHASES = "examples,fuzzing"


def test_every_caller_gets_only_documented_answers(live_server, settings):
    # Rate limits off, as in the bench: they have tests of their own, and writes answering 429 test nothing else.
    settings.PORTAL_RATE_LIMITS = {}
    settings.VOTING_RATE_PER_USER = settings.VOTING_RATE_PER_IP = ""
    tokens = api_contract.build_world()
    outcomes = [
        api_contract.run(live_server.url, role=role, token=tokens[role], max_examples=MAX_EXAMPLES, seed=SEED,
                         phases=PHASES)
        for role in api_contract.ROLES
    ]
    failed = [outcome for outcome in outcomes if outcome.exit_code or outcome.failures]
    assert all(outcome.cases for outcome in outcomes), [(o.role, o.output[-3000:]) for o in outcomes if not o.cases]
    assert failed == [], "\n\n".join(f"--- {o.role}: {o.failures} failures\n{o.output[-8000:]}" for o in failed)
