"""The one way to keep a computed value in the shared cache (Redis).

``remember(key, compute, timeout)``: the value under ``key``, else
``compute()``'s, stored for ``timeout`` seconds (a None value is never
stored). With ``single_flight`` one request computes a missing value while
the others asking for it at the same moment wait for its result (a Redis
flag marks the work in progress): under a burst on a cold view, N requests
computing the same figures at once made each of them N times slower in the
benchmark. Redis being down never fails a page: the cache answers None
(IGNORE_EXCEPTIONS) and every request computes for itself.

Values that must all be dropped at once (every page of the wall, every figure
of the dashboards) are remembered with ``versioned_by=``: their key carries the
current value of that version key, which ``bump()`` moves on. ``accept``
refuses a stored value that is too old for this caller (a resident's own
vote must be counted); ``peek`` reads without computing and ``forget`` drops
one value.

In front of it, for what every visitor sees alike, portal.pagecache keeps
pages and values in the process for a second.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

T = TypeVar("T")

COMPUTE_WAIT_SECONDS = 10


def remember(key: str, compute: Callable[[], T], timeout: float | None, *, single_flight: bool = False,
             refresh: bool = False, versioned_by: str | None = None, accept: Callable[[T], bool] | None = None) -> T:
    """The cached value of ``key``, or ``compute()``'s, stored for ``timeout``
    seconds (None: until dropped). ``refresh`` computes and stores it anew;
    ``versioned_by`` names a version key whose bump() drops the value; a stored
    value that ``accept`` refuses is computed and stored anew."""
    if versioned_by is not None:
        key = versioned(key, versioned_by)

    def held():
        value = cache.get(key)
        return value if value is None or accept is None or accept(value) else None

    if not refresh:
        value = held()
        if value is not None:
            return value
    if not single_flight or refresh:
        value = compute()
        if value is not None:
            cache.set(key, value, timeout)
        return value
    flag = f"{key}:computing"
    deadline = time.monotonic() + COMPUTE_WAIT_SECONDS
    while True:
        # add() answers None (not False) when Redis is unreachable: compute.
        acquired = cache.add(flag, 1, COMPUTE_WAIT_SECONDS * 3)
        if acquired is None:
            return compute()
        # Another request may have finished between our read and our flag.
        value = held()
        if value is not None:
            if acquired:
                cache.delete(flag)
            return value
        if acquired or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    try:
        value = compute()
        if value is not None:
            cache.set(key, value, timeout)
    finally:
        if acquired:
            cache.delete(flag)
    return value


def versioned(key: str, version_key: str) -> str:
    """``key`` under the current version of ``version_key`` (for a layer in
    front of remember() that must be dropped with it, portal.pagecache)."""
    return f"{key}:v{version(version_key)}"


def version(key: str) -> int:
    """The current version stored under ``key`` (1 until first bumped)."""
    value = cache.get(key)
    if value is None:
        value = 1
        cache.add(key, value, None)
    return int(value)


def bump(key: str) -> None:
    """Moves the version under ``key`` on: values keyed by the old one are no longer read."""
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 2, None)


def peek(key: str):
    """The value stored under ``key`` by remember(), or None; nothing is computed."""
    return cache.get(key)


def forget(key: str) -> None:
    """Drops the value under ``key``: the next remember() computes it."""
    cache.delete(key)
