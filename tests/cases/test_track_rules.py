"""Per-track rules (issue 19, item 3): a track may set its own limit of live
entries per unit (else the campaign's applies) and its number of awards;
the service hands out slots within the track's limit under the unit's row
lock (the database keeps one live entry per slot and the rules in bounds)."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from cases import services
from cases.exceptions import CaseError
from cases.models import CaseEntry, Track
from tests import factories
from tests.cases.conftest import complete_fields


def test_a_tracks_own_limit_per_unit_overrides_the_campaigns(unit_staff, campaign):
    track = campaign.tracks.get()
    Track.objects.filter(pk=track.pk).update(entry_limit_per_unit=1)
    services.create_entry(actor=unit_staff, campaign=campaign, **complete_fields(campaign, title="一"))

    with pytest.raises(CaseError) as refused:
        services.create_entry(actor=unit_staff, campaign=campaign, **complete_fields(campaign, title="二"))

    assert refused.value.code == "track_limit" and "1 个的上限" in refused.value.message
    assert CaseEntry.objects.filter(campaign=campaign).count() == 1


def test_a_track_without_its_own_limit_follows_the_campaigns(unit_staff):
    campaign = factories.CampaignFactory(entry_limit_per_track=2)
    wider = factories.TrackFactory(campaign=campaign, name="最佳回复单位", entry_limit_per_unit=4)
    for n in range(2):
        services.create_entry(actor=unit_staff, campaign=campaign, **complete_fields(campaign, title=f"案例{n}"))
    with pytest.raises(CaseError):
        services.create_entry(actor=unit_staff, campaign=campaign, **complete_fields(campaign, title="第三个"))
    slots = [services.create_entry(actor=unit_staff, campaign=campaign,
                                   **complete_fields(campaign, track=wider, title=f"单位{n}")).slot for n in range(4)]

    assert slots == [1, 2, 3, 4]


def test_another_campaigns_track_is_refused(unit_staff, campaign):
    other = factories.CampaignFactory().tracks.get()

    with pytest.raises(CaseError) as refused:
        services.create_entry(actor=unit_staff, campaign=campaign, **complete_fields(campaign, track=other))

    assert refused.value.code == "bad_track" and not CaseEntry.objects.exists()


@pytest.mark.parametrize(("field", "value"), [("entry_limit_per_unit", 0), ("entry_limit_per_unit", 21),
                                              ("awards", 0), ("awards", 501)])
def test_the_database_refuses_a_track_rule_out_of_bounds(campaign, field, value):
    track = campaign.tracks.get()

    with pytest.raises(IntegrityError), transaction.atomic():
        Track.objects.filter(pk=track.pk).update(**{field: value})

    track.refresh_from_db()
    assert (track.entry_limit_per_unit, track.awards) == (None, None)


def test_a_track_keeps_its_number_of_awards(campaign):
    track = campaign.tracks.get()
    Track.objects.filter(pk=track.pk).update(awards=30)

    assert Track.objects.get(pk=track.pk).awards == 30


@pytest.mark.django_db(transaction=True)
def test_concurrent_entries_of_one_unit_never_exceed_the_tracks_limit(unit_staff):
    campaign = factories.CampaignFactory(entry_limit_per_track=3)
    Track.objects.filter(campaign=campaign).update(entry_limit_per_unit=1)
    fields = complete_fields(campaign)
    outcomes = []
    barrier = threading.Barrier(4)

    def enter(n):
        try:
            barrier.wait()
            services.create_entry(actor=unit_staff, campaign=campaign, **(fields | {"title": f"并发{n}"}))
            outcomes.append("ok")
        except CaseError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=enter, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["ok", "refused", "refused", "refused"]
    assert CaseEntry.objects.filter(campaign=campaign).count() == 1


def test_the_campaign_admin_edits_a_tracks_limit_and_awards(client, superuser, campaign):
    from django.urls import reverse

    client.force_login(superuser)
    page = client.get(reverse("admin:cases_campaign_change", args=[campaign.pk])).content.decode()

    assert 'name="tracks-0-entry_limit_per_unit"' in page and 'name="tracks-0-awards"' in page


@pytest.mark.parametrize(("field", "value"), [("entry_limit_per_unit", 21), ("awards", 0)])
def test_the_admin_form_refuses_a_rule_out_of_bounds_before_the_database(campaign, field, value):
    from django.core.exceptions import ValidationError

    track = campaign.tracks.get()
    setattr(track, field, value)

    with pytest.raises(ValidationError) as refused:
        track.full_clean()

    assert field in refused.value.message_dict


def test_the_api_shows_each_tracks_limit_and_awards(client, campaign):
    Track.objects.filter(campaign=campaign).update(entry_limit_per_unit=1, awards=15)

    tracks = client.get(f"/api/v1/campaigns/{campaign.slug}").json()["tracks"]

    assert [(t["entry_limit_per_unit"], t["awards"]) for t in tracks] == [(1, 15)]
