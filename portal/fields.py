"""Form fields shared by the apps."""

from __future__ import annotations

import re

from allauth.account.fields import PhoneField
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")
E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def normalise_mobile(value: str) -> str:
    """'138 0013 8000' or '+86 13800138000' → '+8613800138000'."""
    digits = re.sub(r"[\s\-()]", "", value or "")
    if MAINLAND_MOBILE.match(digits):
        return "+86" + digits
    if E164.match(digits):
        return digits
    raise ValidationError(
        _("请输入11位手机号（如 13800138000），或带国家码的号码（如 +85291234567）。"),
        code="invalid_phone",
    )


class MobileNumberField(PhoneField):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("validators", [])
        kwargs.setdefault("label", _("手机号"))
        super().__init__(*args, **kwargs)
        self.widget.attrs.update({"placeholder": _("11位手机号"), "inputmode": "tel"})

    def clean(self, value):
        value = super(PhoneField, self).clean(value)
        if not value:
            return value
        return normalise_mobile(value)
