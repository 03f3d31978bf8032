"""Exporting case entries (with their contact people) asks for the second
factor again when the last authentication is older than 15 minutes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories
from tests.signin import sign_in, totp_now

pytestmark = pytest.mark.django_db


def test_export_16_minutes_after_signing_in_asks_for_the_code_then_exports(client, organiser, campaign):
    factories.CaseEntryFactory(campaign=campaign, title="加装电梯")
    sign_in(client, organiser, minutes_ago=16)
    url = reverse("cases:screening-csv", kwargs={"slug": campaign.slug})

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))
    export = client.post(response["Location"], {"code": totp_now()}, follow=True)
    assert export["Content-Type"].startswith("text/csv")
    assert "加装电梯" in export.content.decode("utf-8-sig")
