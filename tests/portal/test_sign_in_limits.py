"""Failed sign-ins are throttled per account and per IP address, with one
message whether or not the account exists (allauth's `login_failed` and
`request_login_code` limits in ACCOUNT_RATE_LIMITS, measured here)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user
from django.test import Client
from django.utils import timezone

from portal import outbox
from tests import factories

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
REQUEST_CODE = "/accounts/login/code/"
CONFIRM_LOGIN_CODE = "/accounts/login/code/confirm/"
TOO_MANY = "尝试次数过多，请稍后重新获取验证码再试。"


def password(client, login: str, secret: str, ip: str = "203.0.113.7"):
    return client.post(LOGIN, {"login": login, "password": secret, "method": "password"}, REMOTE_ADDR=ip)


def signed_in(client) -> bool:
    return get_user(client).is_authenticated


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(client):
    staff = factories.StaffFactory(with_totp=False)
    for _attempt in range(5):
        password(client, staff.email, "wrong-pass-1")

    response = password(client, staff.email, factories.TEST_PASSWORD)

    assert TOO_MANY in response.content.decode()
    assert not signed_in(client)


def test_lock_is_per_account_not_for_everyone(client):
    locked, other = factories.StaffFactory(with_totp=False), factories.StaffFactory(with_totp=False)
    for _attempt in range(5):
        password(client, locked.email, "wrong-pass-1", ip="203.0.113.1")

    password(client, other.email, factories.TEST_PASSWORD, ip="203.0.113.2")

    assert signed_in(client)


def test_phone_numbers_each_have_their_own_lock(client):
    """allauth keys its counter by email or username only: every phone number
    shared one counter, so five failures on any number locked all of them."""
    now = timezone.now()
    locked = factories.UserFactory(email=None, phone="+8613800138001", phone_verified=True, verified_at=now)
    other = factories.UserFactory(email=None, phone="+8613800138002", phone_verified=True, verified_at=now)
    for _attempt in range(5):
        password(client, "13800138001", "wrong-pass-1", ip="203.0.113.1")
    assert TOO_MANY in password(client, "13800138001", factories.TEST_PASSWORD, ip="203.0.113.1").content.decode()

    password(client, "13800138002", factories.TEST_PASSWORD, ip="203.0.113.2")

    assert get_user(client) == other
    assert not get_user(client) == locked


def test_an_unknown_account_gets_the_same_answers_as_a_real_one(client):
    staff = factories.StaffFactory(with_totp=False)
    answers = {}
    for login in (staff.email, "nobody@example.cn"):
        first = password(client, login, "wrong-pass-1", ip="198.51.100.1").content.decode()
        for _attempt in range(4):
            password(client, login, "wrong-pass-1", ip="198.51.100.1")
        locked = password(client, login, "wrong-pass-1", ip="198.51.100.2").content.decode()
        answers[login] = ("邮箱或密码不正确" in first, TOO_MANY in locked)
    assert answers[staff.email] == answers["nobody@example.cn"] == (True, True)


def test_ten_failures_from_one_address_throttle_every_account_from_it(client):
    accounts = [factories.StaffFactory(with_totp=False) for _n in range(11)]
    for account in accounts[:10]:
        password(client, account.email, "wrong-pass-1", ip="192.0.2.9")

    from_same = password(client, accounts[10].email, factories.TEST_PASSWORD, ip="192.0.2.9")

    assert TOO_MANY in from_same.content.decode()
    assert not signed_in(client)
    password(client, accounts[10].email, factories.TEST_PASSWORD, ip="192.0.2.10")
    assert signed_in(client)


def test_code_sign_in_allows_three_guesses_per_code(client, resident):
    client.post(LOGIN, {"login": resident.email})
    code = outbox.latest_code(to=resident.email)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _attempt in range(3):
        client.post(CONFIRM_LOGIN_CODE, {"code": wrong})

    client.post(CONFIRM_LOGIN_CODE, {"code": code})

    assert not signed_in(client)


def test_code_requests_are_limited_per_account_and_answered_alike_for_unknown_ones(client, resident):
    answers = []
    for login in (resident.email, "nobody@example.cn"):
        for _attempt in range(3):  # ACCOUNT_RATE_LIMITS: 3/5m/key
            Client().post(REQUEST_CODE, {"login": login}, REMOTE_ADDR="198.51.100.7")  # a fresh session each time
        answers.append(TOO_MANY in Client().post(REQUEST_CODE, {"login": login}, REMOTE_ADDR="198.51.100.8").content.decode())
    assert answers == [True, True]
    assert len(outbox.read_messages(to=resident.email)) == 3
