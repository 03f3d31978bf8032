"""Pages for visitors who are not signed in, rendered once a second per
process instead of once per request.

A vote burst sends thousands of people from a share link to the same few
public pages (the leaderboard, the board); almost all of them are not signed
in, so they all see the same page. ``for_visitors`` keeps that page in this
process's memory for a second, keyed by path, language and the elder-mode
cookie. Only the CSRF token differs between visitors: the cached copy holds
a placeholder that each answer replaces with the visitor's own token.
Anyone with a session or a pending message gets a fresh render, so nothing
personal is ever cached. In-process rather than Redis: a hit then costs no
round trip at all, and a second of staleness per worker is the price.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.translation import get_language

from portal.context_processors import ELDER_COOKIE

SECONDS = 1.0
_clock = time.monotonic  # tests move it forward
_PLACEHOLDER = "__portal_csrf_token__"
_MAX_PAGES = 512  # a bound on memory: paths come from the address bar

_pages: dict[tuple, tuple[float, str, int, str]] = {}
_lock = threading.Lock()


def is_anonymous_visit(request: HttpRequest) -> bool:
    """True when the request carries no session and no pending messages
    (so the page it gets cannot differ from any other visitor's)."""
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and CookieStorage.cookie_name not in cookies


def for_visitors(request: HttpRequest, render: Callable[[dict], HttpResponse], *,
                 seconds: float = SECONDS) -> HttpResponse:
    """The page ``render(extra_context)`` makes, from this process's memory
    when the visitor is anonymous and the copy is under ``seconds`` old.
    The cached copy is rendered with a placeholder for ``csrf_token`` (the
    view's context wins over the context processor's)."""
    if request.method != "GET" or not is_anonymous_visit(request):
        return render({})
    key = (request.get_full_path(), get_language(), request.COOKIES.get(ELDER_COOKIE) == "1",
           bool(getattr(request, "htmx", False)))
    now = _clock()
    found = _pages.get(key)
    if found is None or now - found[0] >= seconds:
        response = render({"csrf_token": _PLACEHOLDER})
        if response.status_code != 200 or response.streaming or response.cookies:
            return response
        found = (now, response.content.decode(response.charset), response["Content-Type"])
        with _lock:
            if len(_pages) >= _MAX_PAGES:
                _pages.clear()
            _pages[key] = found
        hit = False
    else:
        hit = True
    _at, html, content_type = found
    response = HttpResponse(html.replace(_PLACEHOLDER, get_token(request)), content_type=content_type)
    response["X-Page-Cache"] = "hit" if hit else "miss"
    return response


_values: dict[tuple, tuple[float, object]] = {}


def local(key: tuple, seconds: float, produce: Callable[[], object]):
    """``produce()``'s value kept in this process for ``seconds`` (a None
    answer is not kept). The first layer in front of a shared Redis copy for
    figures every visitor sees alike: a hit costs no round trip."""
    now = _clock()
    found = _values.get(key)
    if found is not None and now - found[0] < seconds:
        return found[1]
    value = produce()
    if value is not None:
        with _lock:
            if len(_values) >= _MAX_PAGES:
                _values.clear()
            _values[key] = (now, value)
    return value


def clear() -> None:
    """Forget every kept page and value of this process (tests)."""
    with _lock:
        _pages.clear()
        _values.clear()
