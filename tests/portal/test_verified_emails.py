"""An e-mail address counts only once verified with a code: an account that
typed someone else's address blocks nobody, the owner who verifies it wins
and the claim is cleared, and a sign-in code to the address never opens the
claimant's account."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user
from django.db import IntegrityError, transaction
from django.test import Client

from portal import outbox
from portal.models import User
from tests import factories

pytestmark = pytest.mark.django_db

SIGNUP = "/accounts/signup/"
LOGIN = "/accounts/login/"
CONFIRM_LOGIN_CODE = "/accounts/login/code/confirm/"
CONFIRM_EMAIL = "/accounts/confirm-email/"
OWNER = "owner@example.cn"


def squatter(**extra) -> User:
    """Typed the neighbour's address beside a number of its own and never
    confirmed the address."""
    user = factories.UserFactory(email=OWNER, **extra)
    EmailAddress.objects.create(user=user, email=OWNER, verified=False, primary=True)
    return user


def test_owner_signs_up_with_an_address_a_squatter_claimed_and_the_claim_is_cleared(client):
    other = squatter(phone="+8613600000001", phone_verified=True)

    response = client.post(SIGNUP, {"email": OWNER})
    assert response.status_code == 302 and response["Location"] == CONFIRM_EMAIL
    client.post(CONFIRM_EMAIL, {"code": outbox.latest_code(to=OWNER)})

    owner = get_user(client)
    assert owner.is_authenticated and owner.pk != other.pk and owner.is_verified
    assert EmailAddress.objects.get(email=OWNER, verified=True).user_id == owner.pk
    other.refresh_from_db()
    assert other.email is None and other.is_active  # keeps its own verified phone
    assert not EmailAddress.objects.filter(user=other).exists()


def test_email_only_squatter_account_is_closed_when_the_owner_verifies(client):
    other = squatter()

    client.post(SIGNUP, {"email": OWNER})
    client.post(CONFIRM_EMAIL, {"code": outbox.latest_code(to=OWNER)})

    other.refresh_from_db()
    assert other.email is None and not other.is_active


def test_sign_in_code_to_a_claimed_address_never_opens_the_squatters_account():
    other = squatter(phone="+8613600000001", phone_verified=True)
    client = Client()

    client.post(LOGIN, {"login": OWNER})
    code = outbox.latest_code(to=OWNER)
    if code:
        client.post(CONFIRM_LOGIN_CODE, {"code": code})

    assert not get_user(client).is_authenticated
    assert not EmailAddress.objects.filter(user=other, verified=True).exists()


def test_signup_with_a_verified_address_looks_alike_and_creates_nothing(client):
    factories.ResidentFactory(email=OWNER)
    fresh = Client().post(SIGNUP, {"email": "fresh@example.cn"})
    before = User.objects.count()

    response = client.post(SIGNUP, {"email": OWNER})

    assert response.status_code == fresh.status_code == 302
    assert response["Location"] == fresh["Location"]
    assert User.objects.count() == before
    assert outbox.read_messages(to=OWNER, channel="email")[-1]["subject"] == "【民心榜】此邮箱已注册"


def test_database_refuses_two_accounts_with_one_verified_address():
    factories.ResidentFactory(email=OWNER)
    other = factories.UserFactory(email="other@example.cn")

    with pytest.raises(IntegrityError), transaction.atomic():
        EmailAddress.objects.create(user=other, email=OWNER, verified=True, primary=False)
