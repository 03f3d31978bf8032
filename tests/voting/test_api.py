"""The voting API: every refusal's code and status, idempotency, the leaderboard."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from cases.enums import EntryState
from tests import factories
from voting import services
from voting.models import Ballot


def url(case, campaign_id=None):
    return f"/api/v1/campaigns/{campaign_id or case.campaign_id}/cases/{case.pk}/votes"


@pytest.fixture
def api(voter):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {factories.ApiTokenFactory(user=voter).secret}")
    return client


def test_accepted_vote_answers_201_with_count_and_votes_left(api, case):
    response = api.post(url(case))
    assert response.status_code == 201
    assert response.json() == {"accepted": True, "case_id": case.pk, "count": 1, "votes_left": 9, "per_day": 10,
                               "replayed": False}


def test_idempotency_key_header_replays_the_first_answer(api, case):
    first = api.post(url(case), HTTP_IDEMPOTENCY_KEY="abc")
    again = api.post(url(case), HTTP_IDEMPOTENCY_KEY="abc")
    assert again.status_code == first.status_code == 201
    assert again.json() == {**first.json(), "replayed": True}
    assert Ballot.objects.count() == 1


def error(response):
    return response.status_code, response.json()["error"]["code"]


def test_not_signed_in_is_401(case):
    assert error(APIClient().post(url(case))) == (401, "not_signed_in")


def test_not_verified_is_403(case):
    client = APIClient()
    client.force_authenticate(factories.ResidentFactory(verified_at=None))
    assert error(client.post(url(case))) == (403, "not_verified")


def test_window_closed_is_403(api, voter):
    campaign = factories.CampaignFactory(timeline=factories.campaign_timeline(open_phase="review"))
    case = factories.CaseEntryFactory(campaign=campaign)
    response = api.post(url(case))
    assert error(response) == (403, "window_closed")
    assert "不在投票时间内" in response.json()["error"]["message"]


def test_not_on_board_is_404(api, campaign):
    entry = factories.CaseEntryFactory(campaign=campaign, state=EntryState.SUBMITTED)
    assert error(api.post(url(entry))) == (404, "not_on_board")


def test_already_voted_today_is_409(api, case):
    api.post(url(case))
    response = api.post(url(case))
    assert error(response) == (409, "already_voted_today")
    assert response.json()["votes_left"] == 9


def test_daily_quota_used_is_409(api, cases):
    for case in cases[:10]:
        assert api.post(url(case)).status_code == 201
    assert error(api.post(url(cases[10]))) == (409, "daily_quota_used")


def test_rate_limited_is_429_with_retry_after(api, case, settings):
    settings.VOTING_RATE_PER_USER = "1/m"
    api.post(url(case))
    response = api.post(url(case))
    assert error(response) == (429, "rate_limited")
    assert int(response["Retry-After"]) >= 1


def test_session_api_requires_csrf(voter, case):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(voter)
    assert client.post(url(case)).status_code == 403
    assert Ballot.objects.count() == 0


def test_leaderboard_api_ranks_with_shares_totals_and_shared_ranks(client, campaign, cases):
    for case, n in [(cases[0], 3), (cases[1], 1), (cases[2], 1)]:
        for _v in range(n):
            services.cast_vote(voter=factories.ResidentFactory(with_phone=True), campaign_id=campaign.pk, case_id=case.pk)
    services.take_snapshot(campaign_id=campaign.pk)
    body = client.get(f"/api/v1/campaigns/{campaign.pk}/leaderboard").json()
    assert (body["total_votes"], body["voters"], body["voided"], body["open"]) == (5, 5, 0, True)
    assert [(r["rank"], r["votes"], r["share"]) for r in body["results"][:4]] == [
        (1, 3, 60.0), (2, 1, 20.0), (2, 1, 20.0), (4, 0, 0.0)]
    assert {r["case_id"] for r in body["results"][1:3]} == {cases[1].pk, cases[2].pk}
    assert [r["rank"] for r in body["results"][:4]] == [1, 2, 2, 4]
    assert body["results"][0]["unit"] == cases[0].unit.name

