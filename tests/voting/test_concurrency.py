"""Quotas hold when one voter's votes arrive at once on many connections."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from tests import factories
from voting import selectors, services
from voting.exceptions import VotingError
from voting.models import Ballot, VoterDay


def fire(voter, targets, keys=None):
    """Cast one vote per target, each on its own thread and database
    connection, all released at the same instant."""
    barrier = threading.Barrier(len(targets))
    results = [None] * len(targets)

    def run(index, case):
        try:
            barrier.wait()
            results[index] = services.cast_vote(
                voter=voter, campaign_id=case.campaign_id, case_id=case.pk,
                idempotency_key=keys[index] if keys else None,
            )
        except VotingError as error:
            results[index] = error.code
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_sixteen_simultaneous_votes_for_sixteen_cases_accept_exactly_the_daily_quota():
    campaign = factories.CampaignFactory(timeline=factories.campaign_timeline(open_phase="voting"))
    cases = [factories.CaseEntryFactory(campaign=campaign) for _n in range(16)]
    voter = factories.ResidentFactory(with_phone=True)
    results = fire(voter, cases)
    accepted = [r for r in results if not isinstance(r, str)]
    assert len(accepted) == 10
    assert sorted(r for r in results if isinstance(r, str)) == ["daily_quota_used"] * 6
    assert sorted(a.votes_left for a in accepted) == list(range(10))
    assert Ballot.objects.filter(voter=voter).count() == 10
    assert VoterDay.objects.get(voter=voter).used == 10
    check = selectors.tally_check(campaign.pk)
    assert check["valid"] == check["tallied"] == 10
    assert check["counter_mismatch"] == 0


@pytest.mark.django_db(transaction=True)
def test_twelve_simultaneous_votes_for_one_case_accept_exactly_one():
    campaign = factories.CampaignFactory(timeline=factories.campaign_timeline(open_phase="voting"))
    case = factories.CaseEntryFactory(campaign=campaign)
    voter = factories.ResidentFactory(with_phone=True)
    results = fire(voter, [case] * 12)
    assert sum(1 for r in results if not isinstance(r, str)) == 1
    assert [r for r in results if isinstance(r, str)] == ["already_voted_today"] * 11
    assert Ballot.objects.count() == 1
    assert VoterDay.objects.get().used == 1
    assert selectors.tally_check(campaign.pk)["tallied"] == 1


@pytest.mark.django_db(transaction=True)
def test_simultaneous_repeats_of_one_idempotency_key_vote_once_and_share_the_answer():
    campaign = factories.CampaignFactory(timeline=factories.campaign_timeline(open_phase="voting"))
    case = factories.CaseEntryFactory(campaign=campaign)
    voter = factories.ResidentFactory(with_phone=True)
    results = fire(voter, [case] * 8, keys=["double-click"] * 8)
    assert all(not isinstance(r, str) for r in results), results
    assert sorted(r.replayed for r in results) == [False] + [True] * 7
    assert {(r.count, r.votes_left) for r in results} == {(1, 9)}
    assert Ballot.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_many_voters_at_once_on_one_case_are_all_counted():
    campaign = factories.CampaignFactory(timeline=factories.campaign_timeline(open_phase="voting"))
    case = factories.CaseEntryFactory(campaign=campaign)
    voters = [factories.ResidentFactory(with_phone=True) for _n in range(12)]
    barrier = threading.Barrier(len(voters))

    def run(voter):
        try:
            barrier.wait()
            services.cast_vote(voter=voter, campaign_id=campaign.pk, case_id=case.pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(v,)) for v in voters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    check = selectors.tally_check(campaign.pk)
    assert check["valid"] == check["tallied"] == 12
    services.rollup_vote_counts(campaign_id=campaign.pk)
    case.refresh_from_db()
    assert case.vote_count == 12
