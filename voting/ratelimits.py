"""Rate limits of the vote path (django-ratelimit on the shared Redis).

The limits use the "ratelimit" cache alias, whose Redis errors are raised:
when Redis is down the vote path refuses with 503 (fail closed) while the
default cache ignores the outage so browsing keeps working.
"""

from __future__ import annotations

from django.conf import settings
from django_ratelimit.core import get_usage

from voting.enums import Refusal
from voting.services import refuse


def client_ip(request) -> str:
    # REMOTE_ADDR only: a deployment behind a proxy sets it from the proxy's
    # header in the server (granian/nginx), never from a client's header here.
    return request.META.get("REMOTE_ADDR", "")


def _ip_key(group, request) -> str:
    return client_ip(request)


def _user_key(group, request) -> str:
    return str(request.user.pk) if request.user.is_authenticated else "ip:" + client_ip(request)


def check_vote_rate(request) -> None:
    """Count this vote attempt against the per-user and per-IP limits;
    raise the rate_limited refusal (429, Retry-After) or unavailable (503)."""
    limits = [("voting.vote.user", _user_key, settings.VOTING_RATE_PER_USER),
              ("voting.vote.ip", _ip_key, settings.VOTING_RATE_PER_IP)]
    for group, key, rate in limits:
        if not rate:
            continue
        try:
            usage = get_usage(request, group=group, key=key, rate=rate, increment=True)
        except Exception as exc:  # noqa: BLE001 - any Redis/connection error: fail closed
            raise refuse(Refusal.UNAVAILABLE) from exc
        if usage is None:
            continue
        if usage["limit"] == 0 and usage["time_left"] == -1:
            # django-ratelimit could not read the counter: Redis is not answering.
            raise refuse(Refusal.UNAVAILABLE)
        if usage["should_limit"]:
            raise refuse(Refusal.RATE_LIMITED, retry_after=max(1, int(usage["time_left"])))
