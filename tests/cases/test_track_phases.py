"""Phases per track (issue 19, item 3): a track without a phase of its own
follows the campaign's; a track's own phase overrides the campaign's phase
of that kind for that track only. One phase per (campaign, track, kind) and
no overlap within one timeline, in the service and in the database."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from rest_framework.test import APIClient

from cases import selectors, services
from cases.enums import EntryState, PhaseKind
from cases.exceptions import CaseError
from cases.models import Phase, PhaseChange
from portal import timeutils
from tests import factories
from tests.cases.conftest import complete_fields

DAY = dt.timedelta(days=1)


def own_phase(campaign, track, kind, starts_at, ends_at, actor):
    return services.set_phase(actor=actor, campaign=campaign, track=track, kind=kind, starts_at=starts_at,
                              ends_at=ends_at, reason="该奖项单独安排")


def fresh(campaign):
    campaign.__dict__.pop("_phases_cache", None)
    return campaign


def test_a_track_without_phases_of_its_own_follows_the_campaigns(campaign, track):
    for kind in PhaseKind.values:
        assert selectors.phase_for(campaign, kind, track) == selectors.phase_for(campaign, kind)
        assert selectors.phase_for(campaign, kind, track).track_id is None
    assert selectors.track_phases(campaign, track) == []


def test_a_tracks_own_phase_overrides_the_campaigns_for_that_track_only(campaign, track, organiser):
    other = factories.TrackFactory(campaign=campaign)
    now = timeutils.now()
    own = own_phase(campaign, track, PhaseKind.CALL, now + DAY, now + 3 * DAY, organiser)
    fresh(campaign)

    assert selectors.phase_for(campaign, PhaseKind.CALL, track) == own
    assert selectors.phase_for(campaign, PhaseKind.CALL, other).track_id is None
    assert selectors.phase_for(campaign, PhaseKind.CALL).track_id is None
    assert not selectors.phase_is_open(campaign, PhaseKind.CALL, track=track)
    assert selectors.phase_is_open(campaign, PhaseKind.CALL, track=other)
    # The campaign's own timeline does not list a track's phases.
    assert all(p.track_id is None for p in selectors.phases_of(campaign))
    assert PhaseChange.objects.filter(phase=own, actor=organiser, reason="该奖项单独安排").exists()


def test_entering_a_case_follows_the_entrys_track_call(campaign, track, organiser, unit_staff):
    other = factories.TrackFactory(campaign=campaign)
    now = timeutils.now()
    own_phase(campaign, track, PhaseKind.CALL, now + DAY, now + 3 * DAY, organiser)
    fresh(campaign)

    with pytest.raises(CaseError) as refused:
        services.create_entry(actor=unit_staff, campaign=campaign, **complete_fields(campaign, track=track))
    assert refused.value.code == "call_closed"

    entry = services.create_entry(actor=unit_staff, campaign=campaign, **complete_fields(campaign, track=other))
    assert entry.track == other and entry.state == EntryState.DRAFT


def test_a_track_with_its_own_open_call_takes_entries_after_the_campaigns_call_closed(organiser, unit_staff):
    campaign = factories.CampaignFactory(timeline=factories.campaign_timeline(open_phase="screening"))
    track = campaign.tracks.get()
    now = timeutils.now()
    own_phase(campaign, track, PhaseKind.CALL, now - DAY, now + DAY, organiser)
    fresh(campaign)

    entry = services.create_entry(actor=unit_staff, campaign=campaign, **complete_fields(campaign, track=track))
    assert entry.track == track
    services.withdraw_entry(actor=unit_staff, entry=entry)


def test_the_track_rules_freeze_when_that_tracks_voting_starts(campaign, track, organiser):
    other = factories.TrackFactory(campaign=campaign)
    now = timeutils.now()
    voting = selectors.phase_for(campaign, PhaseKind.VOTING)
    own_phase(campaign, track, PhaseKind.VOTING, now - DAY, voting.starts_at - DAY / 2, organiser)

    with pytest.raises(CaseError) as refused:
        services.update_track_rules(actor=organiser, track=track, entry_limit_per_unit=2, awards=15)
    assert refused.value.code == "voting_started"
    changed = services.update_track_rules(actor=organiser, track=other, entry_limit_per_unit=2, awards=15)
    assert changed.awards == 15


def test_a_tracks_own_phases_keep_their_order(campaign, track, organiser):
    now = timeutils.now()
    own_phase(campaign, track, PhaseKind.VOTING, now + 10 * DAY, now + 12 * DAY, organiser)

    with pytest.raises(CaseError) as refused:
        own_phase(campaign, track, PhaseKind.REVIEW, now + 5 * DAY, now + 6 * DAY, organiser)
    assert refused.value.code == "phase_order"
    with pytest.raises(CaseError) as refused:
        own_phase(campaign, track, PhaseKind.REVIEW, now + 11 * DAY, now + 13 * DAY, organiser)
    assert refused.value.code == "phase_overlap"
    with pytest.raises(CaseError) as refused:
        services.check_phase(campaign=campaign, track=track, kind=PhaseKind.REVIEW, starts_at=now + 5 * DAY,
                             ends_at=now + 6 * DAY)
    assert refused.value.code == "phase_order"
    assert Phase.objects.filter(track=track).count() == 1


def test_a_tracks_phase_may_overlap_the_campaigns_phases(campaign, track, organiser):
    call = selectors.phase_for(campaign, PhaseKind.CALL)
    # The track's voting runs inside the campaign's call: allowed, other timeline.
    phase = own_phase(campaign, track, PhaseKind.VOTING, call.starts_at, call.ends_at, organiser)
    assert phase.track == track


def test_a_track_of_another_campaign_is_refused(campaign, organiser):
    stranger = factories.TrackFactory()
    now = timeutils.now()
    with pytest.raises(CaseError) as refused:
        own_phase(campaign, stranger, PhaseKind.VOTING, now, now + DAY, organiser)
    assert refused.value.code == "unknown_track" and not Phase.objects.filter(track=stranger).exists()


def test_only_organisers_set_a_tracks_phase(campaign, track, unit_staff):
    now = timeutils.now()
    with pytest.raises(Exception) as refused:
        own_phase(campaign, track, PhaseKind.VOTING, now, now + DAY, unit_staff)
    assert refused.value.code == "permission_denied" and not Phase.objects.filter(track=track).exists()


def test_the_database_holds_one_phase_per_campaign_track_and_kind(campaign, track):
    now = timeutils.now()
    Phase.objects.create(campaign=campaign, track=track, kind=PhaseKind.VOTING, starts_at=now, ends_at=now + DAY)
    with pytest.raises(IntegrityError), transaction.atomic():
        Phase.objects.create(campaign=campaign, track=track, kind=PhaseKind.VOTING, starts_at=now + 5 * DAY,
                             ends_at=now + 6 * DAY)
    # Two campaign phases (no track) of one kind: NULLS NOT DISTINCT.
    with pytest.raises(IntegrityError), transaction.atomic():
        Phase.objects.create(campaign=campaign, kind=PhaseKind.CALL, starts_at=now + 400 * DAY,
                             ends_at=now + 401 * DAY)


def test_the_database_refuses_overlap_within_one_track_but_not_across(campaign, track):
    now = timeutils.now()
    Phase.objects.create(campaign=campaign, track=track, kind=PhaseKind.VOTING, starts_at=now, ends_at=now + DAY)
    with pytest.raises(IntegrityError), transaction.atomic():
        Phase.objects.create(campaign=campaign, track=track, kind=PhaseKind.REVIEW, starts_at=now + DAY / 2,
                             ends_at=now + 2 * DAY)
    other = factories.TrackFactory(campaign=campaign)
    Phase.objects.create(campaign=campaign, track=other, kind=PhaseKind.VOTING, starts_at=now, ends_at=now + DAY)
    # The campaign's own phases still may not overlap each other.
    call = Phase.objects.get(campaign=campaign, track=None, kind=PhaseKind.CALL)
    with pytest.raises(IntegrityError), transaction.atomic():
        Phase.objects.filter(campaign=campaign, track=None, kind=PhaseKind.SCREENING).update(
            starts_at=call.starts_at, ends_at=call.ends_at
        )


def test_the_campaign_api_lists_each_tracks_own_phases(campaign, track, organiser):
    other = factories.TrackFactory(campaign=campaign)
    now = timeutils.now()
    own_phase(campaign, track, PhaseKind.RESULTS, now + 100 * DAY, now + 101 * DAY, organiser)

    body = APIClient().get(f"/api/v1/campaigns/{campaign.slug}").json()

    tracks = {t["id"]: t for t in body["tracks"]}
    assert [p["kind"] for p in tracks[track.pk]["phases"]] == ["results"]
    assert tracks[other.pk]["phases"] == []
    assert [p["kind"] for p in body["phases"]] == ["call", "screening", "voting", "review", "results"]
