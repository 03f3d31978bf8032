"""Forms of the administration pages: they parse; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.administration import selectors
from portal.enums import UnitKind, UnitLevel
from portal.localised import ENGLISH_HELP
from portal.models import INVITABLE_ROLES


def unit_choices(*, blank: str | None = None) -> list[tuple[str, str]]:
    rows = [(str(unit.pk), unit.localised_name) for unit in selectors.active_units()]
    return ([("", blank)] if blank is not None else []) + rows


ROLE_CHOICES = [(role.value, role.label) for role in INVITABLE_ROLES]


class UnitForm(forms.Form):
    name = forms.CharField(label=_("单位名称"), max_length=120)
    short_name = forms.CharField(label=_("简称"), max_length=40, required=False)
    name_en = forms.CharField(label=_("英文名称"), max_length=200, required=False, help_text=ENGLISH_HELP)
    level = forms.ChoiceField(label=_("层级"), choices=UnitLevel.choices, initial=UnitLevel.TOWN)
    kind = forms.ChoiceField(label=_("类型"), choices=UnitKind.choices, initial=UnitKind.BUREAU)
    parent = forms.ChoiceField(label=_("上级单位"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = unit_choices(blank=_("（无，作为顶级单位）"))


class RenameUnitForm(forms.Form):
    name = forms.CharField(label=_("单位名称"), max_length=120)
    short_name = forms.CharField(label=_("简称"), max_length=40, required=False)
    name_en = forms.CharField(label=_("英文名称"), max_length=200, required=False, help_text=ENGLISH_HELP)


class MoveUnitForm(forms.Form):
    parent = forms.ChoiceField(label=_("新的上级单位"), required=False)

    def __init__(self, *args, exclude: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = [c for c in unit_choices(blank=_("（无，作为顶级单位）")) if c[0] != str(exclude)]


class InviteForm(forms.Form):
    name = forms.CharField(label=_("称呼"), max_length=64, help_text=_("例如“李娜”，会写在邀请短信或邮件里。"))
    contact = forms.CharField(label=_("手机号或邮箱"), max_length=254,
                              help_text=_("邀请链接发到这里，只能用一次，72 小时内有效。"))
    role = forms.ChoiceField(label=_("角色"), choices=ROLE_CHOICES, initial=INVITABLE_ROLES[0].value)
    unit = forms.ChoiceField(label=_("单位"), required=False, help_text=_("单位工作人员必须选择单位。"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = unit_choices(blank=_("请选择单位"))
        self.fields["contact"].widget.attrs.update({"autocomplete": "off", "inputmode": "email"})


class GrantRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("角色"), choices=ROLE_CHOICES)
    unit = forms.ChoiceField(label=_("单位（单位工作人员必选）"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = unit_choices(blank=_("请选择单位"))


class MoveStaffForm(forms.Form):
    unit = forms.ChoiceField(label=_("调到单位"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = unit_choices(blank=_("请选择单位"))
