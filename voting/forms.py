"""Forms of the organisers' fraud review."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.parsing import positive_int
from voting.enums import VoidRule
from voting.models import QUOTA_MAX, QUOTA_MIN
from voting.selectors import normalise_voter_label


def voter_field() -> forms.CharField:
    return forms.CharField(label=_("投票人代号"), required=False, max_length=20,
                           widget=forms.TextInput(attrs={"placeholder": "V-K3J9QZ2MXA", "autocapitalize": "characters",
                                                         "spellcheck": "false"}))


def clean_voter(value: str) -> str:
    """A pseudonym as the review page shows it (V- and ten letters or digits)."""
    if not (value or "").strip():
        return ""
    label = normalise_voter_label(value)
    if len(label) != 12 or not label[2:].isalnum():
        raise forms.ValidationError(_("请填写审查页上显示的投票人代号，如 V-K3J9QZ2MXA。"))
    return label


class ReviewFilterForm(forms.Form):
    ip = forms.GenericIPAddressField(label=_("IP 地址"), required=False)
    subnet = forms.CharField(label=_("网段（/24）"), required=False, max_length=43,
                             widget=forms.TextInput(attrs={"placeholder": "10.1.2.0/24"}))
    voter = voter_field()
    user_agent = forms.CharField(label=_("浏览器标识"), required=False, max_length=300)
    starts_at = forms.DateTimeField(label=_("开始时间"), required=False,
                                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    ends_at = forms.DateTimeField(label=_("结束时间"), required=False,
                                  widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    show_void = forms.BooleanField(label=_("包括已作废的选票"), required=False, initial=True)

    def clean_subnet(self):
        import ipaddress

        value = self.cleaned_data.get("subnet", "").strip()
        if not value:
            return ""
        try:
            return str(ipaddress.ip_network(f"{value.split('/')[0]}/24", strict=False))
        except ValueError as exc:
            raise forms.ValidationError(_("请填写有效的网段，如 10.1.2.0/24。")) from exc

    def clean_voter(self):
        return clean_voter(self.cleaned_data.get("voter", ""))


class VoidForm(forms.Form):
    rule = forms.ChoiceField(label=_("作废方式"), choices=VoidRule.choices)
    ballot_ids = forms.CharField(required=False, widget=forms.MultipleHiddenInput)
    ip = forms.GenericIPAddressField(label=_("IP 地址"), required=False)
    subnet = forms.CharField(label=_("网段（/24）"), required=False, max_length=43)
    voter = voter_field()
    user_agent = forms.CharField(label=_("浏览器标识"), required=False, max_length=300)
    starts_at = forms.DateTimeField(label=_("开始时间"), required=False,
                                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    ends_at = forms.DateTimeField(label=_("结束时间"), required=False,
                                  widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    reason = forms.CharField(label=_("作废原因（必填，将记录在案）"), max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": _("请写明作废原因，它会和作废记录一起保存。")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        given = self.data.getlist("ballot_ids") if hasattr(self.data, "getlist") else []
        self.selected_ids = [pk for pk in map(positive_int, given) if pk]

    def clean_voter(self):
        return clean_voter(self.cleaned_data.get("voter", ""))

    def rule_params(self) -> dict:
        data = self.cleaned_data
        rule = data["rule"]
        if rule == VoidRule.SELECTION:
            return {"ballot_ids": self.selected_ids}
        field = {VoidRule.IP: ["ip"], VoidRule.SUBNET: ["subnet"], VoidRule.ACCOUNT: ["voter"],
                 VoidRule.USER_AGENT: ["user_agent"], VoidRule.TIME_RANGE: ["starts_at", "ends_at"]}[rule]
        return {name: data.get(name) for name in field}


class RulesForm(forms.Form):
    """A campaign's quotas, as typed. How they relate (per case within per
    day, only growing once voting has opened) is set_rules's to check: its
    refusals land on the field they concern."""

    votes_per_day = forms.IntegerField(label=_("每人每天可投票数"), min_value=QUOTA_MIN, max_value=QUOTA_MAX)
    votes_per_case_per_day = forms.IntegerField(label=_("每人每天对同一案例可投票数"), min_value=QUOTA_MIN,
                                                max_value=QUOTA_MAX)
    allow_unverified = forms.BooleanField(label=_("允许未验证账号投票"), required=False,
                                          help_text=_("默认只有已验证邮箱或手机号的账号可以投票。"))
    require_verified_phone = forms.BooleanField(
        label=_("须验证手机号（一人一号）"), required=False,
        help_text=_("开启后只有验证过手机号的账号可以投票；一个手机号只能验证一个账号。"),
    )
