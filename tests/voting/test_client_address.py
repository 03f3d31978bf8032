"""Per-IP vote limits and the ballot's recorded address behind a load
balancer (portal.proxies): X-Forwarded-For counts only from a trusted proxy."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories
from voting.models import Ballot

HTMX = {"HTTP_HX_REQUEST": "true"}
BALANCER = "10.0.0.5"


def vote_url(case):
    return reverse("voting:vote", kwargs={"campaign_id": case.campaign_id, "case_id": case.pk})


def _vote(client, case, *, peer, forwarded_for=None):
    client.force_login(factories.ResidentFactory(with_phone=True))
    extra = {"REMOTE_ADDR": peer, **HTMX}
    if forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client.post(vote_url(case), **extra).status_code


def test_a_forged_forwarded_for_from_an_untrusted_peer_gets_no_bucket_of_its_own(client, case, settings):
    """Attack: one machine, many accounts, a new X-Forwarded-For each time."""
    settings.VOTING_RATE_PER_IP = "3/m"
    assert settings.TRUSTED_PROXIES == []  # the default trusts nobody
    statuses = [_vote(client, case, peer="203.0.113.9", forwarded_for=f"198.51.100.{n}") for n in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert set(Ballot.objects.values_list("ip", flat=True)) == {"203.0.113.9"}


def test_a_forged_forwarded_for_is_ignored_when_the_peer_is_not_one_of_the_trusted_proxies(client, case, settings):
    settings.VOTING_RATE_PER_IP = "3/m"
    settings.TRUSTED_PROXIES = [BALANCER]
    statuses = [_vote(client, case, peer="203.0.113.9", forwarded_for=f"198.51.100.{n}") for n in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_through_a_trusted_balancer_each_client_has_its_own_bucket(client, cases, settings):
    settings.VOTING_RATE_PER_IP = "3/m"
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    # Three residents on three networks, three votes each: all accepted.
    statuses = [_vote(client, cases[n], peer=BALANCER, forwarded_for=f"198.51.100.{who}")
                for who in (1, 2, 3) for n in range(3)]
    assert statuses == [200] * 9
    # The ballots record the residents, not the balancer (the /24 evidence).
    assert sorted(set(Ballot.objects.values_list("ip", flat=True))) == ["198.51.100.1", "198.51.100.2", "198.51.100.3"]


def test_through_a_trusted_balancer_a_client_cannot_forge_its_way_to_a_new_bucket(client, cases, settings):
    """Attack: the client sends its own X-Forwarded-For; the balancer
    appends the address it saw; only that right-most entry counts."""
    settings.VOTING_RATE_PER_IP = "3/m"
    settings.TRUSTED_PROXIES = [BALANCER]
    statuses = [_vote(client, cases[n], peer=BALANCER, forwarded_for=f"192.0.2.{n}, 198.51.100.7")
                for n in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert set(Ballot.objects.values_list("ip", flat=True)) == {"198.51.100.7"}
