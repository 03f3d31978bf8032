"""Voiding ballots by selection or rule: recorded, tallies follow, nothing deleted."""

from __future__ import annotations

import datetime as dt

import pytest

from portal import timeutils
from portal.exceptions import PermissionDeniedError
from tests import factories
from voting import selectors, services, tasks
from voting.enums import VoidRule
from voting.exceptions import VotingError
from voting.models import Ballot, VoidBatch, VoteSnapshot


@pytest.fixture
def voted(cases):
    """Six voters vote for the first three cases; two of them from one IP."""
    voters = [factories.ResidentFactory(with_phone=True) for _n in range(6)]
    for index, voter in enumerate(voters):
        ip = "27.38.105.77" if index < 2 else f"113.100.{index}.9"
        for case in cases[:3]:
            services.cast_vote(voter=voter, campaign_id=case.campaign_id, case_id=case.pk, ip=ip,
                               user_agent="farm/1" if index < 2 else f"ua/{index}")
    return voters


def shown(campaign):
    services.rollup_vote_counts(campaign_id=campaign.pk)
    return {row.entry.pk: row.votes for row in selectors.leaderboard(campaign)}


def test_void_by_ip_marks_ballots_records_the_batch_and_tallies_follow(organiser, campaign, cases, voted):
    batch = services.void_ballots(actor=organiser, campaign=campaign, rule=VoidRule.IP,
                                  params={"ip": "27.38.105.77"}, reason="同一 IP 批量注册账号刷票")
    assert batch.ballot_count == 6
    assert (batch.actor, batch.rule, batch.params, batch.reason) == (
        organiser, "ip", {"ip": "27.38.105.77"}, "同一 IP 批量注册账号刷票")
    voided = Ballot.objects.filter(voided_at__isnull=False)
    assert voided.count() == 6 and Ballot.objects.count() == 18
    assert set(voided.values_list("voided_by", "void_reason", "void_batch")) == {
        (organiser.pk, "同一 IP 批量注册账号刷票", batch.pk)}
    assert shown(campaign) == {cases[0].pk: 4, cases[1].pk: 4, cases[2].pk: 4, **{c.pk: 0 for c in cases[3:]}}
    check = selectors.tally_check(campaign.pk)
    assert check["valid"] == check["tallied"] == check["shown"] == 12
    totals = selectors.totals(campaign.pk, fresh=True)
    assert (totals.votes, totals.voided, totals.voters) == (12, 6, 4)
    for case in cases[:3]:
        case.refresh_from_db()
        assert case.vote_count == 4


def test_voiding_again_does_not_count_twice(organiser, campaign, voted):
    services.void_ballots(actor=organiser, campaign=campaign, rule=VoidRule.IP, params={"ip": "27.38.105.77"}, reason="a")
    again = services.void_ballots(actor=organiser, campaign=campaign, rule=VoidRule.SUBNET,
                                  params={"subnet": "27.38.105.0/24"}, reason="b")
    assert again.ballot_count == 0
    assert selectors.tally_check(campaign.pk)["tallied"] == 12


def test_void_by_account_selection_time_range_and_user_agent(organiser, campaign, cases, voted):
    by_account = services.void_ballots(actor=organiser, campaign=campaign, rule=VoidRule.ACCOUNT,
                                       params={"voter_id": voted[5].pk}, reason="账号被盗")
    assert by_account.ballot_count == 3
    ids = list(Ballot.objects.filter(voter=voted[4]).values_list("pk", flat=True)[:2])
    by_selection = services.void_ballots(actor=organiser, campaign=campaign, rule=VoidRule.SELECTION,
                                         params={"ballot_ids": ids}, reason="人工核查")
    assert by_selection.ballot_count == 2
    by_agent = services.void_ballots(actor=organiser, campaign=campaign, rule=VoidRule.USER_AGENT,
                                     params={"user_agent": "farm/1"}, reason="同一设备")
    assert by_agent.ballot_count == 6
    now = timeutils.now()
    by_time = services.void_ballots(actor=organiser, campaign=campaign, rule=VoidRule.TIME_RANGE,
                                    params={"starts_at": now - dt.timedelta(hours=1), "ends_at": now + dt.timedelta(minutes=1)},
                                    reason="异常时段")
    assert by_time.ballot_count == 18 - 3 - 2 - 6
    assert selectors.tally_check(campaign.pk)["tallied"] == 0
    assert VoidBatch.objects.count() == 4
    assert Ballot.objects.count() == 18


def test_reason_is_required_and_nothing_changes_without_it(organiser, campaign, voted):
    with pytest.raises(VotingError) as caught:
        services.void_ballots(actor=organiser, campaign=campaign, rule=VoidRule.IP, params={"ip": "27.38.105.77"}, reason="  ")
    assert caught.value.code == "reason_required"
    assert Ballot.objects.filter(voided_at__isnull=False).count() == 0
    assert VoidBatch.objects.count() == 0


def test_only_organisers_void(resident, dispatcher, campaign, voted):
    for actor in (resident, dispatcher):
        with pytest.raises(PermissionDeniedError) as caught:
            services.void_ballots(actor=actor, campaign=campaign, rule=VoidRule.IP, params={"ip": "27.38.105.77"}, reason="x")
        assert caught.value.status == 403
    assert Ballot.objects.filter(voided_at__isnull=False).count() == 0


@pytest.mark.parametrize("rule,params,code", [
    (VoidRule.IP, {"ip": "not-an-ip"}, "invalid_ip"),
    (VoidRule.SELECTION, {"ballot_ids": []}, "nothing_selected"),
    (VoidRule.ACCOUNT, {"voter_id": 999999}, "invalid_account"),
    (VoidRule.TIME_RANGE, {"starts_at": "2030-01-02T00:00+08:00", "ends_at": "2030-01-01T00:00+08:00"}, "invalid_time_range"),
])
def test_bad_rule_parameters_are_refused(organiser, campaign, voted, rule, params, code):
    with pytest.raises(VotingError) as caught:
        services.void_ballots(actor=organiser, campaign=campaign, rule=rule, params=params, reason="x")
    assert caught.value.code == code
    assert VoidBatch.objects.count() == 0


def test_voided_voter_cannot_vote_again_for_that_case_today(organiser, campaign, cases, voted):
    services.void_ballots(actor=organiser, campaign=campaign, rule=VoidRule.ACCOUNT, params={"voter_id": voted[0].pk}, reason="x")
    with pytest.raises(VotingError) as caught:
        services.cast_vote(voter=voted[0], campaign_id=campaign.pk, case_id=cases[0].pk)
    assert caught.value.code == "already_voted_today"


def test_fraud_patterns_show_the_shared_ip_and_user_agent(campaign, voted):
    ips = selectors.shared_ips(campaign, min_accounts=2)
    assert [(p.value, p.accounts, p.ballots, p.valid) for p in ips] == [("27.38.105.77", 2, 6, 6)]
    subnets = selectors.shared_subnets(campaign, min_accounts=2)
    assert ("27.38.105.0/24", 2) in [(p.value, p.accounts) for p in subnets]
    agents = selectors.shared_user_agents(campaign, min_accounts=2)
    assert [(p.value, p.accounts) for p in agents] == [("farm/1", 2)]


def test_bursts_of_new_accounts_are_found(campaign, cases):
    moment = timeutils.now()
    for n in range(12):
        account = factories.ResidentFactory(with_phone=True, date_joined=moment - dt.timedelta(minutes=30))
        factories.BallotFactory(case=cases[0], voter=account, cast_at=moment)
    factories.BallotFactory(case=cases[0], voter=factories.ResidentFactory(with_phone=True, date_joined=moment - dt.timedelta(days=90)))
    bursts = selectors.new_account_bursts(campaign, min_accounts=10)
    assert [(b.accounts, b.ballots) for b in bursts] == [(12, 12)]


def test_snapshot_is_one_per_campaign_and_minute(campaign, cases, voted):
    moment = timeutils.now().replace(second=5)
    first = services.take_snapshot(campaign_id=campaign.pk, moment=moment)
    again = services.take_snapshot(campaign_id=campaign.pk, moment=moment.replace(second=50))
    assert first.pk == again.pk and VoteSnapshot.objects.count() == 1
    assert (first.total_votes, first.voters) == (18, 6)


def test_periodic_job_snapshots_open_votes_and_rolls_up_counts(campaign, cases, voted):
    tasks.snapshot_open_votes(timestamp=0)
    tasks.snapshot_open_votes(timestamp=0)
    assert VoteSnapshot.objects.filter(campaign=campaign).count() == 1
    cases[0].refresh_from_db()
    assert cases[0].vote_count == 6
    svg = selectors.chart_svg(campaign)
    assert svg.startswith("<svg") and "累计有效票数" in svg and "<script" not in svg


def test_recount_rebuilds_tallies_from_ballots(organiser, campaign, voted):
    services.void_ballots(actor=organiser, campaign=campaign, rule=VoidRule.IP, params={"ip": "27.38.105.77"}, reason="x")
    services.recount_tallies(campaign_id=campaign.pk)
    check = selectors.tally_check(campaign.pk)
    assert check["valid"] == check["tallied"] == check["shown"] == 12
