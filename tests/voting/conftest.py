"""A campaign whose vote is open now, with cases on its board."""

from __future__ import annotations

import pytest

from tests import factories


@pytest.fixture
def campaign(db):
    return factories.CampaignFactory(timeline=factories.campaign_timeline(open_phase="voting"))


@pytest.fixture
def cases(campaign):
    return [factories.CaseEntryFactory(campaign=campaign) for _n in range(12)]


@pytest.fixture
def case(cases):
    return cases[0]


@pytest.fixture
def voter(db):
    return factories.ResidentFactory(with_phone=True)
