"""Fixtures shared by every test: the real PostgreSQL and Redis, no fakes."""

from __future__ import annotations

import os
from urllib.parse import urlparse, urlunparse

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.utils import translation

from portal import pagecache

from tests import factories

# The suite is a development environment (portal/settings.py); the commands
# tests start in a subprocess (a worker, the schema generator) inherit it.
os.environ.setdefault("PORTAL_ENV", "development")


def pytest_configure(config):
    # Registered here, not in pyproject.toml, so adding one does not reinstall the environment.
    config.addinivalue_line("markers", "contract: the schemathesis run of the API contract (tests/portal/test_api_contract.py)")


@pytest.fixture(autouse=True)
def _isolated_outbox(settings, tmp_path):
    """Each test writes its emails and SMS to its own outbox file."""
    settings.PORTAL_OUTBOX_FILE = tmp_path / "outbox.jsonl"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.EMAIL_BACKEND = "portal.outbox.OutboxEmailBackend"


TEST_REDIS_DB = 15  # not the portal's: emptying by pattern scans the whole database


def _test_redis(location: str) -> str:
    return urlunparse(urlparse(location)._replace(path=f"/{TEST_REDIS_DB}"))


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the portal's default language: a request that
    activated English (LocaleMiddleware leaves the thread's language as the
    last request set it) must not make the next test's messages English."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _clean_redis(settings):
    """Tests share one Redis server: give them a database of their own, each
    run its own key prefix, and empty it around each test (rate-limit
    counters, cached sessions)."""
    prefix = f"test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}"
    configured = {alias: {**config, "KEY_PREFIX": prefix, "LOCATION": _test_redis(config["LOCATION"])}
                  for alias, config in settings.CACHES.items()}
    settings.CACHES = configured
    cache.delete_pattern("*")
    pagecache.clear()  # the in-process layer in front of Redis, too
    yield
    pagecache.clear()
    if settings.CACHES["default"] == configured["default"]:  # a test may point the cache elsewhere
        cache.delete_pattern("*")


@pytest.fixture(autouse=True)
def _still_page_clock(request, monkeypatch):
    """The visitors' one-second page copies (portal.pagecache) see a clock
    that stands still, so "the second visitor within the second" does not
    depend on how loaded the machine is; ``next_second`` moves it on.
    Browser tests keep the real clock: their server thread lives across
    many page loads."""
    if request.node.get_closest_marker("browser") is None:
        now = pagecache._clock()
        monkeypatch.setattr(pagecache, "_clock", lambda: now)


@pytest.fixture
def next_second(monkeypatch):
    """Moves the visitors' one-second page copies (portal.pagecache) past
    their second: for tests of what the shared caches behind them drop."""
    def advance():
        later = pagecache._clock() + pagecache.SECONDS + 0.5
        monkeypatch.setattr(pagecache, "_clock", lambda: later)
    return advance


@pytest.fixture
def resident(db):
    return factories.ResidentFactory()


@pytest.fixture
def organiser(db):
    return factories.StaffFactory(role="organiser", with_totp=True)


@pytest.fixture
def dispatcher(db):
    return factories.StaffFactory(role="dispatcher", with_totp=True)


@pytest.fixture
def unit_staff(db):
    return factories.StaffFactory(role="unit_staff", with_totp=True)


@pytest.fixture
def reviewer(db):
    return factories.StaffFactory(role="reviewer", with_totp=True)


@pytest.fixture
def superuser(db):
    """The portal's technical administrator: the only one Django admin lets in."""
    return factories.UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def deliver_notifications():
    """Runs the queued notification jobs as a worker would (the tests'
    transaction hides them from a real worker); returns how many were sent."""
    from portal import notifications
    from portal.enums import NotificationState
    from portal.models import Notification

    def deliver() -> int:
        pending = Notification.objects.filter(state=NotificationState.PENDING).order_by("pk").values_list("pk", flat=True)
        return sum(notifications.deliver(notification_id=pk) != "already handled" for pk in list(pending))

    return deliver
