"""The organisers' voting-rules page: who may open it, what it saves, and
every bad input answered with an error that changes nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories
from voting import selectors
from voting.models import VotingRules

VALID = {"votes_per_day": "12", "votes_per_case_per_day": "2", "allow_unverified": "on"}


def rules_url(campaign):
    return reverse("voting:rules", kwargs={"slug": campaign.slug})


@pytest.fixture
def upcoming(db):
    """A campaign whose vote has not opened yet (quotas may still go down)."""
    return factories.CampaignFactory(timeline=factories.campaign_timeline(open_phase="screening"))


def test_signed_out_visitor_is_sent_to_sign_in(client, campaign):
    response = client.get(rules_url(campaign))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role", ["resident", "dispatcher", "unit_staff", "reviewer"])
def test_only_organisers_may_open_or_post_the_rules(client, campaign, role, request):
    client.force_login(request.getfixturevalue(role))
    assert client.get(rules_url(campaign)).status_code == 403
    assert client.post(rules_url(campaign), VALID).status_code == 403
    assert not VotingRules.objects.filter(campaign=campaign).exists()


def test_organiser_sees_the_current_rules_and_saves_new_ones(client, organiser, upcoming):
    client.force_login(organiser)
    page = client.get(rules_url(upcoming)).content.decode()
    assert 'name="votes_per_day"' in page and 'value="10"' in page  # the defaults
    response = client.post(rules_url(upcoming), VALID, follow=True)
    assert "投票规则已保存。" in response.content.decode()
    rules = VotingRules.objects.get(campaign=upcoming)
    assert (rules.votes_per_day, rules.votes_per_case_per_day, rules.allow_unverified) == (12, 2, True)


def test_unknown_campaign_is_404(client, organiser):
    client.force_login(organiser)
    assert client.get(reverse("voting:rules", kwargs={"slug": "no-such-edition"})).status_code == 404


@pytest.mark.parametrize("data, message", [
    ({}, "该字段是必填项。"),
    ({"votes_per_day": "0", "votes_per_case_per_day": "1"}, "1"),
    ({"votes_per_day": "101", "votes_per_case_per_day": "1"}, "100"),
    ({"votes_per_day": "abc", "votes_per_case_per_day": "1"}, "输入整数"),
    ({"votes_per_day": "5", "votes_per_case_per_day": "6"}, "每人每天对同一案例的票数应在 1 到每天总票数之间。"),
])
def test_bad_rules_are_refused_and_nothing_changes(client, organiser, upcoming, data, message):
    client.force_login(organiser)
    response = client.post(rules_url(upcoming), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not VotingRules.objects.filter(campaign=upcoming).exists()


def test_quotas_cannot_shrink_once_voting_has_opened(client, organiser, campaign):
    client.force_login(organiser)
    assert client.post(rules_url(campaign), VALID).status_code == 302
    lower = {**VALID, "votes_per_day": "8"}
    response = client.post(rules_url(campaign), lower)
    assert response.status_code == 400
    assert "投票已经开始，配额只能增加不能减少。" in response.content.decode()
    assert VotingRules.objects.get(campaign=campaign).votes_per_day == 12
    assert client.post(rules_url(campaign), {**VALID, "votes_per_day": "15"}).status_code == 302  # growing is fine
    assert selectors.rules_of(VotingRules.objects.get(campaign=campaign).campaign).votes_per_day == 15


def test_the_board_links_organisers_to_the_rules_and_the_fraud_review(client, organiser, resident, campaign, cases):
    client.force_login(organiser)
    board = client.get(campaign.get_absolute_url()).content.decode()
    assert rules_url(campaign) in board and reverse("voting:review", kwargs={"slug": campaign.slug}) in board
    client.force_login(resident)
    board = client.get(campaign.get_absolute_url()).content.decode()
    assert rules_url(campaign) not in board and "/voting/review/" not in board


def test_the_table_the_service_and_the_form_hold_one_pair_of_quota_bounds(organiser, upcoming):
    """QUOTA_MIN..QUOTA_MAX: the form, set_rules and the table's constraint
    accept the bounds and refuse one past either."""
    from django.db import IntegrityError, transaction

    from voting import services
    from voting.exceptions import VotingError
    from voting.forms import RulesForm
    from voting.models import QUOTA_MAX, QUOTA_MIN

    for value in (QUOTA_MIN, QUOTA_MAX):
        assert RulesForm({"votes_per_day": value, "votes_per_case_per_day": value}).is_valid()
        rules = services.set_rules(actor=organiser, campaign=upcoming, votes_per_day=value,
                                   votes_per_case_per_day=QUOTA_MIN, allow_unverified=False)
        VotingRules.objects.filter(pk=rules.pk).update(votes_per_day=value)
    for value in (QUOTA_MIN - 1, QUOTA_MAX + 1):
        assert not RulesForm({"votes_per_day": value, "votes_per_case_per_day": QUOTA_MIN}).is_valid()
        with pytest.raises(VotingError):
            services.set_rules(actor=organiser, campaign=upcoming, votes_per_day=value,
                               votes_per_case_per_day=QUOTA_MIN, allow_unverified=False)
        with pytest.raises(IntegrityError), transaction.atomic():
            VotingRules.objects.filter(campaign=upcoming).update(votes_per_day=value)
    assert VotingRules.objects.get(campaign=upcoming).votes_per_day == QUOTA_MAX
