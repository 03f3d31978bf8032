"""A phone number counts only once verified with a code: an unverified claim
reserves nothing, the owner who verifies it wins and the claim is cleared,
and one verified number belongs to one account (in the database)."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client

from portal import outbox, services
from portal.exceptions import PortalError
from portal.models import User
from tests import factories

SIGNUP = "/accounts/signup/"
LOGIN = "/accounts/login/"
CONFIRM_LOGIN_CODE = "/accounts/login/code/confirm/"
VERIFY_PHONE = "/accounts/phone/verify/"
MOBILE = "13800138000"
E164 = "+8613800138000"


def squatter(**extra) -> User:
    """An account that typed the neighbour's number and never got its code."""
    user = factories.UserFactory(phone=E164, phone_verified=False, **extra)
    return user


def sign_up_and_verify(client: Client) -> User:
    response = client.post(SIGNUP, {"phone": MOBILE})
    assert response.status_code == 302 and response["Location"] == VERIFY_PHONE
    response = client.post(VERIFY_PHONE, {"code": outbox.latest_code(to=E164)})
    assert response.status_code == 302
    return User.objects.get(phone=E164, phone_verified=True)


@pytest.mark.django_db
def test_owner_signs_up_with_a_number_a_squatter_claimed_and_the_claim_is_cleared(client):
    other = squatter(email="squatter@example.cn")

    owner = sign_up_and_verify(client)

    assert owner.pk != other.pk and owner.is_verified
    other.refresh_from_db()
    assert other.phone is None and not other.phone_verified and other.is_active  # keeps its own email
    assert [u.pk for u in User.objects.filter(phone=E164)] == [owner.pk]


@pytest.mark.django_db
def test_phone_only_squatter_account_is_closed_when_the_owner_verifies():
    other = factories.UserFactory(email=None, phone=E164, phone_verified=False)
    owner = factories.ResidentFactory()

    services.verify_phone(user=owner, phone=E164)

    other.refresh_from_db()
    assert other.phone is None and other.email is None and not other.is_active
    owner.refresh_from_db()
    assert owner.phone == E164 and owner.phone_verified


@pytest.mark.django_db
def test_signup_with_a_verified_number_looks_alike_and_creates_nothing(client):
    owner = factories.ResidentFactory(phone=E164, phone_verified=True)
    fresh = Client().post(SIGNUP, {"phone": "13900139000"})
    before = User.objects.count()

    response = client.post(SIGNUP, {"phone": MOBILE})

    # Same answer as for a free number (no enumeration); the owner is told by SMS.
    assert response.status_code == fresh.status_code == 302
    assert response["Location"] == fresh["Location"] == VERIFY_PHONE
    assert User.objects.count() == before
    assert "此号码已注册" in outbox.read_messages(to=E164, channel="sms")[-1]["body"]
    owner.refresh_from_db()
    assert owner.phone == E164 and owner.phone_verified


@pytest.mark.django_db
def test_sign_in_code_for_a_claimed_number_never_opens_the_squatters_account():
    other = squatter(email="squatter@example.cn")
    client = Client()

    client.post(LOGIN, {"login": MOBILE})
    code = outbox.latest_code(to=E164)
    if code:
        client.post(CONFIRM_LOGIN_CODE, {"code": code})

    other.refresh_from_db()
    assert not other.phone_verified and other.verified_at is None
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_second_account_cannot_verify_a_number_already_verified():
    first = factories.ResidentFactory(phone=E164, phone_verified=True)
    second = factories.ResidentFactory()

    with pytest.raises(PortalError) as info:
        services.verify_phone(user=second, phone=E164)

    assert info.value.code == "phone_taken" and info.value.status == 409
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.phone is None and not second.phone_verified
    assert first.phone == E164 and first.phone_verified and first.is_active


@pytest.mark.django_db
def test_database_refuses_two_accounts_with_one_verified_number():
    factories.ResidentFactory(phone=E164, phone_verified=True)
    second = factories.ResidentFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=second.pk).update(phone=E164, phone_verified=True)


@pytest.mark.django_db
def test_unverified_numbers_may_repeat():
    one = factories.UserFactory(phone=E164)
    two = factories.UserFactory(phone=E164)
    assert User.objects.filter(phone=E164).count() == 2 and one.pk != two.pk


@pytest.mark.django_db(transaction=True)
def test_two_accounts_verifying_one_number_at_once_leave_exactly_one_owner():
    accounts = [factories.ResidentFactory(phone=E164, phone_verified=False) for _n in range(4)]
    barrier = threading.Barrier(len(accounts))
    results = [None] * len(accounts)

    def run(index, user):
        try:
            barrier.wait()
            services.verify_phone(user=user, phone=E164)
            results[index] = "verified"
        except PortalError as error:
            results[index] = error.code
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, u)) for i, u in enumerate(accounts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == ["phone_taken"] * 3 + ["verified"]
    [owner] = User.objects.filter(phone=E164)
    assert owner.phone_verified and owner.pk == accounts[results.index("verified")].pk
