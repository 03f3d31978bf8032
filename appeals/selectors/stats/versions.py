"""Cached dashboard pieces and the versions that drop them after a rebuild
of the figures (portal.caching)."""

from __future__ import annotations

import datetime as dt

from portal import caching
from portal.timeutils import local_day

VERSION_KEY = "appeals:stats:version"
SETTLED_VERSION_KEY = "appeals:stats:settled-version"
# The periodic job rebuilds the last 35 local days (services.stats.recompute_recent);
# figures of days before that are settled: only a rebuild reaching further
# back (the nightly full one) changes them.
RECENT_DAYS = 35


def version() -> int:
    return caching.version(VERSION_KEY)


def settled_before() -> dt.date:
    """Periods ending before this day keep their figures across the periodic rebuilds."""
    return today() - dt.timedelta(days=RECENT_DAYS + 1)


def is_settled(end: dt.date) -> bool:
    """A period ending on ``end`` keeps its figures (and its cached dashboard)
    across the periodic rebuilds."""
    return end < settled_before()


def bump_version(first_day: dt.date | None = None) -> None:
    """Called after every rebuild: cached dashboards of recent periods are
    dropped at once; those of settled periods too when the rebuild reached
    back into them (or when it is not said how far it reached)."""
    caching.bump(VERSION_KEY)
    if first_day is None or first_day < settled_before():
        caching.bump(SETTLED_VERSION_KEY)


def cached(name: str, compute, timeout: int = 600, *, settled: bool = False):
    """Dashboard pieces cached until the next rebuild of the figures
    (``settled``: of settled periods only, see bump_version), computed once
    however many requests ask at the same moment (portal.caching)."""
    if settled:
        return caching.remember(f"appeals:stats:settled:{name}", compute, timeout, single_flight=True,
                                versioned_by=SETTLED_VERSION_KEY)
    return caching.remember(f"appeals:stats:{name}", compute, timeout, single_flight=True, versioned_by=VERSION_KEY)


def today() -> dt.date:
    return local_day()
