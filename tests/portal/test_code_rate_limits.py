"""An SMS code costs money: no SMS bombing. Sign-ups and requests for
sign-in or phone-verification codes are limited per phone number or e-mail
(however many addresses the requests come from) and per IP address
(however many numbers it asks for), against the real Redis; a limited
request is told so plainly and sends nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from portal import outbox
from portal.models import User
from tests import factories

pytestmark = pytest.mark.django_db

SIGNUP = "/accounts/signup/"
LOGIN = "/accounts/login/"
REQUEST_CODE = "/accounts/login/code/"
CHANGE_PHONE = "/accounts/phone/change/"
E164 = "+8613800138000"
MOBILE = "13800138000"
LIMITED = ("操作太频繁，请稍后再试。", "尝试次数过多，请稍后重新获取验证码再试。")


def from_ip(number: int) -> Client:
    return Client(REMOTE_ADDR=f"27.38.{number // 250}.{number % 250 + 1}")


def told_limited(response) -> bool:
    return response.status_code == 429 or any(text in response.content.decode() for text in LIMITED)


def sms_to(phone: str) -> int:
    return len(outbox.read_messages(to=phone, channel="sms"))


def test_sign_in_codes_for_one_number_from_many_addresses_are_limited():
    factories.UserFactory(email=None, phone=E164, phone_verified=True)

    answers = [from_ip(n).post(REQUEST_CODE, {"login": MOBILE}) for n in range(12)]

    assert sms_to(E164) == 3  # 3 per 5 minutes per number
    assert all(told_limited(answer) for answer in answers[3:])


def test_sign_in_codes_for_many_numbers_from_one_address_are_limited():
    numbers = [f"1390013{n:04d}" for n in range(12)]

    answers = [from_ip(1).post(REQUEST_CODE, {"login": number}) for number in numbers]

    sent = sum(sms_to(f"+86{number}") for number in numbers)
    assert sent == 10  # 10 per minute per address, "no such account" texts included
    assert all(told_limited(answer) for answer in answers[10:])


def test_sign_ups_with_many_numbers_from_one_address_are_limited():
    numbers = [f"1390014{n:04d}" for n in range(7)]

    answers = [from_ip(2).post(SIGNUP, {"phone": number}) for number in numbers]

    assert User.objects.count() == 5 and sum(sms_to(f"+86{n}") for n in numbers) == 5
    assert all(answer.status_code == 429 for answer in answers[5:])
    assert "操作太频繁，请稍后再试。" in answers[-1].content.decode()


def test_sign_ups_with_one_number_from_many_addresses_send_one_code():
    answers = [from_ip(n).post(SIGNUP, {"phone": MOBILE}) for n in range(6)]

    assert sms_to(E164) == 1  # one code per 30 seconds per number
    assert all(answer.status_code == 429 for answer in answers[1:])
    assert "操作太频繁，请稍后再试。" in answers[-1].content.decode()
    assert not User.objects.filter(phone_verified=True).exists()


def test_phone_verification_codes_for_many_numbers_from_one_address_are_limited():
    numbers = [f"1390015{n:04d}" for n in range(7)]
    users = [factories.ResidentFactory() for _number in numbers]  # one number each: 1 change a minute per account
    answers = []
    for user, number in zip(users, numbers):
        client = from_ip(3)
        client.force_login(user)
        answers.append(client.post(CHANGE_PHONE, {"phone": number}))

    assert sum(sms_to(f"+86{n}") for n in numbers) == 5  # 5 per minute per address
    assert all(answer.status_code == 429 for answer in answers[5:])
    assert "操作太频繁，请稍后再试。" in answers[-1].content.decode()
    assert not User.objects.filter(phone_verified=True).exists()
