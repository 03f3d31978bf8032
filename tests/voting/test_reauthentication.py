"""Voiding ballots and publishing or correcting results ask for the second
factor again when the last authentication is older than 15 minutes."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests import factories
from tests.signin import sign_in, totp_now
from tests.voting.panel_setup import closed_campaign, open_phase, panel, submit
from voting import services
from voting.models import Ballot, VoidBatch
from voting.panel.models import ResultVersion

pytestmark = pytest.mark.django_db


def test_voiding_16_minutes_after_signing_in_asks_for_the_code_then_voids(client, organiser, campaign, cases):
    services.cast_vote(voter=factories.ResidentFactory(with_phone=True), campaign_id=campaign.pk, case_id=cases[0].pk, ip="27.38.105.77")
    sign_in(client, organiser, minutes_ago=16)
    url = reverse("voting:void", kwargs={"slug": campaign.slug})

    response = client.post(url, {"rule": "ip", "ip": "27.38.105.77", "reason": "同一 IP"})

    assert response["Location"].startswith(reverse("mfa_reauthenticate"))
    assert not VoidBatch.objects.exists() and not Ballot.objects.filter(void_batch__isnull=False).exists()
    done = client.post(response["Location"], {"code": totp_now()}, follow=True)
    assert "已作废 1 张选票" in done.content.decode()
    assert VoidBatch.objects.get().ballot_count == 1


@pytest.fixture
def finished_panel(organiser):
    campaign = closed_campaign()
    cases, people = panel(campaign, organiser, [1000, 800])
    for person in people:
        for case in cases:
            submit(campaign, person, case, 90)
    return open_phase(campaign, "results")


def test_publishing_16_minutes_after_signing_in_asks_for_the_code_then_publishes(client, organiser, finished_panel):
    sign_in(client, organiser, minutes_ago=16)
    url = reverse("voting:panel-publish", kwargs={"slug": finished_panel.slug})

    response = client.post(url, {})

    assert response["Location"].startswith(reverse("mfa_reauthenticate"))
    assert not ResultVersion.objects.exists()
    client.post(response["Location"], {"code": totp_now()})
    assert ResultVersion.objects.get().version == 1


def test_publishing_right_after_signing_in_needs_no_new_code(client, organiser, finished_panel):
    sign_in(client, organiser)
    client.post(reverse("voting:panel-publish", kwargs={"slug": finished_panel.slug}), {})
    assert ResultVersion.objects.get().version == 1


def test_publishing_by_api_needs_a_recent_session_or_a_read_write_token(organiser, finished_panel):
    url = f"/api/v1/campaigns/{finished_panel.pk}/results"
    stale = APIClient()
    sign_in(stale, organiser, minutes_ago=16)
    refused = stale.post(url, {}, format="json")
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "reauthentication_required")
    read_only = APIClient()
    read_only.credentials(HTTP_AUTHORIZATION=f"Token {factories.ApiTokenFactory(user=organiser, scope='read').secret}")
    assert read_only.post(url, {}, format="json").json()["error"]["code"] == "read_only_token"
    assert not ResultVersion.objects.exists()

    fresh = APIClient()
    sign_in(fresh, organiser)
    assert fresh.post(url, {}, format="json").status_code == 201
    program = APIClient()
    program.credentials(HTTP_AUTHORIZATION=f"Token {factories.ApiTokenFactory(user=organiser).secret}")
    assert program.post(url, {"reason": "更正"}, format="json").status_code == 201
    assert ResultVersion.objects.count() == 2
