"""`python -m bench [scenario] [options]`: run the load benchmarks.

Without a scenario, every scenario runs with its default (a few minutes in
all on a 2-core machine).
"""

from __future__ import annotations

import importlib
import sys

# scenario name -> module under bench/ exposing main(argv)
SCENARIOS = {"servers": "bench.servers", "votes": "bench.votes", "appeals": "bench.appeals", "uploads": "bench.uploads",
             "contract": "bench.contract", "review": "bench.review", "queue": "bench.queue"}
# Run only when named (`make faults`, `make cluster-check`): the drills bring their own services.
DRILLS = {"faults": "bench.faults", "cluster": "bench.cluster"}


def main() -> None:
    argv = sys.argv[1:]
    if argv and argv[0] in SCENARIOS | DRILLS:
        importlib.import_module((SCENARIOS | DRILLS)[argv[0]]).main(argv[1:])
        return
    if argv and not argv[0].startswith("-"):
        raise SystemExit(f"unknown scenario {argv[0]!r}; choose from {', '.join(SCENARIOS | DRILLS)}")
    for module in SCENARIOS.values():
        importlib.import_module(module).main(argv)


if __name__ == "__main__":
    main()
