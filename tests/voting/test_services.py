"""cast_vote: every rule and refusal, quotas, local days, idempotency."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser

from cases.enums import EntryState, PhaseKind
from portal import timeutils
from portal.exceptions import PermissionDeniedError
from tests import factories
from voting import selectors, services
from voting.enums import Refusal
from voting.exceptions import VotingError
from voting.models import Ballot, CaseTally, VoterDay, VoteRequest, VotingRules


def state(campaign):
    return (
        Ballot.objects.filter(campaign=campaign).count(),
        sum(CaseTally.objects.filter(campaign=campaign).values_list("votes", flat=True)),
        sorted(VoterDay.objects.filter(campaign=campaign).values_list("voter_id", "day", "used")),
    )


def vote(voter, case, **kwargs):
    return services.cast_vote(voter=voter, campaign_id=case.campaign_id, case_id=case.pk, **kwargs)


def refused(code, voter, case, **kwargs):
    before = state(case.campaign)
    with pytest.raises(VotingError) as caught:
        vote(voter, case, **kwargs)
    assert caught.value.code == code
    assert state(case.campaign) == before
    return caught.value


def test_accepted_vote_writes_ballot_counter_and_tally_and_answers_count_and_votes_left(voter, case):
    answer = vote(voter, case, ip="113.100.2.3", user_agent="UA/1")
    assert (answer.count, answer.votes_left, answer.per_day) == (1, 9, 10)
    ballot = Ballot.objects.get()
    assert (ballot.voter, ballot.case, ballot.day, ballot.slot) == (voter, case, timeutils.local_day(), 1)
    assert (ballot.ip, ballot.user_agent, ballot.voided_at) == ("113.100.2.3", "UA/1", None)
    assert VoterDay.objects.get().used == 1
    assert CaseTally.objects.get().votes == 1
    assert selectors.live_counts(case.campaign_id) == {case.pk: 1}


def test_a_voter_sees_their_own_vote_counted_while_others_share_the_cached_counts(voter, cases):
    vote(factories.ResidentFactory(with_phone=True), cases[1])  # takes this moment's rollup, which drops the cached counts
    assert selectors.live_counts(cases[0].campaign_id) == {cases[1].pk: 1}  # cached for everyone
    vote(voter, cases[0])
    assert selectors.live_counts(cases[0].campaign_id) == {cases[1].pk: 1}  # others: up to two seconds old
    today = selectors.voter_today(voter, cases[0].campaign)
    assert today.voted_case_ids == {cases[0].pk}
    assert selectors.live_counts(cases[0].campaign_id, newer_than=today.last_vote_at) == {cases[0].pk: 1, cases[1].pk: 1}


def test_count_in_the_answer_includes_other_voters_across_shards(cases):
    voters = [factories.ResidentFactory(with_phone=True) for _n in range(5)]
    answers = [vote(v, cases[0]) for v in voters]
    assert [a.count for a in answers] == [1, 2, 3, 4, 5]


def test_vote_before_the_window_is_refused(voter, case):
    before = case.campaign.phases.get(kind=PhaseKind.VOTING).starts_at - dt.timedelta(seconds=1)
    error = refused(Refusal.WINDOW_CLOSED, voter, case, now=before)
    assert error.status == 403


def test_vote_at_the_closing_instant_is_refused(voter, case):
    end = case.campaign.phases.get(kind=PhaseKind.VOTING).ends_at
    refused(Refusal.WINDOW_CLOSED, voter, case, now=end)
    assert vote(voter, case, now=end - dt.timedelta(seconds=1)).count == 1


def test_campaign_without_a_voting_phase_refuses_votes(voter):
    campaign = factories.CampaignFactory(timeline=factories.campaign_timeline(open_phase="call"))
    campaign.phases.filter(kind=PhaseKind.VOTING).delete()
    refused(Refusal.WINDOW_CLOSED, voter, factories.CaseEntryFactory(campaign=campaign))


@pytest.mark.parametrize("user", [None, AnonymousUser()])
def test_visitor_is_refused_not_signed_in_with_401(user, case):
    error = refused(Refusal.NOT_SIGNED_IN, user, case)
    assert error.status == 401


def test_unverified_account_is_refused_unless_the_campaign_allows_it(case):
    unverified = factories.ResidentFactory(verified_at=None)
    error = refused(Refusal.NOT_VERIFIED, unverified, case)
    assert error.status == 403
    factories.VotingRulesFactory(campaign=case.campaign, allow_unverified=True, require_verified_phone=False)
    assert vote(unverified, case).count == 1


@pytest.mark.parametrize("entry_state", [EntryState.SUBMITTED, EntryState.REJECTED, EntryState.WITHDRAWN])
def test_case_not_on_the_board_is_refused(entry_state, voter, campaign):
    entry = factories.CaseEntryFactory(campaign=campaign, state=entry_state, slot=None if entry_state == EntryState.WITHDRAWN else 7)
    error = refused(Refusal.NOT_ON_BOARD, voter, entry)
    assert error.status == 404


def test_case_of_another_campaign_is_refused(voter, case):
    other = factories.CampaignFactory(timeline=factories.campaign_timeline(open_phase="voting"))
    with pytest.raises(VotingError) as caught:
        services.cast_vote(voter=voter, campaign_id=other.pk, case_id=case.pk)
    assert caught.value.code == Refusal.NOT_ON_BOARD
    assert Ballot.objects.count() == 0


def test_second_vote_same_case_same_day_is_refused_and_counter_unchanged(voter, case):
    vote(voter, case)
    error = refused(Refusal.ALREADY_VOTED_TODAY, voter, case)
    assert (error.status, error.votes_left) == (409, 9)
    assert VoterDay.objects.get().used == 1


def test_eleventh_vote_of_the_day_is_refused(voter, cases):
    answers = [vote(voter, c) for c in cases[:10]]
    assert [a.votes_left for a in answers] == list(range(9, -1, -1))
    error = refused(Refusal.DAILY_QUOTA_USED, voter, cases[10])
    assert (error.status, error.votes_left) == (409, 0)
    assert "10" in str(error.message)


def test_the_day_turns_at_midnight_in_shanghai_not_utc(voter, case):
    # 23:59 and 00:01 Shanghai time are one minute apart but on two local days.
    day = timeutils.local_day()
    late = timeutils.local_midnight(day) - dt.timedelta(minutes=1)
    early = timeutils.local_midnight(day) + dt.timedelta(minutes=1)
    vote(voter, case, now=late)
    refused(Refusal.ALREADY_VOTED_TODAY, voter, case, now=late + dt.timedelta(seconds=30))
    assert vote(voter, case, now=early).count == 2
    assert sorted(Ballot.objects.values_list("day", flat=True)) == [day - dt.timedelta(days=1), day]


def test_daily_quota_resets_the_next_local_day(voter, cases):
    today = timeutils.local_midnight(timeutils.local_day()) + dt.timedelta(hours=1)
    for c in cases[:10]:
        vote(voter, c, now=today)
    refused(Refusal.DAILY_QUOTA_USED, voter, cases[10], now=today)
    assert vote(voter, cases[10], now=today + dt.timedelta(days=1)).votes_left == 9


def test_campaign_quota_of_two_votes_per_case_per_day_uses_slots(voter, case, cases):
    factories.VotingRulesFactory(campaign=case.campaign, votes_per_day=3, votes_per_case_per_day=2)
    assert vote(voter, case).count == 1
    assert vote(voter, case).count == 2
    refused(Refusal.ALREADY_VOTED_TODAY, voter, case)
    assert sorted(Ballot.objects.values_list("slot", flat=True)) == [1, 2]
    assert vote(voter, cases[1]).votes_left == 0
    refused(Refusal.DAILY_QUOTA_USED, voter, cases[2])


def test_same_idempotency_key_returns_the_first_answer_and_votes_once(voter, case):
    first = vote(voter, case, idempotency_key="k-1")
    again = vote(voter, case, idempotency_key="k-1")
    assert (again.count, again.votes_left, again.replayed) == (first.count, first.votes_left, True)
    assert Ballot.objects.count() == 1
    assert VoterDay.objects.get().used == 1


def test_refusal_is_replayed_for_its_key(voter, cases):
    for c in cases[:10]:
        vote(voter, c)
    with pytest.raises(VotingError) as first:
        vote(voter, cases[10], idempotency_key="late")
    with pytest.raises(VotingError) as again:
        vote(voter, cases[10], idempotency_key="late")
    assert (again.value.code, again.value.status, again.value.replayed) == (Refusal.DAILY_QUOTA_USED, 409, True)
    assert str(again.value.message) == str(first.value.message)


def test_keys_are_per_voter(case):
    one, two = factories.ResidentFactory(with_phone=True), factories.ResidentFactory(with_phone=True)
    vote(one, case, idempotency_key="same")
    assert vote(two, case, idempotency_key="same").count == 2
    assert VoteRequest.objects.count() == 2


def test_new_key_after_an_accepted_vote_is_a_new_attempt(voter, case):
    vote(voter, case, idempotency_key="a")
    refused(Refusal.ALREADY_VOTED_TODAY, voter, case, idempotency_key="b")


def test_rules_can_be_set_by_an_organiser_and_only_grow_once_voting_opened(organiser, campaign, resident):
    services.set_rules(actor=organiser, campaign=campaign, votes_per_day=12, votes_per_case_per_day=2,
                       allow_unverified=False)
    assert selectors.rules_of(campaign).votes_per_day == 12
    with pytest.raises(VotingError) as caught:
        services.set_rules(actor=organiser, campaign=campaign, votes_per_day=5, votes_per_case_per_day=1,
                           allow_unverified=False)
    assert caught.value.code == "quota_locked"
    with pytest.raises(PermissionDeniedError) as caught:
        services.set_rules(actor=resident, campaign=campaign, votes_per_day=20, votes_per_case_per_day=1,
                           allow_unverified=False)
    assert caught.value.status == 403
    with pytest.raises(VotingError):
        services.set_rules(actor=organiser, campaign=campaign, votes_per_day=12, votes_per_case_per_day=13,
                           allow_unverified=False)


def test_the_default_quotas_cannot_shrink_once_voting_opened_either(organiser, campaign):
    with pytest.raises(VotingError) as caught:
        services.set_rules(actor=organiser, campaign=campaign, votes_per_day=8, votes_per_case_per_day=1,
                           allow_unverified=False)
    assert caught.value.code == "quota_locked"
    assert not VotingRules.objects.filter(campaign=campaign).exists()


def test_defaults_apply_without_a_rules_row(campaign):
    rules = selectors.rules_of(campaign)
    assert (rules.votes_per_day, rules.votes_per_case_per_day, rules.allow_unverified) == (10, 1, False)


def test_the_vote_statement_applies_the_models_rule_defaults_without_a_rules_row(campaign, cases):
    """The vote's SQL and the VotingRules model share one definition of each default."""
    defaults = VotingRules(campaign=campaign)
    voter = factories.ResidentFactory(with_phone=True)
    for _n in range(defaults.votes_per_case_per_day):
        vote(voter, cases[0])
    refused(Refusal.ALREADY_VOTED_TODAY, voter, cases[0])
    for case in cases[1:defaults.votes_per_day - defaults.votes_per_case_per_day + 1]:
        vote(voter, case)
    error = refused(Refusal.DAILY_QUOTA_USED, voter, cases[-1])
    assert error.votes_left == 0 and f"{defaults.votes_per_day} 票" in str(error)
    unverified = factories.ResidentFactory(with_phone=True, verified_at=None)
    without_phone = factories.ResidentFactory()
    if defaults.allow_unverified:
        vote(unverified, cases[0])
    else:
        refused(Refusal.NOT_VERIFIED, unverified, cases[0])
    if defaults.require_verified_phone:
        refused(Refusal.PHONE_NOT_VERIFIED, without_phone, cases[0])
    else:
        vote(without_phone, cases[0])
    assert not VotingRules.objects.filter(campaign=campaign).exists()
