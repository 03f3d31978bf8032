"""Rate limits of the vote path (django-ratelimit on the shared Redis).

The limits are django-ratelimit's: its rate strings, its fixed windows with
per-key jitter and its cache keys, on the "ratelimit" cache alias. What
differs from its ``get_usage`` is the transport: both counters (per user,
per IP) are bumped by one Lua script in one Redis round trip (create with
its expiry if missing, then INCR, for each) instead of up to four commands,
because the Redis client's per-command work was the largest part of the
vote path after the signed-in user in the benchmark's profile. When Redis is down the vote path refuses with
503 (fail closed) while the default cache ignores the outage so browsing
keeps working.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import caches
from django_ratelimit import ALL
from django_ratelimit.core import EXPIRATION_FUDGE, _get_window, _make_cache_key, _split_rate

from portal.outages import RETRY_AFTER_SECONDS
from portal.ratelimits import client_ip
from voting.enums import Refusal
from voting.services import refuse


def _limits(request) -> list[tuple[str, str, int, int, int]]:
    """(cache key, rate, limit, period, window end) of each active limit."""
    user_key = str(request.user.pk) if request.user.is_authenticated else "ip:" + client_ip(request)
    found = []
    for group, value, rate in [("voting.vote.user", user_key, settings.VOTING_RATE_PER_USER),
                               ("voting.vote.ip", client_ip(request), settings.VOTING_RATE_PER_IP)]:
        if not rate:
            continue
        limit, period = _split_rate(rate)
        window = _get_window(value, period)
        found.append((_make_cache_key(group, window, rate, value, ALL), rate, limit, period, window))
    return found


# KEYS: counters; ARGV: their expiries (seconds). Returns the new counts.
_BUMP_LUA = """
local counts = {}
for i, key in ipairs(KEYS) do
  redis.call('SET', key, 0, 'NX', 'EX', ARGV[i])
  counts[i] = redis.call('INCR', key)
end
return counts
"""


def _bump(cache):
    """The counting script, registered once per Redis client (EVALSHA)."""
    client = cache.client.get_client(write=True)
    script = getattr(client, "_portal_vote_bump", None)
    if script is None:
        script = client._portal_vote_bump = client.register_script(_BUMP_LUA)
    return script


def check_vote_rate(request) -> None:
    """Count this vote attempt against the per-user and per-IP limits;
    raise the rate_limited refusal (429, Retry-After) or unavailable (503)."""
    limits = _limits(request)
    if not limits:
        return
    cache = caches[settings.RATELIMIT_USE_CACHE]
    try:
        counts = _bump(cache)(keys=[cache.make_key(key) for key, *_rest in limits],
                              args=[period + EXPIRATION_FUDGE for _key, _rate, _limit, period, _window in limits])
    except Exception as exc:  # noqa: BLE001 - any Redis/connection error: fail closed
        # An outage answer says when to come back, like a database outage's.
        raise refuse(Refusal.UNAVAILABLE, retry_after=RETRY_AFTER_SECONDS) from exc
    now = int(time.time())
    for (_key, _rate, limit, _period, window), count in zip(limits, counts):
        if count > limit:
            raise refuse(Refusal.RATE_LIMITED, retry_after=max(1, window - now))
