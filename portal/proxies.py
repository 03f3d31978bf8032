"""The client's address behind trusted proxies (HAProxy, nginx).

Behind a load balancer every request reaches the portal from the
balancer's address: per-IP rate limits would count the balancer, and the
vote's fraud evidence (the /24 of a ballot) would name it. The balancer
appends the address it saw to ``X-Forwarded-For`` (HAProxy's
``option forwardfor``), but any client can send that header too, so it is
believed only as far as the chain of trusted proxies reaches:

- ``settings.TRUSTED_PROXIES`` lists the proxies' addresses or networks
  (env ``TRUSTED_PROXIES``, comma-separated; default empty = trust nothing,
  the header is ignored);
- when the immediate peer (``REMOTE_ADDR``) is trusted, the client is the
  right-most address in ``X-Forwarded-For`` that is not a trusted proxy
  (entries left of it were written by the client and are ignored); a
  malformed entry stops the walk at the proxy that passed it on.

``ClientAddressMiddleware`` (first in MIDDLEWARE) puts that address in
``REMOTE_ADDR``, so every reader of it agrees: portal.ratelimits and
voting.ratelimits, django-ratelimit's ``ip`` key (RATELIMIT_IP_META_KEY is
left at ``REMOTE_ADDR``), the vote's recorded address, read routing's
client key and the metrics address check. The peer stays in
``PORTAL_PEER_ADDR``.
"""

from __future__ import annotations

import functools
import ipaddress

from django.conf import settings

PEER_KEY = "PORTAL_PEER_ADDR"

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.lru_cache(maxsize=8)
def trusted_networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    """The networks of TRUSTED_PROXIES entries (a bare address is a /32 or
    /128); a malformed entry raises ValueError (settings fail at start)."""
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def _address(text: str):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address, networks: tuple[Network, ...]) -> bool:
    if address is None:
        return False
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in networks)


def client_address(peer: str, forwarded_for: str, entries) -> str:
    """The client's address from the immediate peer and the
    X-Forwarded-For header (see the module's note)."""
    networks = trusted_networks(tuple(entries))
    if not networks or not _trusted(_address(peer), networks):
        return peer
    client = peer
    for hop in reversed([part.strip() for part in forwarded_for.split(",") if part.strip()]):
        address = _address(hop)
        if address is None:
            return client  # the last trusted proxy passed on garbage: it is the client we can name
        client = str(address)
        if not _trusted(address, networks):
            return client
    return client  # every hop trusted: the left-most one


class ClientAddressMiddleware:
    """Sets REMOTE_ADDR to the client's address (module note); inert while
    TRUSTED_PROXIES is empty."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        entries = settings.TRUSTED_PROXIES
        if entries:
            meta = request.META
            peer = meta.get("REMOTE_ADDR", "")
            meta[PEER_KEY] = peer
            meta["REMOTE_ADDR"] = client_address(peer, meta.get("HTTP_X_FORWARDED_FOR", ""), entries)
        return self.get_response(request)
