"""Read routing: which database alias a query goes to.

Everything goes to the primary ("default") except the reads of a request
that may be a moment stale: a GET (or HEAD) of one of the public read-heavy
pages and API operations named in ``REPLICA_VIEWS`` (board, leaderboard,
wall, dashboards, Open311 reads), for the public data named in
``REPLICA_MODELS``, from a client that wrote nothing in the last
``PORTAL_READ_YOUR_WRITES_SECONDS``, outside any transaction, while the
standby answers. Only then does a read go to ``PORTAL_READ_REPLICA``.

So every write, every ``select_for_update`` (Django sends those through
``db_for_write``), every transaction, every quota and idempotency row, every
account, session, token and membership (who may do what), every background
task and management command reads the primary. Migrations run on the
primary only.

Read-your-writes: any non-safe request sets a cookie (``portal_rw``) that
makes the browser's requests read the primary for the window; API requests
(a program keeps no cookies) also leave a marker in Redis keyed by the
client's credential (its Authorization header) or, without one, its
address. Either marker keeps that client on the primary.

A standby that cannot be reached sends the process's reads to the primary
for ``PORTAL_REPLICA_RETRY_SECONDS``. One that fails in the middle of a
request (it went away, cancelled a query in a recovery conflict, or has not
yet replayed the migration the code expects) does the same, and the view
runs again on the primary: these views only read, so the reader gets the
page, never a 500 (and a 503 only when the primary fails too).
"""

from __future__ import annotations

import contextvars
import hashlib
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse

from portal.errors import refusal_answer
from portal.exceptions import PortalError
from portal.outages import is_database_outage

logger = logging.getLogger(__name__)

PRIMARY = "default"
COOKIE = "portal_rw"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Programs talk to these; browsers carry the cookie.
API_PREFIXES = ("/api/", "/open311/")

# Public read-heavy pages and API reads (URL names) that may be a few seconds stale.
REPLICA_VIEWS = frozenset({
    # the public board and the leaderboard
    "cases:board", "cases:campaign-board", "cases:case", "cases:poster",
    "voting:leaderboard", "voting:campaign-leaderboard",
    # the wall and the public dashboards
    "appeals:wall", "appeals:wall-detail", "appeals:dashboard", "appeals:unit-dashboard",
    "appeals:stats-export", "appeals:award",
    # Open311 reads (not tokens/: a client asks for its token right after posting)
    "open311:services", "open311:service", "open311:requests", "open311:request",
    # the same through the API
    "v1:cases-campaigns", "v1:cases-campaign", "v1:cases-board", "v1:cases-board-case",
    "v1:voting-leaderboard", "v1:appeals-catalogue", "v1:appeals-areas", "v1:appeals-stats",
    "v1:appeals-stats-breakdown", "v1:appeals-ranking", "v1:appeals-wall", "v1:appeals-wall-detail",
})
# Data those pages show. Anything else reads the primary even there:
# accounts, sessions, tokens and memberships (a revoked right is revoked at
# once), quota and idempotency rows, Open311 keys, the contact-reveal log.
REPLICA_APPS = frozenset({"cases", "voting", "appeals"})
REPLICA_MODELS = frozenset({"portal.unit"})
PRIMARY_MODELS = frozenset({
    "voting.ballot", "voting.voterday", "voting.voterequest", "voting.votingrules",
    "appeals.open311key", "appeals.open311token", "appeals.contactview",
})


@dataclass
class _RequestReads:
    replica: str = ""  # the alias this request may read from, "" for none
    used: bool = False  # a query of this request went to it
    view: tuple | None = None  # (view, args, kwargs), to run again on the primary


_reads: contextvars.ContextVar[_RequestReads | None] = contextvars.ContextVar("portal_reads", default=None)
_replica_down_until = 0.0  # this process's reads go to the primary until then (monotonic)
_clock = time.monotonic  # tests move it on


def model_may_use_replica(model) -> bool:
    label = model._meta.label_lower
    if label in PRIMARY_MODELS:
        return False
    return label in REPLICA_MODELS or model._meta.app_label in REPLICA_APPS


def replica_down(alias: str, error: BaseException) -> None:
    """Send this process's reads to the primary for a while."""
    global _replica_down_until
    _replica_down_until = _clock() + settings.PORTAL_REPLICA_RETRY_SECONDS
    logger.warning("read replica %s unavailable, reading the primary for %ss: %s", alias,
                   settings.PORTAL_REPLICA_RETRY_SECONDS, error)
    try:
        connections[alias].close()
    except Exception:  # a broken connection may fail to close; it is dropped either way
        connections[alias].connection = None


def _replica_reachable(alias: str) -> bool:
    if _clock() < _replica_down_until:
        return False
    connection = connections[alias]
    if connection.connection is not None:
        return True
    try:
        connection.ensure_connection()
    except DatabaseError as error:
        replica_down(alias, error)
        return False
    return True


def read_alias(model=None) -> str:
    """The alias a read of ``model`` goes to now (for raw SQL: the alias of
    the table it reads)."""
    state = _reads.get()
    if state is None or not state.replica:
        return PRIMARY
    if model is not None and not model_may_use_replica(model):
        return PRIMARY
    if connections[PRIMARY].in_atomic_block:
        return PRIMARY  # a transaction reads what it is about to write
    if not _replica_reachable(state.replica):
        return PRIMARY
    state.used = True
    return state.replica


class PrimaryReplicaRouter:
    """DATABASE_ROUTERS: the decisions the module docstring lists."""

    def db_for_read(self, model, **hints):
        return read_alias(model)

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the standby holds the same rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


# --- The request side ----------------------------------------------------------


def _client_key(request: HttpRequest) -> str:
    credential = request.headers.get("Authorization") or request.META.get("REMOTE_ADDR", "")
    return "dbrouting:rw:" + hashlib.sha256(credential.encode()).hexdigest()[:32]


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIXES)


def wrote_recently(request: HttpRequest) -> bool:
    if COOKIE in request.COOKIES:
        return True
    if not _is_api(request):
        return False
    try:
        # The cache that raises (the default one answers "missing" when Redis is down).
        return caches["ratelimit"].get(_client_key(request)) is not None
    except Exception:  # Redis down: the marker cannot be read, so the client reads the primary
        return True


def _remember_write(request: HttpRequest, response: HttpResponse) -> None:
    seconds = settings.PORTAL_READ_YOUR_WRITES_SECONDS
    response.set_cookie(COOKIE, "1", max_age=seconds, httponly=True, samesite="Lax",
                        secure=settings.SESSION_COOKIE_SECURE)
    if _is_api(request):
        caches["default"].set(_client_key(request), 1, seconds)  # Redis down: nothing to do, reads fall back above


class ReadRoutingMiddleware:
    """Marks the requests whose reads may go to the standby, remembers the
    clients that just wrote, and sends a failed standby's reads to the
    primary. Inside portal.outages' middleware (which answers the 503)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not settings.PORTAL_READ_REPLICA:
            return self.get_response(request)
        token = _reads.set(_RequestReads())
        try:
            response = self.get_response(request)
        finally:
            _reads.reset(token)
        if request.method not in SAFE_METHODS:
            _remember_write(request, response)
        return response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        state = _reads.get()
        if state is None or request.method not in SAFE_METHODS:
            return None
        match = request.resolver_match
        if match is not None and match.view_name in REPLICA_VIEWS and not wrote_recently(request):
            state.replica = settings.PORTAL_READ_REPLICA
            state.view = (view_func, view_args, view_kwargs)
        return None

    def process_exception(self, request: HttpRequest, exception: Exception):
        state = _reads.get()
        if state is None or not state.used or state.view is None:
            return None
        if not (isinstance(exception, DatabaseError) or is_database_outage(exception)):
            return None
        # Most likely the standby (this request read it): the next requests
        # read the primary until it is tried again, and so does this one.
        replica_down(state.replica, exception)
        state.replica = ""
        view, args, kwargs = state.view
        state.view = None
        try:
            return view(request, *args, **kwargs)
        except PortalError as refusal:  # RefusalMiddleware is past: answer it the same way
            return refusal_answer(request, refusal)
        # Anything else raised again (the primary down too) takes the usual
        # path: a 404 page, or portal.outages' 503.
