"""Database outages: answer 503 with Retry-After, never 500, and reconnect.

Persistent connections (CONN_MAX_AGE) outlive a PostgreSQL restart on the
client side only: the server has closed them. Django's CONN_HEALTH_CHECKS
would find out with a `SELECT 1` round trip before every request's first
query, which halved signed-in throughput in bench/servers.py. Instead:

- before a request, a zero-timeout poll of each open connection's socket: an
  idle connection has nothing to read unless the server has closed it (its
  FATAL "terminating connection" message and end of stream), so a readable
  socket is dropped and the request reconnects; this costs one system call,
  not a round trip, and makes the first request after a restart succeed;
- a connection that fails during a request (the server went away mid-request
  or is unreachable) is closed and the request answered 503 with Retry-After;
  the next request opens a fresh connection.
"""

from __future__ import annotations

import logging
import select

from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from portal import metrics
from portal.errors import error_body, error_page_context

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 10
DATABASE_ERRORS = (OperationalError, InterfaceError)


def is_database_outage(exc: BaseException | None) -> bool:
    """The exception, or one it was raised from, says the database is
    unreachable or dropped the connection."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, DATABASE_ERRORS):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def drop_connections_the_server_closed() -> None:
    for conn in connections.all(initialized_only=True):
        raw = conn.connection
        if raw is None or conn.in_atomic_block:
            continue
        try:
            readable, _w, _x = select.select([raw.fileno()], [], [], 0)
        except (OSError, ValueError, AttributeError):
            readable = True
        if readable:
            close_broken_connections()
            return


def close_broken_connections() -> None:
    for conn in connections.all(initialized_only=True):
        if conn.in_atomic_block:
            # Closing inside a transaction marks it for rollback; the atomic
            # block's exit finishes the job.
            continue
        try:
            conn.close()
        except Exception:  # a broken connection may fail to close; it is dropped either way
            conn.connection = None


def unavailable(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After, as the API's error body under /api/ and as a
    page elsewhere. The page is rendered without the database: no user,
    permissions or session messages."""
    from django.contrib.auth.context_processors import PermWrapper
    from django.contrib.auth.models import AnonymousUser

    if request.path.startswith("/api/"):
        message = _("服务暂时不可用（数据库正在恢复），请稍后再试。")
        response = JsonResponse(error_body("service_unavailable", message, status=503), status=503)
    else:
        metrics.count_refusal(code="service_unavailable", status=503)
        anonymous = AnonymousUser()
        context = {
            **error_page_context(503, _("数据库暂时不可用，请稍等片刻后刷新页面。已提交的内容不会丢失。")),
            "user": anonymous,
            "perms": PermWrapper(anonymous),
            "messages": [],
        }
        response = render(request, "portal/error.html", context, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseOutageMiddleware:
    """First in MIDDLEWARE. Errors raised by a view (DRF's handler passes
    them on) reach process_exception; errors raised by other middleware
    (loading the signed-in user) reach handler500, which calls
    ``answer_if_outage`` too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        drop_connections_the_server_closed()
        return self.get_response(request)

    def process_exception(self, request, exception):
        return answer_if_outage(request, exception)


def answer_if_outage(request: HttpRequest, exception: BaseException | None) -> HttpResponse | None:
    if not is_database_outage(exception):
        return None
    logger.warning("database unavailable on %s: %s", request.path, exception)
    close_broken_connections()
    return unavailable(request)
