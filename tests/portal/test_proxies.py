"""The client's address behind trusted proxies (portal.proxies)."""

from __future__ import annotations

import pytest
from django.test import Client

from portal.proxies import client_address

TRUSTED = ["10.0.0.0/24", "127.0.0.1"]


@pytest.mark.parametrize(("peer", "forwarded_for", "client"), [
    # The peer is not a proxy we trust: the header is the client's own words.
    ("203.0.113.9", "10.0.0.7, 198.51.100.1", "203.0.113.9"),
    # A trusted balancer: the address it appended.
    ("10.0.0.5", "198.51.100.1", "198.51.100.1"),
    # Entries the client wrote left of it are ignored.
    ("10.0.0.5", "1.2.3.4, 198.51.100.1", "198.51.100.1"),
    # Two trusted proxies in a row: the right-most untrusted address.
    ("10.0.0.5", "1.2.3.4, 198.51.100.1, 127.0.0.1", "198.51.100.1"),
    # A malformed entry stops the walk at the proxy that passed it on.
    ("10.0.0.5", "198.51.100.1, not-an-address", "10.0.0.5"),
    ("10.0.0.5", "garbage, 10.0.0.6", "10.0.0.6"),
    # No header from a trusted peer: the peer.
    ("10.0.0.5", "", "10.0.0.5"),
    # Every hop trusted: the left-most one.
    ("10.0.0.5", "10.0.0.8, 10.0.0.6", "10.0.0.8"),
    # IPv6 clients and an IPv4-mapped peer.
    ("::ffff:10.0.0.5", "2001:db8::1", "2001:db8::1"),
])
def test_the_client_is_the_right_most_untrusted_forwarded_address(peer, forwarded_for, client):
    assert client_address(peer, forwarded_for, TRUSTED) == client


def test_nothing_is_trusted_by_default(settings):
    assert settings.TRUSTED_PROXIES == []
    assert client_address("10.0.0.5", "198.51.100.1", settings.TRUSTED_PROXIES) == "10.0.0.5"


@pytest.mark.django_db
def test_metrics_stay_closed_to_a_client_forwarded_by_a_trusted_proxy(settings):
    """The balancer's address is allowed to read /metrics directly; a
    resident's request it forwards is not."""
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    settings.METRICS_TOKEN = ""
    forwarded = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.1").get("/metrics")
    assert forwarded.status_code == 403
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 200
