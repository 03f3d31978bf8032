"""Rate limits of every write path (django-ratelimit on the shared Redis).

Each limited action has rates per scope in ``settings.PORTAL_RATE_LIMITS``:
``user`` (the signed-in account, or the address for visitors), ``ip`` (the
client's address) and scopes the caller names, like ``key`` for an Open311
API key. ``check_rate`` counts one attempt against each and refuses with
``RateLimitedError`` (429, Retry-After = the seconds left in the window
that tripped).

Every unsafe request also counts against the general ``write`` limit
(``RateLimitMiddleware``), so that no write path is left unlimited; views
with limits of their own are marked and skipped.

Redis down: these limits fail open and log it, so that appeal intake and
ratings keep working through a cache outage (DESIGN: "nothing a resident
does fails because Redis is down"). The vote path fails closed instead
(voting.ratelimits): a vote without its quota counters is not accepted.
"""

from __future__ import annotations

import functools
import logging
from contextlib import contextmanager

from django.conf import settings
from django.http import Http404, HttpRequest
from django_ratelimit.core import get_usage

from portal.errors import refusal_answer
from portal.exceptions import RateLimitedError

logger = logging.getLogger(__name__)

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR only: a deployment behind a proxy sets it from the proxy's
    # header in the server (granian/nginx), never from a client's header here.
    return request.META.get("REMOTE_ADDR", "")


def _scope_value(request: HttpRequest, scope: str, values: dict[str, str]) -> str | None:
    if scope in values:
        return values[scope] or None
    if scope == "ip":
        return client_ip(request)
    if scope == "user":
        user = getattr(request, "user", None)
        return f"u{user.pk}" if user is not None and user.is_authenticated else "ip:" + client_ip(request)
    return None


def check_rate(request: HttpRequest, action: str, *, increment: bool = True, **values: str) -> None:
    """Counts this attempt at `action` against each of its scopes' rates
    and refuses when one is over. `values` names the caller's own scopes
    (e.g. ``key=api_key``); a scope without a value is not counted.
    With ``increment=False`` it only looks (for limits counted on failure)."""
    for scope, rate in settings.PORTAL_RATE_LIMITS.get(action, {}).items():
        value = _scope_value(request, scope, values)
        if not rate or value is None:
            continue
        try:
            usage = get_usage(request, group=f"{action}.{scope}", key=lambda _g, _r, v=value: v, rate=rate,
                              increment=increment)
        except Exception:  # noqa: BLE001 - Redis unreachable: fail open (see the module's note)
            logger.warning("rate limit %s.%s not counted: Redis unavailable", action, scope, exc_info=True)
            return
        if usage is not None and (usage["should_limit"] or (not increment and usage["count"] >= usage["limit"])):
            raise RateLimitedError(retry_after=max(1, usage["time_left"]))


def count_failure(request: HttpRequest, action: str, **values: str) -> None:
    """Counts a failed attempt (a tracking code that matched nothing)
    without refusing this one: the next check refuses once over."""
    try:
        check_rate(request, action, **values)
    except RateLimitedError:
        pass


def own_rate_limit(view):
    """Marks a view (function or class) that counts its writes with limits of
    its own, so the general write limit leaves it alone."""
    view.own_rate_limit = True
    return view


def limit_writes(action: str):
    """A view whose unsafe requests count against `action`'s limits instead
    of the general write limit (the middleware answers a refusal)."""
    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in UNSAFE_METHODS:
                check_rate(request, action)
            return view(request, *args, **kwargs)
        return own_rate_limit(wrapped)
    return decorator


@contextmanager
def counting_misses(request: HttpRequest, action: str = "tracking.miss"):
    """A lookup by a code a visitor typed or guessed (tracking number,
    token): refused once too many have matched nothing, and each miss
    (Http404) counted."""
    check_rate(request, action, increment=False)
    try:
        yield
    except Http404:
        count_failure(request, action)
        raise


class RateLimitMiddleware:
    """Every unsafe request counts against the general ``write`` limit,
    unless its view has limits of its own, and a request carrying files
    (multipart) against the ``upload`` limit. A refusal raised anywhere in a
    page view (RateLimitedError) is answered by portal.errors.RefusalMiddleware
    (the API's by portal.api.exception_handler): 429 with Retry-After."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method not in UNSAFE_METHODS:
            return None
        view_class = getattr(view_func, "cls", None) or getattr(view_func, "view_class", None)
        try:
            if not (getattr(view_func, "own_rate_limit", False) or getattr(view_class, "own_rate_limit", False)):
                check_rate(request, "write")
            if request.content_type == "multipart/form-data":  # read from the header: nothing is parsed yet
                check_rate(request, "upload")
        except RateLimitedError as exc:
            return refusal_answer(request, exc)
        return None
