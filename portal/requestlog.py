"""One structured log line per request, under the request's id.

django-guid gives every request an id: the load balancer's X-Request-ID when
it is a well-formed UUID (HAProxy: ``unique-id-format %[uuid()]``), a new
UUID otherwise; the answer carries it back in X-Request-ID, and every log
record of the request carries it (portal.requestlog.RequestIdFilter). Error
pages and the API's error body show it (portal.errors), and Sentry events
are tagged with it, so a resident's screenshot leads to the log lines and
the error report.

The line (logger ``portal.requests``, JSON through python-json-logger)::

    {"message": "request", "method": "POST", "path": "/api/v1/…", "route": "api/v1/…",
     "status": 201, "duration_ms": 4.1, "user": 42, "request_id": "…"}

The path has no query string (tokens and tracking numbers travel there);
``user`` is the account's id or "anonymous".
"""

from __future__ import annotations

import logging
import time

import sentry_sdk
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject, empty
from django_guid import get_guid
from django_guid.log_filters import CorrelationId

logger = logging.getLogger("portal.requests")


class RequestIdFilter(CorrelationId):
    """Puts the request's id on every log record as ``request_id``."""

    def __init__(self) -> None:
        super().__init__(correlation_id_field="request_id")


def _user_of(request: HttpRequest) -> int | str:
    """The signed-in account's id, read without a query: the user is taken
    only if something in the request already loaded it (the auth and staff
    middleware do, DRF sets it after authenticating a token)."""
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject) and user._wrapped is empty:
        return "anonymous"
    if user is None or not user.is_authenticated:
        return "anonymous"
    return user.pk


class RequestLogMiddleware:
    """Just inside django-guid's middleware: times everything after it,
    including the 503 of portal.outages and the error pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        started = time.perf_counter()
        request_id = get_guid()
        sentry_sdk.set_tag("request_id", request_id)
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        logger.info(
            "request",
            extra={
                "method": request.method,
                "path": request.path,
                "route": match.route if match else None,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "user": _user_of(request),
            },
        )
        return response
