"""django-allauth adapters: the one seam where the portal plugs in phone
numbers, SMS delivery and the resident's verified status."""

from __future__ import annotations

import time

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import selectors, services, sms
from portal.fields import MobileNumberField, normalise_mobile
from portal.models import User
from portal.workspaces import workspace_url

# What a resident reads when something goes wrong: say what to do next.
ACCOUNT_ERROR_MESSAGES = {
    "incorrect_code": gettext_lazy("验证码不正确，请核对后重新输入。"),
    "too_many_login_attempts": gettext_lazy("尝试次数过多，请稍后重新获取验证码再试。"),
    "rate_limited": gettext_lazy("操作太频繁，请稍后再试。"),
    "invalid_login": gettext_lazy("请填写正确的邮箱或手机号。"),
    "email_password_mismatch": gettext_lazy("邮箱或密码不正确。没有密码的居民请用验证码登录。"),
    "phone_password_mismatch": gettext_lazy("手机号或密码不正确。没有密码的居民请用验证码登录。"),
    "username_password_mismatch": gettext_lazy("账号或密码不正确。"),
    "account_inactive": gettext_lazy("此账号已停用，如有疑问请联系主办方。"),
    "email_taken": gettext_lazy("此邮箱已注册，请直接登录。"),
    "phone_taken": gettext_lazy("此手机号已注册，请直接登录。"),
    "unknown_email": gettext_lazy("此邮箱尚未注册。"),
    "unknown_phone": gettext_lazy("此手机号尚未注册。"),
    "select_only_one": gettext_lazy("邮箱和手机号请只填一项。"),
    "same_as_current": gettext_lazy("新的号码与现在的相同。"),
}


def code_minutes(seconds: int) -> int:
    return max(1, seconds // 60)


class PortalAccountAdapter(DefaultAccountAdapter):
    error_messages = {**DefaultAccountAdapter.error_messages, **ACCOUNT_ERROR_MESSAGES}

    def phone_form_field(self, **kwargs):
        return MobileNumberField(**kwargs)

    def get_login_redirect_url(self, request) -> str:
        """Without a ?next=, each role lands on its own workspace."""
        return workspace_url(request.user)

    def format_email_subject(self, subject: str) -> str:
        return _("【民心榜】") + force_str(subject)

    def save_user(self, request, user, form, commit=True):
        # The row must carry its phone number from the first INSERT (an
        # account with neither email nor phone is refused by the database),
        # and a missing email is NULL, never "" (the column is unique).
        user = super().save_user(request, user, form, commit=False)
        phone = form.cleaned_data.get("phone")
        if phone:
            user.phone = phone
        if not user.email:
            user.email = None
        if commit:
            user.save()
            if phone:
                self.set_phone(user, phone, False)
        return user

    def send_verification_code_sms(self, user, phone: str, code: str, **kwargs) -> None:
        sms.send_sms(
            phone=phone,
            text=_("【民心榜】您的验证码是 %(code)s，%(minutes)s分钟内有效。如非本人操作请忽略。")
            % {"code": code, "minutes": code_minutes(account_settings.PHONE_VERIFICATION_TIMEOUT)},
        )

    def send_unknown_account_sms(self, phone: str, **kwargs) -> None:
        sms.send_sms(
            phone=phone,
            text=_("【民心榜】有人用此号码请求登录，但此号码尚未注册。如需使用请先注册。"),
        )

    def send_account_already_exists_sms(self, phone: str) -> None:
        sms.send_sms(phone=phone, text=_("【民心榜】此号码已注册，请直接用验证码登录。"))

    def set_phone(self, user, phone: str, verified: bool) -> None:
        services.set_phone(user=user, phone=phone, verified=verified)

    def get_phone(self, user):
        if not user.phone:
            return None
        return user.phone, user.phone_verified

    def set_phone_verified(self, user, phone: str) -> None:
        services.verify_phone(user=user, phone=phone)

    def get_user_by_phone(self, phone: str):
        """Only a verified number names an account: sign-up, a change of
        number and password sign-in treat an unverified claim as no account
        (it reserves nothing; the real owner who verifies it wins). With
        PREVENT_ENUMERATION the pages answer alike either way."""
        # Password sign-in hands allauth's backend the number as typed.
        try:
            phone = normalise_mobile(phone)
        except ValidationError:
            return None
        return selectors.account_with_verified_phone(phone)

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """Setting up a first authenticator right after signing in (staff are
        sent there by StaffSecondFactorMiddleware) does not ask for the
        password again; removing one still does."""
        if not super().is_reauthentication_required(app=app, **kwargs):
            return False
        request = self.request
        user = getattr(request, "user", None)
        if app != "allauth.mfa" or user is None or not user.is_authenticated:
            return True
        if Authenticator.objects.filter(user=user).exists():
            return True
        records = get_authentication_records(request, user)
        now = time.time()
        return not any(now - record["at"] < account_settings.REAUTHENTICATION_TIMEOUT for record in records)

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        """allauth counts failed password sign-ins (ACCOUNT_RATE_LIMITS
        "login_failed") per email or username only: every phone number would
        share one counter, and five failures on any number would lock out all
        phone sign-ins. Each number gets its own."""
        if credentials.get("phone") and not credentials.get("email"):
            credentials = {"email": credentials["phone"]}
        return super()._get_login_attempts_cache_key(request, **credentials)

    def get_reauthentication_methods(self, user) -> list[dict]:
        """Whoever holds an authenticator is asked for it, not the password:
        a sensitive action asks for the second factor again."""
        methods = super().get_reauthentication_methods(user)
        second_factor = [method for method in methods if method["id"] != "reauthenticate"]
        return second_factor or methods

    def get_login_stages(self) -> list[str]:
        return [
            "portal.stages.ContactEmailVerificationStage"
            if path == "allauth.account.stages.EmailVerificationStage"
            else path
            for path in super().get_login_stages()
        ]


class PortalMFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "incorrect_code": gettext_lazy("动态口令不正确，请看身份验证器App上最新的6位数字再试。"),
    }


class PortalSocialAccountAdapter(DefaultSocialAccountAdapter):
    """WeChat sign-in is offered only when its keys are configured."""

    def is_open_for_signup(self, request, sociallogin) -> bool:
        return settings.WEIXIN_ENABLED

    def get_app(self, request, provider, client_id=None):
        try:
            return super().get_app(request, provider, client_id=client_id)
        except SocialApp.DoesNotExist:
            # Its routes stay installed: without keys they answer "not here", not a server error.
            raise Http404(gettext_lazy("这种登录方式没有开通。")) from None
