"""Revealing a resident's contact asks for the second factor again when the
last authentication is older than 15 minutes, by page and by API."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from appeals.models import ContactView
from tests import factories
from tests.signin import sign_in, totp_now

pytestmark = pytest.mark.django_db

PHONE = "13800138000"
REASON = {"purpose": "callback"}


def test_reveal_16_minutes_after_signing_in_sends_to_reauthentication(client, world, dispatched):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        sign_in(client, world.bureau_staff)
        traveller.shift(datetime.timedelta(minutes=16))
        response = client.post(reverse("appeals:contact", args=[dispatched.pk]), REASON)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))
    assert not ContactView.objects.exists()


def test_reveal_14_minutes_after_signing_in_needs_no_new_code(client, world, dispatched):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        sign_in(client, world.bureau_staff)
        traveller.shift(datetime.timedelta(minutes=14))
        response = client.post(reverse("appeals:contact", args=[dispatched.pk]), REASON)

    assert PHONE in response.content.decode()
    assert ContactView.objects.count() == 1


def test_contact_is_revealed_once_the_second_factor_is_given_again(client, world, dispatched):
    sign_in(client, world.bureau_staff, minutes_ago=16)
    reauthenticate = client.post(reverse("appeals:contact", args=[dispatched.pk]), REASON)["Location"]
    assert "动态口令" in client.get(reauthenticate).content.decode()

    response = client.post(reauthenticate, {"code": totp_now()})

    assert PHONE in response.content.decode()
    assert ContactView.objects.count() == 1


def test_htmx_reveal_sends_the_whole_page_to_reauthentication_and_replays_as_a_page(client, world, dispatched):
    """The reveal button posts with htmx: following a redirect, htmx would put
    the reauthentication page inside the form. The browser is sent there
    instead (HX-Redirect), and after the code the reveal is replayed as a
    page, not as the fragment the form asked for."""
    sign_in(client, world.bureau_staff, minutes_ago=16)
    response = client.post(reverse("appeals:contact", args=[dispatched.pk]), REASON, HTTP_HX_REQUEST="true")

    assert response.status_code == 200 and response["HX-Redirect"].startswith(reverse("mfa_reauthenticate"))
    assert not ContactView.objects.exists()
    done = client.post(response["HX-Redirect"], {"code": totp_now()})
    page = done.content.decode()
    assert PHONE in page and "<html" in page
    assert ContactView.objects.count() == 1


def test_wrong_code_on_reauthentication_reveals_nothing(client, world, dispatched):
    sign_in(client, world.bureau_staff, minutes_ago=16)
    reauthenticate = client.post(reverse("appeals:contact", args=[dispatched.pk]), REASON)["Location"]
    code = totp_now()

    response = client.post(reauthenticate, {"code": f"{(int(code) + 1) % 1_000_000:06d}"})

    assert PHONE not in response.content.decode()
    assert not ContactView.objects.exists()


def test_api_session_must_have_authenticated_within_15_minutes_to_reveal(world, dispatched):
    api = APIClient()
    sign_in(api, world.bureau_staff, minutes_ago=16)

    refused = api.post(f"/api/v1/appeals/{dispatched.pk}/contact", {"reason": "回访"}, format="json")

    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "reauthentication_required"
    assert not ContactView.objects.exists()
    sign_in(api, world.bureau_staff)
    assert api.post(f"/api/v1/appeals/{dispatched.pk}/contact", {"reason": "回访"}, format="json").json()["phone"] == PHONE


def test_read_write_token_reveals_and_read_only_token_never_does(world, dispatched):
    staff = world.bureau_staff
    for scope, status in (("read", 403), ("read_write", 200)):
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {factories.ApiTokenFactory(user=staff, scope=scope).secret}")
        assert api.post(f"/api/v1/appeals/{dispatched.pk}/contact", {"reason": "回访"}, format="json").status_code == status, scope
    assert ContactView.objects.count() == 1
