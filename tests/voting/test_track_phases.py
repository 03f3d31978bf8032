"""Phases per track in the vote and the panel (issue 19, item 3): votes for
a case count in its track's voting phase (its own, else the campaign's); a
finalist's review saves in its track's review phase; results publish only
once every track's results phase has started."""

from __future__ import annotations

import datetime as dt

import pytest

from cases import services as case_services
from cases.enums import PhaseKind
from cases.models import CaseEntry
from portal import timeutils
from portal.exceptions import ConflictError
from tests import factories
from tests.voting.panel_setup import closed_campaign, marks, open_phase, panel, submit
from voting import selectors, services
from voting.exceptions import VotingError
from voting.models import Ballot
from voting.panel import services as panel_services
from voting.panel.models import ResultVersion, Review
from voting.setup.forms import PhaseMoveForm

DAY = dt.timedelta(days=1)


def own_phase(organiser, campaign, track, kind, starts_at, ends_at):
    phase = case_services.set_phase(actor=organiser, campaign=campaign, track=track, kind=kind, starts_at=starts_at,
                                    ends_at=ends_at, reason="该奖项单独安排")
    campaign.__dict__.pop("_phases_cache", None)
    return phase


def vote(voter, case):
    return services.cast_vote(voter=voter, campaign_id=case.campaign_id, case_id=case.pk)


def refused_vote(voter, case) -> str:
    with pytest.raises(VotingError) as caught:
        vote(voter, case)
    return caught.value.code


def test_a_tracks_own_closed_voting_phase_refuses_its_cases_while_another_track_votes(campaign, voter, organiser):
    track = campaign.tracks.get()
    other = factories.TrackFactory(campaign=campaign)
    mine, theirs = factories.CaseEntryFactory(campaign=campaign), factories.CaseEntryFactory(campaign=campaign,
                                                                                              track=other)
    now = timeutils.now()
    own_phase(organiser, campaign, track, PhaseKind.VOTING, now - 3 * DAY, now - DAY)

    assert refused_vote(voter, mine) == "window_closed"
    vote(voter, theirs)
    assert list(Ballot.objects.values_list("case_id", flat=True)) == [theirs.pk]
    assert selectors.case_window(mine).track_id == track.pk and selectors.case_window(theirs).track_id is None
    assert not selectors.is_open(campaign, track=track.pk) and selectors.is_open(campaign, track=other.pk)


def test_a_tracks_own_open_voting_phase_takes_votes_before_the_campaigns_opens(voter, organiser):
    campaign = factories.CampaignFactory(timeline=factories.campaign_timeline(open_phase="screening"))
    track = campaign.tracks.get()
    other = factories.TrackFactory(campaign=campaign)
    mine, theirs = factories.CaseEntryFactory(campaign=campaign), factories.CaseEntryFactory(campaign=campaign,
                                                                                              track=other)
    now = timeutils.now()
    own_phase(organiser, campaign, track, PhaseKind.VOTING, now - DAY, now + DAY)

    vote(voter, mine)
    assert refused_vote(voter, theirs) == "window_closed"
    assert Ballot.objects.get().case_id == mine.pk


def test_the_case_page_shows_the_vote_open_for_a_track_with_its_own_open_voting_phase(client, voter, organiser):
    campaign = factories.CampaignFactory(timeline=factories.campaign_timeline(open_phase="screening"))
    track = campaign.tracks.get()
    other = factories.TrackFactory(campaign=campaign)
    mine, theirs = factories.CaseEntryFactory(campaign=campaign), factories.CaseEntryFactory(campaign=campaign,
                                                                                              track=other)
    now = timeutils.now()
    own_phase(organiser, campaign, track, PhaseKind.VOTING, now - DAY, now + DAY)
    client.force_login(voter)

    open_page = client.get(mine.get_absolute_url()).content.decode()
    closed_page = client.get(theirs.get_absolute_url()).content.decode()

    assert 'class="vote-button' in open_page
    assert 'class="vote-button' not in closed_page and "vote-closed" in closed_page


@pytest.fixture
def drafting(db, organiser):
    campaign = closed_campaign()
    cases, people = panel(campaign, organiser, [30, 20])
    return {"campaign": campaign, "cases": cases, "people": people}


def test_a_finalists_review_saves_in_its_tracks_own_review_phase(drafting, organiser):
    campaign, (first, second), person = drafting["campaign"], drafting["cases"], drafting["people"][0]
    track = campaign.tracks.get()
    other = factories.TrackFactory(campaign=campaign)
    CaseEntry.objects.filter(pk=second.pk).update(track=other)
    now = timeutils.now()
    own_phase(organiser, campaign, track, PhaseKind.REVIEW, now + DAY, now + 3 * DAY)

    with pytest.raises(ConflictError) as refused:
        panel_services.save_review(actor=person, campaign=campaign, case_id=first.pk, marks=marks(campaign, 80))
    assert refused.value.code == "review_not_started"
    assert not Review.objects.filter(case=first).exists()
    panel_services.save_review(actor=person, campaign=campaign, case_id=second.pk, marks=marks(campaign, 80))
    assert Review.objects.filter(case=second).exists()


def test_a_finalist_reviews_in_its_tracks_own_review_phase_after_the_campaigns_ended(drafting, organiser):
    campaign, (first, _second), person = drafting["campaign"], drafting["cases"], drafting["people"][0]
    open_phase(campaign, "results")
    now = timeutils.now()
    own_phase(organiser, campaign, campaign.tracks.get(), PhaseKind.REVIEW, now - DAY, now + DAY)

    review = submit(campaign, person, first, 80)
    assert review.case_id == first.pk


@pytest.fixture
def scene(db, organiser):
    campaign = closed_campaign()
    cases, people = panel(campaign, organiser, [30, 20])
    for person in people:
        for case in cases:
            submit(campaign, person, case, 80)
    return {"campaign": campaign, "cases": cases}


def test_publishing_waits_for_a_tracks_own_later_results_phase(scene, organiser):
    campaign = open_phase(scene["campaign"], "results")
    now = timeutils.now()
    results = own_phase(organiser, campaign, campaign.tracks.get(), PhaseKind.RESULTS, now + DAY, now + 2 * DAY)

    with pytest.raises(ConflictError) as refused:
        panel_services.publish_results(actor=organiser, campaign=campaign)
    assert refused.value.code == "results_not_started" and not ResultVersion.objects.exists()

    own_phase(organiser, campaign, campaign.tracks.get(), PhaseKind.RESULTS, now - DAY, results.ends_at)
    assert panel_services.publish_results(actor=organiser, campaign=campaign).version == 1


def test_publishing_follows_the_tracks_own_earlier_results_phase(scene, organiser):
    campaign = scene["campaign"]  # the campaign's results phase is still ahead
    now = timeutils.now()
    own_phase(organiser, campaign, campaign.tracks.get(), PhaseKind.RESULTS, now - DAY, now + DAY)

    assert panel_services.publish_results(actor=organiser, campaign=campaign).version == 1


def test_the_phase_move_page_offers_the_campaigns_phases_not_a_tracks_own(organiser):
    campaign = factories.CampaignFactory()
    now = timeutils.now()
    own = own_phase(organiser, campaign, campaign.tracks.get(), PhaseKind.VOTING, now, now + DAY)

    offered = list(PhaseMoveForm(campaign=campaign).fields["phase"].queryset)

    assert own not in offered and len(offered) == 5 and all(p.track_id is None for p in offered)
