"""Accounts end to end with Django's test client on the real PostgreSQL and
Redis: sign-up and sign-in by email or phone code, wrong, expired and
exhausted codes, rate limits, verification state, staff password sign-in and
the staff second factor, the WeChat button."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal import outbox
from portal.models import User
from tests import factories, signin

pytestmark = pytest.mark.django_db

SIGNUP = "/accounts/signup/"
LOGIN = "/accounts/login/"
REQUEST_CODE = "/accounts/login/code/"
CONFIRM_LOGIN_CODE = "/accounts/login/code/confirm/"
CONFIRM_EMAIL = "/accounts/confirm-email/"
VERIFY_PHONE = "/accounts/phone/verify/"
MFA_AUTHENTICATE = "/accounts/2fa/authenticate/"
MOBILE = "13800138000"
E164 = "+8613800138000"


def signed_in_user(client: Client):
    user = get_user(client)
    return user if user.is_authenticated else None


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def totp_now(secret: str = factories.TEST_TOTP_SECRET) -> str:
    return signin.totp_now(secret)


def page(response) -> str:
    return response.content.decode()


# --- Sign-up by email -----------------------------------------------------------------


def test_signup_by_email_sends_a_code_and_opens_the_code_page(client):
    response = client.post(SIGNUP, {"email": "Newcomer@Example.cn"})

    assert response.status_code == 302
    assert response["Location"] == CONFIRM_EMAIL
    user = User.objects.get(email="newcomer@example.cn")
    assert user.phone is None
    assert not user.is_verified
    assert signed_in_user(client) is None
    [mail] = outbox.read_messages(to="newcomer@example.cn", channel="email")
    assert mail["subject"] == "【民心榜】邮箱验证码"
    code = outbox.latest_code(to="newcomer@example.cn")
    assert code is not None and len(code) == 6

    code_page = client.get(CONFIRM_EMAIL)
    assert code_page.status_code == 200
    html = page(code_page)
    assert "newcomer@example.cn" in html
    assert '<label for="id_code">' in html
    assert 'autocomplete="one-time-code"' in html and 'inputmode="numeric"' in html


def test_email_code_confirms_the_address_signs_in_and_verifies(client):
    client.post(SIGNUP, {"email": "li@example.cn"})
    code = outbox.latest_code(to="li@example.cn")

    response = client.post(CONFIRM_EMAIL, {"code": code})

    assert response.status_code == 302
    user = User.objects.get(email="li@example.cn")
    assert user.is_verified
    assert EmailAddress.objects.get(user=user).verified
    assert signed_in_user(client) == user
    home = client.get("/")
    assert "未验证" not in page(home)


def test_wrong_email_code_is_refused_with_an_error_tied_to_the_field(client):
    client.post(SIGNUP, {"email": "wang@example.cn"})
    code = outbox.latest_code(to="wang@example.cn")

    response = client.post(CONFIRM_EMAIL, {"code": wrong(code)})

    assert response.status_code == 200
    html = page(response)
    assert "验证码不正确，请核对后重新输入。" in html
    assert 'aria-describedby="id_code_error"' in html
    assert 'id="id_code_error"' in html
    assert 'aria-invalid="true"' in html
    user = User.objects.get(email="wang@example.cn")
    assert not user.is_verified
    assert not EmailAddress.objects.get(user=user).verified
    assert signed_in_user(client) is None


def test_expired_email_code_no_longer_works(client):
    client.post(SIGNUP, {"email": "zhao@example.cn"})
    code = outbox.latest_code(to="zhao@example.cn")

    with time_machine.travel(timezone.now() + timedelta(minutes=16), tick=False):
        response = client.post(CONFIRM_EMAIL, {"code": code})

    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert not User.objects.get(email="zhao@example.cn").is_verified
    assert signed_in_user(client) is None


def test_third_wrong_email_code_ends_the_attempt(client):
    client.post(SIGNUP, {"email": "qian@example.cn"})
    code = outbox.latest_code(to="qian@example.cn")

    for _attempt in range(2):
        assert client.post(CONFIRM_EMAIL, {"code": wrong(code)}).status_code == 200
    last = client.post(CONFIRM_EMAIL, {"code": wrong(code)}, follow=True)

    assert last.redirect_chain[0] == (LOGIN, 302)
    assert "尝试次数过多，请稍后重新获取验证码再试。" in page(last)
    # The right code is useless now: the attempt is over.
    client.post(CONFIRM_EMAIL, {"code": code})
    assert not User.objects.get(email="qian@example.cn").is_verified
    assert signed_in_user(client) is None


def test_signup_code_can_be_sent_again(client):
    client.post(SIGNUP, {"email": "sun@example.cn"})
    first = outbox.latest_code(to="sun@example.cn")
    assert "重新发送验证码" in page(client.get(CONFIRM_EMAIL))

    with time_machine.travel(timezone.now() + timedelta(seconds=31), tick=False):
        client.post(CONFIRM_EMAIL, {"action": "resend"})
        second = outbox.latest_code(to="sun@example.cn")
        assert len(outbox.read_messages(to="sun@example.cn")) == 2
        client.post(CONFIRM_EMAIL, {"code": second})

    assert first is not None and second is not None
    assert User.objects.get(email="sun@example.cn").is_verified


def test_signup_with_an_email_already_registered_creates_nobody(client, resident):
    before = User.objects.count()

    response = client.post(SIGNUP, {"email": resident.email})

    # allauth does not reveal that the address exists; the owner gets a mail.
    assert response.status_code == 302
    assert User.objects.count() == before
    [mail] = outbox.read_messages(to=resident.email)
    assert mail["subject"] == "【民心榜】此邮箱已注册"
    assert signed_in_user(client) is None


# --- Sign-up by phone -----------------------------------------------------------------


def test_signup_by_phone_sends_an_sms_code_and_verifies_the_number(client):
    response = client.post(SIGNUP, {"phone": "138 0013 8000"})

    assert response.status_code == 302
    assert response["Location"] == VERIFY_PHONE
    user = User.objects.get(phone=E164)
    assert user.email is None and not user.phone_verified and not user.is_verified
    assert signed_in_user(client) is None
    [sms] = outbox.read_messages(to=E164, channel="sms")
    assert sms["body"].startswith("【民心榜】您的验证码是 ") and "5分钟内有效" in sms["body"]
    code_page = client.get(VERIFY_PHONE)
    assert E164 in page(code_page) and '<label for="id_code">' in page(code_page)

    response = client.post(VERIFY_PHONE, {"code": outbox.latest_code(to=E164)})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.phone_verified and user.is_verified
    assert signed_in_user(client) == user


def test_wrong_sms_code_is_refused(client):
    client.post(SIGNUP, {"phone": MOBILE})
    code = outbox.latest_code(to=E164)

    response = client.post(VERIFY_PHONE, {"code": wrong(code)})

    assert response.status_code == 200
    assert "验证码不正确，请核对后重新输入。" in page(response)
    user = User.objects.get(phone=E164)
    assert not user.phone_verified and not user.is_verified
    assert signed_in_user(client) is None


def test_expired_sms_code_no_longer_works(client):
    client.post(SIGNUP, {"phone": MOBILE})
    code = outbox.latest_code(to=E164)

    with time_machine.travel(timezone.now() + timedelta(minutes=6), tick=False):
        response = client.post(VERIFY_PHONE, {"code": code})

    assert response.status_code == 302
    assert response["Location"] == LOGIN
    user = User.objects.get(phone=E164)
    assert not user.phone_verified and not user.is_verified
    assert signed_in_user(client) is None


def test_third_wrong_sms_code_ends_the_attempt(client):
    client.post(SIGNUP, {"phone": MOBILE})
    code = outbox.latest_code(to=E164)

    for _attempt in range(2):
        client.post(VERIFY_PHONE, {"code": wrong(code)})
    last = client.post(VERIFY_PHONE, {"code": wrong(code)}, follow=True)

    assert "尝试次数过多，请稍后重新获取验证码再试。" in page(last)
    client.post(VERIFY_PHONE, {"code": code})
    assert not User.objects.get(phone=E164).is_verified
    assert signed_in_user(client) is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"phone": "12345"}, "请输入11位手机号"),
        ({"email": "not-an-address"}, "请输入合法的邮件地址。"),
        ({}, "请填写邮箱或手机号，用于接收验证码。"),
    ],
)
def test_bad_signup_input_shows_an_error_and_creates_nobody(client, data, message):
    response = client.post(SIGNUP, data)

    assert response.status_code == 200
    assert message in page(response)
    assert User.objects.count() == 0
    assert outbox.read_messages() == []


def test_signup_form_has_visible_labels_for_both_ways(client):
    html = page(client.get(SIGNUP))

    assert '<label for="id_email">邮箱' in html
    assert '<label for="id_phone">手机号' in html
    assert 'aria-describedby="id_email_helptext"' in html
    assert 'inputmode="tel"' in html


# --- Sign-in by code ------------------------------------------------------------------


def test_login_page_offers_a_code_first_and_a_password_for_staff(client):
    html = page(client.get(LOGIN))

    assert html.index('id="code-login-form"') < html.index('id="password-login-form"')
    assert "获取验证码" in html
    assert "工作人员用密码登录" in html
    assert '<label for="id_login">邮箱或手机号</label>' in html
    assert '<label for="id_password">密码</label>' in html


def test_login_by_email_code(client, resident):
    response = client.post(LOGIN, {"login": resident.email})

    assert response.status_code == 302
    assert response["Location"] == CONFIRM_LOGIN_CODE
    assert signed_in_user(client) is None
    [mail] = outbox.read_messages(to=resident.email)
    assert mail["subject"] == "【民心榜】登录验证码"

    response = client.post(CONFIRM_LOGIN_CODE, {"code": outbox.latest_code(to=resident.email)})

    assert response.status_code == 302
    assert signed_in_user(client) == resident


def test_login_by_phone_code_accepts_the_number_as_typed(client):
    user = factories.UserFactory(email=None, phone=E164, phone_verified=True, verified_at=timezone.now())

    response = client.post(LOGIN, {"login": "138-0013-8000"})

    assert response.status_code == 302
    assert response["Location"] == CONFIRM_LOGIN_CODE
    code_page = page(client.get(CONFIRM_LOGIN_CODE))
    assert E164 in code_page and "5分钟内有效" in code_page
    client.post(CONFIRM_LOGIN_CODE, {"code": outbox.latest_code(to=E164, channel="sms")})
    assert signed_in_user(client) == user


def test_request_code_page_takes_one_field(client, resident):
    html = page(client.get(REQUEST_CODE))
    assert '<label for="id_login">邮箱或手机号</label>' in html
    assert 'name="email"' not in html and 'name="phone"' not in html

    response = client.post(REQUEST_CODE, {"login": resident.email})

    assert response["Location"] == CONFIRM_LOGIN_CODE
    client.post(CONFIRM_LOGIN_CODE, {"code": outbox.latest_code(to=resident.email)})
    assert signed_in_user(client) == resident


def test_wrong_login_code_is_refused(client, resident):
    client.post(LOGIN, {"login": resident.email})
    code = outbox.latest_code(to=resident.email)

    response = client.post(CONFIRM_LOGIN_CODE, {"code": wrong(code)})

    assert response.status_code == 200
    assert "验证码不正确，请核对后重新输入。" in page(response)
    assert 'aria-describedby="id_code_error"' in page(response)
    assert signed_in_user(client) is None


def test_expired_login_code_no_longer_works(client, resident):
    client.post(LOGIN, {"login": resident.email})
    code = outbox.latest_code(to=resident.email)

    with time_machine.travel(timezone.now() + timedelta(minutes=5, seconds=1), tick=False):
        response = client.post(CONFIRM_LOGIN_CODE, {"code": code})

    assert response.status_code == 302
    assert response["Location"] == REQUEST_CODE
    assert signed_in_user(client) is None


def test_third_wrong_login_code_ends_the_attempt(client, resident):
    client.post(LOGIN, {"login": resident.email})
    code = outbox.latest_code(to=resident.email)

    for _attempt in range(2):
        assert client.post(CONFIRM_LOGIN_CODE, {"code": wrong(code)}).status_code == 200
    last = client.post(CONFIRM_LOGIN_CODE, {"code": wrong(code)}, follow=True)

    assert last.redirect_chain[0] == (REQUEST_CODE, 302)
    assert "尝试次数过多，请稍后重新获取验证码再试。" in page(last)
    client.post(CONFIRM_LOGIN_CODE, {"code": code})
    assert signed_in_user(client) is None


def test_code_for_an_unknown_address_signs_nobody_in(client):
    response = client.post(LOGIN, {"login": "stranger@example.cn"})

    # Same answer as for a known address (no enumeration); the mail says so.
    assert response["Location"] == CONFIRM_LOGIN_CODE
    [mail] = outbox.read_messages(to="stranger@example.cn")
    assert mail["subject"] == "【民心榜】此邮箱尚未注册"
    assert outbox.latest_code(to="stranger@example.cn") is None
    client.post(CONFIRM_LOGIN_CODE, {"code": "123456"})
    assert signed_in_user(client) is None
    assert User.objects.count() == 0


def test_bad_contact_on_login_is_refused_before_any_code_is_sent(client):
    response = client.post(LOGIN, {"login": "12345"})

    assert response.status_code == 200
    assert 'aria-describedby="id_login_helptext id_login_error"' in page(response)
    assert "请输入11位手机号" in page(response)
    assert outbox.read_messages() == []


def test_too_many_code_requests_for_one_address_are_refused(client, resident):
    # Fresh sessions each time (a pending code would just reopen its page).
    for _request in range(3):
        assert Client().post(REQUEST_CODE, {"login": resident.email}).status_code == 302

    response = client.post(REQUEST_CODE, {"login": resident.email})

    assert response.status_code == 200
    assert "尝试次数过多，请稍后重新获取验证码再试。" in page(response)
    assert len(outbox.read_messages(to=resident.email)) == 3
    assert signed_in_user(client) is None


# --- Unverified accounts --------------------------------------------------------------


def test_abandoned_email_signup_is_verified_by_login_code(client):
    client.post(SIGNUP, {"email": "zhou@example.cn"})
    user = User.objects.get(email="zhou@example.cn")
    assert not user.is_verified
    other = Client()

    other.post(LOGIN, {"login": "zhou@example.cn"})
    other.post(CONFIRM_LOGIN_CODE, {"code": outbox.latest_code(to="zhou@example.cn")})

    user.refresh_from_db()
    assert user.is_verified
    assert EmailAddress.objects.get(user=user).verified
    assert signed_in_user(other) == user


def test_abandoned_phone_signup_is_verified_by_login_code(client):
    client.post(SIGNUP, {"phone": MOBILE})
    user = User.objects.get(phone=E164)
    other = Client()

    other.post(LOGIN, {"login": MOBILE})
    other.post(CONFIRM_LOGIN_CODE, {"code": outbox.latest_code(to=E164)})

    user.refresh_from_db()
    assert user.is_verified and user.phone_verified
    assert signed_in_user(other) == user


def test_account_page_shows_an_unverified_resident_how_to_verify(client):
    user = factories.UserFactory(email="wu@example.cn")
    factories.EmailAddressFactory(user=user, email=user.email, verified=False)
    client.force_login(user)

    html = page(client.get(reverse("account_email")))
    assert "未验证" in html and "向 wu@example.cn 发送验证码" in html
    assert user.has_perm("portal.act_as_verified_resident") is False

    response = client.post(reverse("account_email"), {"email": user.email, "action_send": ""})
    assert response.status_code == 302
    code_page = client.get(CONFIRM_EMAIL)
    assert code_page.status_code == 200
    client.post(CONFIRM_EMAIL, {"code": outbox.latest_code(to=user.email)})

    user.refresh_from_db()
    assert user.is_verified
    assert "已验证" in page(client.get(reverse("account_email")))


def test_account_page_shows_a_verified_resident_as_verified(client, resident):
    client.force_login(resident)

    html = page(client.get(reverse("account_email")))

    assert "已验证" in html
    assert "发送验证码" in html  # the email list's action stays available
    assert "向 " + resident.email not in html


# --- Password sign-in and rate limits -------------------------------------------------


def test_staff_sign_in_with_a_password(client, unit_staff):
    response = client.post(
        LOGIN, {"login": unit_staff.email, "password": factories.TEST_PASSWORD, "method": "password"}
    )

    assert response["Location"] == MFA_AUTHENTICATE
    client.post(MFA_AUTHENTICATE, {"code": totp_now()})
    assert signed_in_user(client) == unit_staff


def test_wrong_password_is_refused(client, unit_staff):
    response = client.post(LOGIN, {"login": unit_staff.email, "password": "nope-nope-1", "method": "password"})

    assert response.status_code == 200
    html = page(response)
    assert "邮箱或密码不正确。没有密码的居民请用验证码登录。" in html
    assert "<details class=\"disclosure staff-login\" open>" in html
    assert signed_in_user(client) is None


def test_password_form_without_a_password_asks_for_it(client, unit_staff):
    response = client.post(LOGIN, {"login": unit_staff.email, "password": "", "method": "password"})

    assert response.status_code == 200
    assert 'id="id_password_error"' in page(response)
    assert outbox.read_messages() == []
    assert signed_in_user(client) is None


def test_password_sign_in_by_phone_number(client):
    user = factories.UserFactory(email=None, phone=E164, phone_verified=True, verified_at=timezone.now())

    client.post(LOGIN, {"login": MOBILE, "password": factories.TEST_PASSWORD, "method": "password"})

    assert signed_in_user(client) == user


def test_repeated_wrong_passwords_lock_the_account_for_a_while(client, unit_staff):
    for _attempt in range(5):
        client.post(LOGIN, {"login": unit_staff.email, "password": "wrong-pass-1", "method": "password"})

    response = client.post(
        LOGIN, {"login": unit_staff.email, "password": factories.TEST_PASSWORD, "method": "password"}
    )

    assert response.status_code == 200
    assert "尝试次数过多，请稍后重新获取验证码再试。" in page(response)
    assert signed_in_user(client) is None


def test_signup_flood_from_one_address_gets_429(client):
    for number in range(20):
        client.post(SIGNUP, {"email": f"flood{number}@example.cn"})
    before = User.objects.count()

    response = client.post(SIGNUP, {"email": "one-too-many@example.cn"})

    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert "操作太频繁，请稍后再试。" in page(response)
    assert User.objects.count() == before
    assert not User.objects.filter(email="one-too-many@example.cn").exists()


def test_login_flood_from_one_address_gets_429(client, resident):
    for _attempt in range(30):
        client.post(LOGIN, {"login": "12345"})

    response = client.post(LOGIN, {"login": resident.email})

    assert response.status_code == 429
    assert "操作太频繁，请稍后再试。" in page(response)
    assert outbox.read_messages(to=resident.email) == []


# --- Staff second factor --------------------------------------------------------------


def sign_in_with_password(client: Client, user) -> None:
    response = client.post(LOGIN, {"login": user.email, "password": factories.TEST_PASSWORD, "method": "password"})
    assert response.status_code == 302


def test_organiser_without_totp_must_set_it_up_first(client):
    organiser = factories.StaffFactory(role="organiser", with_totp=False)
    sign_in_with_password(client, organiser)
    assert signed_in_user(client) == organiser

    assert client.get("/")["Location"] == reverse("mfa_activate_totp")
    api = client.get("/api/v1/me")
    assert api.status_code == 403
    assert api.json()["error"]["code"] == "second_factor_required"

    setup = client.get(reverse("mfa_activate_totp"))
    assert setup.status_code == 200
    html = page(setup)
    assert "启用两步验证" in html and 'class="qr-code"' in html
    secret = setup.context["form"].secret

    response = client.post(reverse("mfa_activate_totp"), {"code": totp_now(secret)})

    assert response.status_code == 302
    assert Authenticator.objects.filter(user=organiser, type=Authenticator.Type.TOTP).exists()
    assert client.get("/").status_code == 200


def test_wrong_code_does_not_activate_totp(client):
    dispatcher = factories.StaffFactory(role="dispatcher", with_totp=False)
    sign_in_with_password(client, dispatcher)
    secret = client.get(reverse("mfa_activate_totp")).context["form"].secret

    response = client.post(reverse("mfa_activate_totp"), {"code": wrong(totp_now(secret))})

    assert response.status_code == 200
    assert "动态口令不正确" in page(response)
    assert not Authenticator.objects.filter(user=dispatcher).exists()
    assert client.get("/")["Location"] == reverse("mfa_activate_totp")


@pytest.mark.parametrize("role", ["unit_staff", "reviewer"])
def test_unit_staff_and_reviewers_without_totp_must_set_it_up_first(client, role):
    staff = factories.StaffFactory(role=role, with_totp=False)
    sign_in_with_password(client, staff)

    assert client.get("/")["Location"] == reverse("mfa_activate_totp")
    api = client.get("/api/v1/me")
    assert (api.status_code, api.json()["error"]["code"]) == (403, "second_factor_required")


def test_residents_are_not_asked_for_totp(client, resident):
    client.force_login(resident)
    assert client.get("/").status_code == 200


def test_organiser_with_totp_is_asked_for_the_code_after_the_password(client, organiser):
    response = client.post(
        LOGIN, {"login": organiser.email, "password": factories.TEST_PASSWORD, "method": "password"}
    )

    assert response["Location"] == MFA_AUTHENTICATE
    assert signed_in_user(client) is None
    html = page(client.get(MFA_AUTHENTICATE))
    assert "两步验证" in html and '<label for="id_code">' in html

    client.post(MFA_AUTHENTICATE, {"code": totp_now()})

    assert signed_in_user(client) == organiser


def test_wrong_totp_code_is_refused(client, organiser):
    client.post(LOGIN, {"login": organiser.email, "password": factories.TEST_PASSWORD, "method": "password"})

    response = client.post(MFA_AUTHENTICATE, {"code": wrong(totp_now())})

    assert response.status_code == 200
    assert "动态口令不正确" in page(response)
    assert 'aria-describedby="id_code_error"' in page(response)
    assert signed_in_user(client) is None


def test_organiser_signing_in_by_code_still_needs_totp(client, dispatcher):
    client.post(LOGIN, {"login": dispatcher.email})
    response = client.post(CONFIRM_LOGIN_CODE, {"code": outbox.latest_code(to=dispatcher.email)})

    assert response["Location"] == MFA_AUTHENTICATE
    assert signed_in_user(client) is None
    client.post(MFA_AUTHENTICATE, {"code": totp_now()})
    assert signed_in_user(client) == dispatcher


# --- WeChat ---------------------------------------------------------------------------


def test_wechat_button_is_absent_without_keys(client, settings):
    settings.WEIXIN_ENABLED = False
    settings.SOCIALACCOUNT_PROVIDERS = {"weixin": {"SCOPE": ["snsapi_login"], "APPS": []}}

    for url in (LOGIN, SIGNUP):
        html = page(client.get(url))
        assert "/accounts/weixin/login/" not in html
        assert "微信登录" not in html


@pytest.mark.parametrize("url", ["/accounts/weixin/login/", "/accounts/weixin/login/callback/"])
def test_wechat_routes_without_keys_answer_not_found(client, settings, url):
    settings.WEIXIN_ENABLED = False
    settings.SOCIALACCOUNT_PROVIDERS = {"weixin": {"SCOPE": ["snsapi_login"], "APPS": []}}
    assert client.get(url).status_code == 404  # was a server error (no SocialApp)


def test_wechat_button_is_present_with_keys(client, settings):
    settings.WEIXIN_ENABLED = True
    settings.SOCIALACCOUNT_PROVIDERS = {
        "weixin": {"SCOPE": ["snsapi_login"], "APPS": [{"client_id": "wx123", "secret": "s3cret", "key": ""}]}
    }

    for url in (LOGIN, SIGNUP):
        html = page(client.get(url))
        assert "/accounts/weixin/login/" in html
        assert "微信登录" in html
