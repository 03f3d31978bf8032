"""Organisers set a track's rules (issue 19, item 3) through one service and
its API: the limit of live entries per unit and the number of awards, in
bounds, never below a slot a unit already holds, frozen once the campaign's
voting opens; each change in the audit log; an entry being made and a rules
change wait for each other (the track's row lock)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from cases import services
from cases.enums import EntryState
from cases.exceptions import CaseError
from cases.models import CaseEntry, Track
from portal.enums import AuditAction
from portal.exceptions import PermissionDeniedError
from portal.models import AuditEntry
from tests import factories
from tests.cases.conftest import complete_fields

pytestmark = pytest.mark.django_db


def rules_of(track):
    return tuple(Track.objects.filter(pk=track.pk).values_list("entry_limit_per_unit", "awards").get())


def test_an_organiser_sets_a_tracks_limit_and_awards_and_the_change_is_audited(organiser, track):
    services.update_track_rules(actor=organiser, track=track, entry_limit_per_unit=2, awards=15)

    assert rules_of(track) == (2, 15)
    entry = AuditEntry.objects.get(action=AuditAction.TRACK_RULES_CHANGED)
    assert entry.actor == organiser
    assert entry.details["old"] == {"entry_limit_per_unit": None, "awards": None}
    assert entry.details["new"] == {"entry_limit_per_unit": 2, "awards": 15}


def test_an_unchanged_rule_writes_no_audit_entry(organiser, track):
    services.update_track_rules(actor=organiser, track=track, entry_limit_per_unit=None, awards=None)

    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("role", ["unit_staff", "reviewer", "resident", "anonymous"])
def test_only_organisers_change_a_tracks_rules(role, track):
    from django.contrib.auth.models import AnonymousUser

    actor = {"resident": lambda: factories.ResidentFactory(), "anonymous": AnonymousUser}.get(
        role, lambda: factories.StaffFactory(role=role))()
    with pytest.raises(PermissionDeniedError):
        services.update_track_rules(actor=actor, track=track, entry_limit_per_unit=1, awards=3)

    assert rules_of(track) == (None, None) and not AuditEntry.objects.exists()


@pytest.mark.parametrize(("field", "value"), [("entry_limit_per_unit", 0), ("entry_limit_per_unit", -1),
                                              ("entry_limit_per_unit", 21), ("awards", 0), ("awards", -5),
                                              ("awards", 501)])
def test_a_rule_out_of_bounds_is_refused_by_the_service(organiser, track, field, value):
    rules = {"entry_limit_per_unit": None, "awards": None, field: value}

    with pytest.raises(CaseError) as refused:
        services.update_track_rules(actor=organiser, track=track, **rules)

    assert refused.value.code == "out_of_bounds" and refused.value.field == field
    assert rules_of(track) == (None, None) and not AuditEntry.objects.exists()


def test_rules_are_frozen_once_voting_opens(organiser):
    campaign = factories.CampaignFactory(timeline=factories.campaign_timeline(open_phase="voting"))
    track = campaign.tracks.get()

    with pytest.raises(CaseError) as refused:
        services.update_track_rules(actor=organiser, track=track, entry_limit_per_unit=1, awards=3)

    assert refused.value.code == "voting_started" and refused.value.status == 409
    assert rules_of(track) == (None, None)


def test_the_limit_never_drops_below_a_slot_a_unit_holds(organiser, unit_staff, campaign, track):
    for n in range(3):
        services.create_entry(actor=unit_staff, campaign=campaign, **complete_fields(campaign, title=f"案例{n}"))
    first = CaseEntry.objects.get(slot=1)
    services.withdraw_entry(actor=unit_staff, entry=first)

    # Two live entries, but in slots 2 and 3: a limit of 2 would hand slot 1 out again (three live).
    with pytest.raises(CaseError) as refused:
        services.update_track_rules(actor=organiser, track=track, entry_limit_per_unit=2, awards=None)

    assert refused.value.code == "limit_below_entries" and refused.value.status == 409
    assert rules_of(track) == (None, None)
    services.update_track_rules(actor=organiser, track=track, entry_limit_per_unit=3, awards=None)
    assert rules_of(track) == (3, None)


@pytest.mark.django_db(transaction=True)
def test_an_entry_made_while_the_limit_is_lowered_waits_and_follows_the_new_limit(organiser, unit_staff):
    campaign = factories.CampaignFactory(entry_limit_per_track=2)
    track = campaign.tracks.get()
    fields = complete_fields(campaign)
    services.create_entry(actor=unit_staff, campaign=campaign, **(fields | {"title": "已报"}))
    outcome = []
    lowered = threading.Event()
    release = threading.Event()

    def lower_the_limit():
        from django.db import transaction
        try:
            with transaction.atomic():
                services.update_track_rules(actor=organiser, track=track, entry_limit_per_unit=1, awards=None)
                lowered.set()
                release.wait(10)
        finally:
            connection.close()

    def enter():
        try:
            services.create_entry(actor=unit_staff, campaign=campaign, **(fields | {"title": "第二个"}))
            outcome.append("ok")
        except CaseError as exc:
            outcome.append(exc.code)
        finally:
            connection.close()

    organiser_thread = threading.Thread(target=lower_the_limit)
    organiser_thread.start()
    assert lowered.wait(10)
    unit_thread = threading.Thread(target=enter)
    unit_thread.start()
    unit_thread.join(1.0)
    waiting = unit_thread.is_alive()  # blocked on the track's row, not deciding on the old limit
    release.set()
    organiser_thread.join()
    unit_thread.join()

    assert waiting and outcome == ["track_limit"]
    assert CaseEntry.objects.filter(campaign=campaign).exclude(state=EntryState.WITHDRAWN).count() == 1


# The API: PATCH /api/v1/campaigns/{slug}/tracks/{track_id}


@pytest.fixture
def api():
    return APIClient()


def url(track, campaign=None):
    return f"/api/v1/campaigns/{(campaign or track.campaign).slug}/tracks/{track.pk}"


def test_an_organiser_patches_a_tracks_rules_through_the_api(api, organiser, track):
    api.force_authenticate(organiser)

    response = api.patch(url(track), {"awards": 30}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["awards"] == 30 and response.json()["entry_limit_per_unit"] is None
    assert rules_of(track) == (None, 30)


@pytest.mark.parametrize("role", ["unit_staff", "reviewer", "resident"])
def test_the_api_refuses_other_roles(api, track, role):
    actor = factories.ResidentFactory() if role == "resident" else factories.StaffFactory(role=role)
    api.force_authenticate(actor)

    response = api.patch(url(track), {"awards": 30}, format="json")

    assert response.status_code == 403 and response.json()["error"]["code"]
    assert rules_of(track) == (None, None)


def test_the_api_refuses_visitors(api, track):
    assert api.patch(url(track), {"awards": 30}, format="json").status_code in (401, 403)
    assert rules_of(track) == (None, None)


@pytest.mark.parametrize("body", [{"entry_limit_per_unit": -1}, {"entry_limit_per_unit": 21}, {"awards": 0},
                                  {"awards": 501}, {"awards": "many"}, {"awards": True}])
def test_the_api_refuses_bad_rules(api, organiser, track, body):
    api.force_authenticate(organiser)

    response = api.patch(url(track), body, format="json")

    assert response.status_code == 400 and set(response.json()["error"]["fields"]) == set(body)
    assert rules_of(track) == (None, None)


def test_another_campaigns_track_or_a_forged_id_is_not_found(api, organiser, track):
    other = factories.CampaignFactory().tracks.get()
    api.force_authenticate(organiser)

    assert api.patch(url(other, campaign=track.campaign), {"awards": 3}, format="json").status_code == 404
    assert api.patch(f"/api/v1/campaigns/{track.campaign.slug}/tracks/999999", {"awards": 3},
                     format="json").status_code == 404
    assert rules_of(other) == (None, None)


def test_the_api_answers_409_once_voting_opens(api, organiser):
    track = factories.CampaignFactory(timeline=factories.campaign_timeline(open_phase="voting")).tracks.get()
    api.force_authenticate(organiser)

    response = api.patch(url(track), {"awards": 3}, format="json")

    assert response.status_code == 409 and response.json()["error"]["code"] == "voting_started"


def test_too_many_changes_are_refused_with_429(api, organiser, track, settings):
    settings.PORTAL_RATE_LIMITS = {**settings.PORTAL_RATE_LIMITS, "cases.track_rules": {"user": "2/h"}}
    api.force_authenticate(organiser)

    answers = [api.patch(url(track), {"awards": n}, format="json").status_code for n in (5, 6, 7)]

    assert answers == [200, 200, 429]
    assert rules_of(track) == (None, 6)
