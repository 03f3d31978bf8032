"""Invariants the database keeps, and the transition table."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.enums import TRANSITIONS, EntryAction, EntryState
from cases.models import EntryImage, Phase
from tests import factories

pytestmark = pytest.mark.django_db


def test_database_refuses_overlapping_phases_of_one_campaign():
    campaign = factories.CampaignFactory(timeline={})
    now = timezone.now()
    Phase.objects.create(campaign=campaign, kind="call", starts_at=now, ends_at=now + dt.timedelta(days=3))
    with pytest.raises(IntegrityError), transaction.atomic():
        Phase.objects.create(campaign=campaign, kind="screening", starts_at=now + dt.timedelta(days=2), ends_at=now + dt.timedelta(days=4))
    # Touching end to start is fine, and other campaigns are independent.
    Phase.objects.create(campaign=campaign, kind="screening", starts_at=now + dt.timedelta(days=3), ends_at=now + dt.timedelta(days=4))
    other = factories.CampaignFactory(timeline={})
    Phase.objects.create(campaign=other, kind="call", starts_at=now, ends_at=now + dt.timedelta(days=3))


def test_database_refuses_an_empty_phase():
    campaign = factories.CampaignFactory(timeline={})
    now = timezone.now()
    with pytest.raises(IntegrityError):
        Phase.objects.create(campaign=campaign, kind="call", starts_at=now, ends_at=now)


def test_database_refuses_a_tenth_image():
    entry = factories.CaseEntryFactory()
    with pytest.raises(IntegrityError):
        EntryImage.objects.create(entry=entry, position=9, image="a.jpg", thumbnail="a_t.jpg")


def test_changes_requested_needs_a_deadline_in_the_database():
    entry = factories.CaseEntryFactory(state=EntryState.SUBMITTED)
    entry.state = EntryState.CHANGES_REQUESTED
    with pytest.raises(IntegrityError):
        entry.save()


# The whole table, spelled out: (action, from) -> to; anything else is refused.
ALLOWED = {
    (EntryAction.SUBMIT, EntryState.DRAFT): EntryState.SUBMITTED,
    (EntryAction.SUBMIT, EntryState.CHANGES_REQUESTED): EntryState.SUBMITTED,
    (EntryAction.WITHDRAW, EntryState.DRAFT): EntryState.WITHDRAWN,
    (EntryAction.WITHDRAW, EntryState.SUBMITTED): EntryState.WITHDRAWN,
    (EntryAction.WITHDRAW, EntryState.CHANGES_REQUESTED): EntryState.WITHDRAWN,
    (EntryAction.ACCEPT, EntryState.SUBMITTED): EntryState.ACCEPTED,
    (EntryAction.ACCEPT, EntryState.CHANGES_REQUESTED): EntryState.ACCEPTED,
    (EntryAction.ACCEPT, EntryState.REJECTED): EntryState.ACCEPTED,
    (EntryAction.REJECT, EntryState.SUBMITTED): EntryState.REJECTED,
    (EntryAction.REJECT, EntryState.CHANGES_REQUESTED): EntryState.REJECTED,
    (EntryAction.REJECT, EntryState.ACCEPTED): EntryState.REJECTED,
    (EntryAction.REQUEST_CHANGES, EntryState.SUBMITTED): EntryState.CHANGES_REQUESTED,
    (EntryAction.REQUEST_CHANGES, EntryState.ACCEPTED): EntryState.CHANGES_REQUESTED,
}


@pytest.mark.parametrize("action", list(TRANSITIONS))
@pytest.mark.parametrize("state", EntryState.values)
def test_transition_table(action, state):
    assert TRANSITIONS[action].get(state) == ALLOWED.get((action, state))
