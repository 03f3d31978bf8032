"""The one way to keep a computed value in the shared cache (Redis).

``remember(key, compute, timeout)``: the value under ``key``, else
``compute()``'s, stored for ``timeout`` seconds (a None value is never
stored). With ``single_flight`` one request computes a missing value while
the others asking for it at the same moment wait for its result (a Redis
flag marks the work in progress): under a burst on a cold view, N requests
computing the same figures at once made each of them N times slower in the
benchmark. Redis being down never fails a page: the cache answers None
(IGNORE_EXCEPTIONS) and every request computes for itself.

Values that must all be dropped at once (a page of the wall, every figure of
the dashboards) carry a version in their key: ``version(key)`` reads it and
``bump(key)`` moves it on.

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
             refresh: bool = False) -> T:
    """The cached value of ``key``, or ``compute()``'s, stored for ``timeout``
    seconds (None: until dropped). ``refresh`` computes and stores it anew."""
    if not refresh:
        value = cache.get(key)
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
        value = cache.get(key)
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
