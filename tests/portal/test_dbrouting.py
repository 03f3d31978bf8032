"""Read routing (portal.dbrouting): public read-heavy pages read the standby,
everything else and anyone who just wrote reads the primary.

The suite has one PostgreSQL: the "replica" alias is a TEST mirror of
default, a second connection to the same database. Tests that look at where
a request's queries went are transactional, so the mirror sees the rows and
no test transaction pins reads to the primary.
"""

from __future__ import annotations

import socket

import pytest
from django.core.cache import cache
from django.db import OperationalError, connections, router, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from appeals.models import Appeal
from cases.models import CaseEntry
from portal import dbrouting, pagecache
from portal.models import ApiToken, Membership, Unit, User
from voting.models import Ballot, CaseTally, VoterDay, VoteRequest
from tests import factories

BOTH = ["default", "replica"]
routed = pytest.mark.django_db(transaction=True, databases=BOTH)


@pytest.fixture
def replica_on(settings):
    settings.PORTAL_READ_REPLICA = "replica"
    dbrouting._replica_down_until = 0.0
    yield
    dbrouting._replica_down_until = 0.0
    connections["replica"].close()


@pytest.fixture
def request_reads(replica_on):
    """The state of a request the middleware allowed to read the standby."""
    state = dbrouting._RequestReads(replica="replica")
    token = dbrouting._reads.set(state)
    yield state
    dbrouting._reads.reset(token)


class Queries:
    """Which tables each alias was asked about during a request."""

    def __init__(self, aliases=BOTH):
        self.contexts = {alias: CaptureQueriesContext(connections[alias]) for alias in aliases}

    def __enter__(self):
        for context in self.contexts.values():
            context.__enter__()
        return self

    def __exit__(self, *exc):
        for context in self.contexts.values():
            context.__exit__(*exc)

    def on(self, alias: str, table: str = "") -> list[str]:
        context = self.contexts.get(alias)
        return [q["sql"] for q in context.captured_queries if table in q["sql"]] if context else []


# --- Which alias for which model and operation --------------------------------


@pytest.mark.parametrize("model", [CaseEntry, CaseTally, Appeal, Unit])
def test_public_data_may_be_read_from_the_standby(model):
    assert dbrouting.model_may_use_replica(model)


@pytest.mark.parametrize("model", [User, ApiToken, Membership, Ballot, VoterDay, VoteRequest])
def test_accounts_rights_quotas_and_idempotency_rows_are_always_read_from_the_primary(model):
    assert not dbrouting.model_may_use_replica(model)


def test_without_a_request_every_read_goes_to_the_primary(replica_on):
    """Background tasks, management commands and the shell read the primary."""
    assert router.db_for_read(CaseEntry) == "default"


def test_every_write_goes_to_the_primary(request_reads):
    assert router.db_for_write(CaseEntry) == "default"
    assert router.db_for_write(CaseTally) == "default"


def test_migrations_run_on_the_primary_only():
    assert router.allow_migrate("default", "cases")
    assert not router.allow_migrate("replica", "cases")
    assert not router.allow_migrate("replica", "portal", model_name="user")


@routed
def test_a_read_of_an_allowed_request_goes_to_the_standby(request_reads):
    assert CaseEntry.objects.all().db == "replica"
    assert User.objects.all().db == "default"
    assert request_reads.used


@routed
def test_select_for_update_and_transactions_go_to_the_primary(request_reads):
    assert CaseEntry.objects.select_for_update(no_key=True).db == "default"
    with transaction.atomic():
        assert CaseEntry.objects.all().db == "default"
    assert dbrouting.read_alias(None) == "replica"  # raw SQL outside a transaction


def test_no_replica_configured_means_no_routing(settings):
    settings.PORTAL_READ_REPLICA = ""
    state = dbrouting._RequestReads(replica="")
    token = dbrouting._reads.set(state)
    try:
        assert router.db_for_read(CaseEntry) == "default"
    finally:
        dbrouting._reads.reset(token)


# --- Which alias for which request ---------------------------------------------


@routed
def test_the_public_board_reads_cases_from_the_standby(client, replica_on):
    factories.CaseEntryFactory(title="加装电梯")
    with Queries() as queries:
        response = client.get(reverse("cases:board"))
    assert response.status_code == 200
    assert "加装电梯" in response.content.decode()
    assert queries.on("replica", "cases_caseentry")
    assert not queries.on("default", "cases_caseentry")


@routed
def test_the_api_wall_and_open311_reads_go_to_the_standby(client, replica_on):
    for url in ("/api/v1/appeals/public", "/open311/v2/requests.json", "/open311/v2/services.json"):
        with Queries() as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        assert queries.on("replica", "appeals_"), url
        assert not queries.on("default", "appeals_"), url


@routed
def test_pages_that_are_not_public_read_heavy_read_the_primary(client, replica_on):
    client.force_login(factories.ResidentFactory())
    with Queries() as queries:
        response = client.get(reverse("appeals:home"))
    assert response.status_code == 200
    assert not queries.on("replica")


@routed
def test_a_write_reads_and_writes_the_primary_only_and_marks_the_browser(client, replica_on, settings):
    with Queries() as queries:
        response = client.post(reverse("set-elder-mode"), {"on": "1"})
    assert response.status_code < 500
    assert not queries.on("replica")
    cookie = response.cookies[dbrouting.COOKIE]
    assert cookie["max-age"] == settings.PORTAL_READ_YOUR_WRITES_SECONDS
    assert cookie["httponly"]


@routed
def test_a_browser_that_just_wrote_reads_the_primary_for_the_window(client, replica_on):
    factories.CaseEntryFactory()
    client.post(reverse("set-elder-mode"), {"on": "1"})
    assert dbrouting.COOKIE in client.cookies
    with Queries() as queries:
        assert client.get(reverse("cases:board")).status_code == 200
    assert not queries.on("replica")
    assert queries.on("default", "cases_caseentry")
    # The cookie expires with the window: the browser drops it, reads go back to the standby.
    del client.cookies[dbrouting.COOKIE]
    pagecache.clear()  # the visitors' one-second copy of the board would answer without a query
    with Queries() as queries:
        client.get(reverse("cases:board"))
    assert queries.on("replica", "cases_caseentry")


@routed
def test_an_api_client_that_just_wrote_reads_the_primary_without_cookies(client, replica_on):
    token = factories.ApiTokenFactory(user=factories.ResidentFactory())
    mine = {"HTTP_AUTHORIZATION": f"Token {token.secret}"}
    client.post("/api/v1/appeals/public/NOSUCHNUMBER/me-too", **mine)
    client.cookies.clear()  # a program keeps no cookies
    with Queries() as queries:
        assert client.get("/api/v1/appeals/public", **mine).status_code == 200
    assert not queries.on("replica")
    # Another client (another credential) still reads the standby.
    other = factories.ApiTokenFactory(user=factories.ResidentFactory())
    with Queries() as queries:
        assert client.get("/api/v1/appeals/public", HTTP_AUTHORIZATION=f"Token {other.secret}").status_code == 200
    assert queries.on("replica", "appeals_")


@routed
def test_an_open311_client_that_just_posted_reads_the_primary(client, replica_on):
    client.post("/open311/v2/requests.json", {"service_code": "nothing"}, REMOTE_ADDR="198.51.100.7")
    client.cookies.clear()
    with Queries() as queries:
        client.get("/open311/v2/requests.json", REMOTE_ADDR="198.51.100.7")
    assert not queries.on("replica")
    cache.delete_pattern("*")  # the list is cached like the wall, in Redis and in the process
    pagecache.clear()
    with Queries() as queries:
        client.get("/open311/v2/requests.json", REMOTE_ADDR="198.51.100.8")
    assert queries.on("replica", "appeals_")


@routed
def test_without_a_replica_nothing_is_marked_and_everything_reads_the_primary(client, settings):
    settings.PORTAL_READ_REPLICA = ""
    factories.CaseEntryFactory()
    response = client.post(reverse("set-elder-mode"), {"on": "1"})
    assert dbrouting.COOKIE not in response.cookies
    with Queries() as queries:
        client.get(reverse("cases:board"))
    assert not queries.on("replica")


# --- A standby that fails -------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the probe is closed


@pytest.fixture
def unreachable_replica(replica_on):
    replica = connections["replica"]
    replica.close()
    original = replica.settings_dict  # a mirror shares default's dict: replace it, never edit it
    replica.settings_dict = {**original, "HOST": "127.0.0.1", "PORT": _closed_port(),
                             "OPTIONS": {**original.get("OPTIONS", {}), "connect_timeout": 1}}
    yield
    replica.close()
    replica.settings_dict = original


@routed
def test_an_unreachable_standby_sends_reads_to_the_primary_not_a_500(client, unreachable_replica):
    factories.CaseEntryFactory(title="加装电梯")
    with Queries(["default"]) as queries:  # capturing would connect to the standby
        response = client.get(reverse("cases:board"))
    assert response.status_code == 200
    assert "加装电梯" in response.content.decode()
    assert queries.on("default", "cases_caseentry")
    # The process does not try the standby again on every query or request.
    assert dbrouting._replica_down_until > dbrouting._clock()
    assert client.get(reverse("voting:leaderboard")).status_code in (200, 404)


@routed
def test_the_standby_is_tried_again_after_the_retry_interval(client, replica_on, monkeypatch, settings):
    factories.CaseEntryFactory()
    dbrouting.replica_down("replica", OperationalError("gone"))
    with Queries() as queries:
        client.get(reverse("cases:board"))
    assert not queries.on("replica")
    later = dbrouting._clock() + settings.PORTAL_REPLICA_RETRY_SECONDS + 1
    monkeypatch.setattr(dbrouting, "_clock", lambda: later)
    pagecache.clear()
    with Queries() as queries:
        client.get(reverse("cases:board"))
    assert queries.on("replica", "cases_caseentry")


@pytest.fixture
def failing_replica(replica_on):
    """A standby that connects but fails every read of the portal's tables,
    as one that has not yet replayed a migration does (its search_path
    names no schema that has them)."""
    replica = connections["replica"]
    replica.close()
    original = replica.settings_dict
    replica.settings_dict = {**original, "OPTIONS": {**original.get("OPTIONS", {}), "options": "-c search_path=nowhere"}}
    yield
    replica.close()
    replica.settings_dict = original


@routed
@pytest.mark.parametrize("url", ["/board/", "/api/v1/appeals/public", "/open311/v2/requests.json"])
def test_a_standby_failing_mid_request_answers_from_the_primary(client, failing_replica, url):
    factories.CaseEntryFactory(title="加装电梯")
    with Queries(["default"]) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert queries.on("default", "cases_caseentry" if url == "/board/" else "appeals_")
    if url == "/board/":
        assert "加装电梯" in response.content.decode()
    # The next requests read the primary without trying the standby.
    assert dbrouting._replica_down_until > dbrouting._clock()
