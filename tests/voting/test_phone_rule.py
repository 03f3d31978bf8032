"""One person, one vote account: a campaign may require a verified phone
number of its voters (the default); the one vote path (service, page and
API) refuses an account without one, with what to do next, and writes nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests import factories
from voting import selectors, services
from voting.enums import Refusal
from voting.exceptions import VotingError
from voting.models import Ballot, VoterDay, VotingRules

HTMX = {"HTTP_HX_REQUEST": "true"}
MESSAGE = "请先在“我的账号”中验证你的手机号"


def vote_url(case):
    return reverse("voting:vote", kwargs={"campaign_id": case.campaign_id, "case_id": case.pk})


def api_url(case):
    return f"/api/v1/campaigns/{case.campaign_id}/cases/{case.pk}/votes"


@pytest.fixture
def email_only(db):
    return factories.ResidentFactory()


@pytest.fixture
def claimed_only(db):
    """Typed a phone number in but never confirmed its code."""
    return factories.ResidentFactory(phone="+8613800138000", phone_verified=False)


def assert_nothing_written(case):
    assert Ballot.objects.filter(case=case).count() == 0
    assert VoterDay.objects.count() == 0
    case.refresh_from_db()
    assert case.vote_count == 0


def test_new_campaigns_and_their_defaults_require_a_verified_phone(campaign):
    assert selectors.rules_of(campaign).require_verified_phone
    assert VotingRules.objects.create(campaign=campaign).require_verified_phone


@pytest.mark.parametrize("account", ["email_only", "claimed_only"])
def test_account_without_a_verified_phone_is_refused(account, case, request):
    voter = request.getfixturevalue(account)
    with pytest.raises(VotingError) as caught:
        services.cast_vote(voter=voter, campaign_id=case.campaign_id, case_id=case.pk)
    assert caught.value.code == Refusal.PHONE_NOT_VERIFIED and caught.value.status == 403
    assert MESSAGE in caught.value.message
    assert_nothing_written(case)


def test_account_with_a_verified_phone_votes(case):
    voter = factories.ResidentFactory(with_phone=True)
    assert services.cast_vote(voter=voter, campaign_id=case.campaign_id, case_id=case.pk).count == 1


def test_email_only_account_votes_when_the_campaign_does_not_require_a_phone(case, email_only):
    factories.VotingRulesFactory(campaign=case.campaign, require_verified_phone=False)
    assert services.cast_vote(voter=email_only, campaign_id=case.campaign_id, case_id=case.pk).count == 1


def test_page_refuses_with_the_message_and_a_link_to_verify(client, case, email_only):
    client.force_login(email_only)
    response = client.post(vote_url(case), {"token": "t1"}, **HTMX)
    page = response.content.decode()
    assert response.status_code == 403
    assert MESSAGE in page and reverse("account_change_phone") in page
    assert_nothing_written(case)


def test_api_refuses_with_the_code_and_message(case, email_only):
    client = APIClient()
    client.force_authenticate(email_only)
    response = client.post(api_url(case))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "phone_not_verified"
    assert MESSAGE in response.json()["error"]["message"]
    assert_nothing_written(case)


def test_api_schema_documents_the_refusal(client):
    schema = client.get("/api/schema/").content.decode()
    assert "phone_not_verified" in schema


def test_board_rules_box_says_a_verified_phone_is_needed(client, case):
    page = client.get(case.campaign.get_absolute_url()).content.decode()
    assert "登录并验证手机号后才能投票" in page


def test_organiser_turns_the_rule_off_on_the_rules_page(client, organiser, campaign):
    client.force_login(organiser)
    page = client.get(reverse("voting:rules", kwargs={"slug": campaign.slug})).content.decode()
    assert 'name="require_verified_phone"' in page and "checked" in page
    client.post(reverse("voting:rules", kwargs={"slug": campaign.slug}),
                {"votes_per_day": "10", "votes_per_case_per_day": "1"})
    assert not VotingRules.objects.get(campaign=campaign).require_verified_phone
