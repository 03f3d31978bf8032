"""Forms of the core."""

from __future__ import annotations

from allauth.account.forms import SignupForm
from django import forms
from django.utils.translation import gettext_lazy as _


class ResidentSignupForm(SignupForm):
    """Sign-up with an email address or a mobile number (one is enough)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("email_required", False)
        super().__init__(*args, **kwargs)
        if "email" in self.fields:
            self.fields["email"].label = _("邮箱")
            self.fields["email"].help_text = _("填写邮箱或手机号其中一项即可，我们会发送6位验证码。")
        if "phone" in self.fields:
            self.fields["phone"].label = _("手机号")

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("email") and not cleaned.get("phone") and not self.errors:
            raise forms.ValidationError(_("请填写邮箱或手机号，用于接收验证码。"), code="contact_required")
        return cleaned
