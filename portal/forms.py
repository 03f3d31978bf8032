"""Forms of the core: allauth's account forms with the portal's labels.

allauth stays in charge of every flow; these subclasses only change what a
resident sees (one "邮箱或手机号" field, Chinese labels, numeric code inputs)
and keep the password field for staff who sign in with one.
"""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from allauth.account.forms import (
    AddEmailForm,
    BaseConfirmCodeForm,
    ConfirmEmailVerificationCodeForm,
    ConfirmLoginCodeForm,
    LoginForm,
    RequestLoginCodeForm,
    SignupForm,
    VerifyPhoneForm,
)
from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from allauth.mfa.totp.forms import ActivateTOTPForm
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from portal import selectors
from portal.enums import TokenScope
from portal.fields import normalise_mobile
from portal.models import API_TOKEN_MAX_LIFETIME

CODE_WIDGET_ATTRS = {
    "autocomplete": "one-time-code",
    "inputmode": "numeric",
    "pattern": "[0-9]*",
    "maxlength": "6",
    "placeholder": "",
    "class": "code-input",
}


def filter_query(form: forms.Form) -> tuple[dict, list[str]]:
    """The filters of a GET form that passed, and what it refused: a bad
    filter (a forged id in a link) is named and left out while the others
    still apply, instead of silently dropping every filter."""
    if not form.is_bound:
        return {}, []
    form.is_valid()
    refusals = []
    for name, messages in form.errors.items():
        label = form.fields[name].label if name in form.fields else None
        refusals += [f"{label}：{message}" if label else str(message) for message in messages]
    return form.cleaned_data, refusals


def contact_field() -> forms.CharField:
    return forms.CharField(
        label=_("邮箱或手机号"),
        max_length=320,
        help_text=_("如 name@example.com 或 13800138000"),
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )


def split_contact(value: str) -> tuple[str | None, str | None]:
    """'a@b.cn' → (email, None); '138 0013 8000' → (None, '+8613800138000')."""
    value = (value or "").strip()
    if "@" in value:
        try:
            validate_email(value)
        except ValidationError:
            raise ValidationError(_("邮箱地址格式不对，请检查后重新输入。"), code="invalid_email") from None
        return value.lower(), None
    return None, normalise_mobile(value)


def code_recipient(*, email: str | None, phone: str | None, found):
    """The account a sign-in code for this address or number opens: the one
    that verified it, else an account with no other way in (receiving the
    code proves ownership of that one). Never an account that merely typed
    the address in beside a contact of its own."""
    if phone:
        return found or selectors.unclaimed_phone_signup(phone)  # allauth found verified numbers only
    if email:
        return selectors.account_with_verified_email(email) or selectors.unclaimed_email_signup(email)
    return found


class _CodeLabelMixin:
    """A six-digit code box with a visible label, the phone's numeric keypad
    and the OS offering the code from the SMS or email (one-time-code)."""

    code_label = _("6位验证码")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        code = self.fields["code"]
        code.label = self.code_label
        code.widget.attrs.update(CODE_WIDGET_ATTRS)


class ResidentSignupForm(SignupForm):
    """Sign-up with an email address or a mobile number (one is enough)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("email_required", False)
        super().__init__(*args, **kwargs)
        if "email" in self.fields:
            self.fields["email"].label = _("邮箱")
            self.fields["email"].help_text = _("填写邮箱或手机号其中一项即可，我们会发送6位验证码。")
            self.fields["email"].widget.attrs["placeholder"] = "name@example.com"
        if "phone" in self.fields:
            self.fields["phone"].label = _("手机号")
            self.fields["phone"].help_text = _("中国大陆手机号填11位即可，境外号码请带国家码。")

    def validate_unique_email(self, value) -> str:
        """Only a verified address is taken: an unverified claim (someone
        typed another person's address) blocks nobody. When it is taken,
        allauth answers as for a new address and tells its owner by e-mail
        (PREVENT_ENUMERATION)."""
        self.account_already_exists = selectors.account_with_verified_email(value) is not None
        return value

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("email") and not cleaned.get("phone") and not self.errors:
            raise forms.ValidationError(_("请填写邮箱或手机号，用于接收验证码。"), code="contact_required")
        return cleaned


class PortalLoginForm(LoginForm):
    """One field, 邮箱或手机号: without a password it sends a one-time code
    (allauth's login by code); staff may add their password instead
    (the form posts ``method=password`` and then the password is required)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"] = contact_field()
        self.fields["password"].label = _("密码")
        self.fields["password"].help_text = ""
        self.fields["password"].widget.attrs["placeholder"] = ""
        self.fields["password"].required = self.wants_password
        self.order_fields(["login", "password"])

    @property
    def wants_password(self) -> bool:
        return self.data.get("method") == "password"

    def _setup_password_field(self) -> None:
        # allauth drops the password field when sign-up has none; staff keep it.
        return None

    def clean_login(self) -> str:
        email, phone = split_contact(self.cleaned_data["login"])
        return email or phone

    def _clean_without_password(self, email: str | None, phone: str | None):
        cleaned = super()._clean_without_password(email, phone)
        if not self.errors:
            self.user = code_recipient(email=email, phone=phone, found=getattr(self, "user", None))
        return cleaned


class PortalRequestLoginCodeForm(RequestLoginCodeForm):
    """allauth's request-a-code form with one 邮箱或手机号 field."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields.pop("email", None)
        self.fields.pop("phone", None)
        self.fields["login"] = contact_field()

    def clean(self):
        cleaned = super().clean()
        if "login" not in cleaned:
            return cleaned
        try:
            email, phone = split_contact(cleaned["login"])
            if email:
                cleaned["email"] = email
                cleaned["email"] = self.clean_email()
            else:
                cleaned["phone"] = phone
                cleaned["phone"] = self.clean_phone()
            self._user = code_recipient(email=email, phone=phone, found=getattr(self, "_user", None))
        except ValidationError as error:
            self.add_error("login", error)
        return cleaned


class PortalAddEmailForm(AddEmailForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("邮箱")
        self.fields["email"].widget.attrs["placeholder"] = "name@example.com"


class PortalConfirmLoginCodeForm(_CodeLabelMixin, ConfirmLoginCodeForm):
    pass


class PortalConfirmEmailCodeForm(_CodeLabelMixin, ConfirmEmailVerificationCodeForm):
    def clean_code(self) -> str:
        """A right code confirms the address unless another account has
        verified it (allauth would also refuse when another account merely
        typed it in: an unverified claim must block nobody)."""
        code = BaseConfirmCodeForm.clean_code(self)
        if code and self.email:
            holder = selectors.account_with_verified_email(self.email)
            if holder is not None and (self.user is None or holder.pk != self.user.pk):
                raise get_adapter().validation_error("email_taken")
        return code


class PortalVerifyPhoneForm(_CodeLabelMixin, VerifyPhoneForm):
    pass


class TotpAuthenticateForm(_CodeLabelMixin, AuthenticateForm):
    code_label = _("动态口令（身份验证器App上的6位数字）")


class TotpReauthenticateForm(_CodeLabelMixin, ReauthenticateForm):
    code_label = _("动态口令（身份验证器App上的6位数字）")


class ActivateTotpForm(_CodeLabelMixin, ActivateTOTPForm):
    code_label = _("身份验证器App上显示的6位数字")


class ApiTokenForm(forms.Form):
    """A new API token: what it is for, what it may do, how long it lives."""

    name = forms.CharField(label=_("名称"), max_length=64, help_text=_("写明给哪个程序用，例如“派单统计脚本”。"))
    scope = forms.ChoiceField(
        label=_("权限范围"),
        choices=TokenScope.choices,
        initial=TokenScope.READ,
        widget=forms.RadioSelect,
        help_text=_("只读令牌只能查询；读写令牌还可以提交和修改。"),
    )
    expiry_days = forms.IntegerField(
        label=_("有效天数"),
        min_value=1,
        max_value=API_TOKEN_MAX_LIFETIME.days,
        initial=30,
        help_text=_("最长 90 天，到期后自动失效。"),
    )
