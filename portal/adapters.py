"""django-allauth adapters: the one seam where the portal plugs in phone
numbers, SMS delivery and the resident's verified status."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.utils.translation import gettext as _

from portal import services, sms
from portal.fields import MobileNumberField
from portal.models import User


class PortalAccountAdapter(DefaultAccountAdapter):
    def phone_form_field(self, **kwargs):
        return MobileNumberField(**kwargs)

    def save_user(self, request, user, form, commit=True):
        # The row must carry its phone number from the first INSERT: an
        # account with neither email nor phone is refused by the database.
        phone = form.cleaned_data.get("phone")
        if phone:
            user.phone = phone
        if not form.cleaned_data.get("email"):
            user.email = None
        return super().save_user(request, user, form, commit=commit)

    def send_verification_code_sms(self, user, phone: str, code: str, **kwargs) -> None:
        sms.send_sms(
            phone=phone,
            text=_("【民心榜】您的验证码是 %(code)s，5分钟内有效。如非本人操作请忽略。") % {"code": code},
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
        services.set_phone(user=user, phone=phone, verified=True)

    def get_user_by_phone(self, phone: str):
        return User.objects.filter(phone=phone).order_by("pk").first()

    def get_login_stages(self) -> list[str]:
        return [
            "portal.stages.ContactEmailVerificationStage"
            if path == "allauth.account.stages.EmailVerificationStage"
            else path
            for path in super().get_login_stages()
        ]


class PortalSocialAccountAdapter(DefaultSocialAccountAdapter):
    """WeChat sign-in is offered only when its keys are configured."""

    def is_open_for_signup(self, request, sociallogin) -> bool:
        return settings.WEIXIN_ENABLED
