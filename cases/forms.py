"""Forms of the case registry: they parse input; the rules are in services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.enums import SCREENING_ACTIONS, BoardSort, EntryState
from cases.models import SUMMARY_MAX_CHARS, Campaign, Domain, Track
from portal import timeutils
from portal.enums import UnitLevel
from portal.models import Unit


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several photos in one input (validated by the image pipeline)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleImageInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, (list, tuple)) else [data]
        return [super(MultipleImageField, self).clean(item, initial) for item in files if item]


class EntryForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=80, help_text=_("一句话说清办成了什么事，不超过 80 字。"))
    track = forms.ModelChoiceField(label=_("奖项"), queryset=Track.objects.none(), empty_label=None)
    domain = forms.ModelChoiceField(label=_("领域"), queryset=Domain.objects.none(), empty_label=_("请选择"))
    # The submitting unit is always the user's own; the value is checked by
    # the service so that a forged one is refused, not silently replaced.
    unit = forms.ModelChoiceField(queryset=Unit.objects.all(), widget=forms.HiddenInput, required=False)
    summary = forms.CharField(
        label=_("摘要"),
        max_length=SUMMARY_MAX_CHARS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": SUMMARY_MAX_CHARS}),
        help_text=_("不超过 300 字，显示在点赞榜卡片和分享卡片上。"),
    )
    story = forms.CharField(
        label=_("案例全文"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("空一行分段。可用简单格式：<strong>加粗</strong>、<em>强调</em>、列表 <ul><li>；不允许脚本。"),
    )
    results = forms.CharField(
        label=_("取得成效"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("写可以核实的数字，如“加装电梯 126 台，惠及居民 3,000 余户”。"),
    )
    video_url = forms.CharField(label=_("视频链接（可选）"), required=False, max_length=200,
                                widget=forms.URLInput(attrs={"placeholder": "https://"}))
    contact_name = forms.CharField(label=_("联系人（不公开）"), max_length=40, required=False)
    contact_phone = forms.CharField(label=_("联系电话（不公开）"), max_length=32, required=False,
                                    widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
    images = MultipleImageField(
        label=_("图片（最多 9 张）"),
        help_text=_("JPG、PNG 或 WebP，每张不超过 10 MB；上传后会自动去除拍摄位置等信息。"),
    )

    def __init__(self, *args, campaign: Campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.fields["track"].queryset = Track.objects.filter(campaign=campaign).order_by("position", "pk")
        self.fields["domain"].queryset = Domain.objects.filter(campaign=campaign).order_by("position", "pk")

    def content(self) -> dict:
        data = self.cleaned_data
        return {
            key: data.get(key)
            for key in ("track", "domain", "title", "summary", "story", "results", "video_url", "contact_name", "contact_phone")
        }


class BoardFilterForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, max_length=60,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("搜标题、单位或摘要，如：电梯")}))
    domain = forms.ModelChoiceField(label=_("领域"), queryset=Domain.objects.none(), required=False, empty_label=_("全部领域"))
    level = forms.ChoiceField(label=_("单位层级"), required=False,
                              choices=[("", _("全部层级")), *UnitLevel.choices])
    sort = forms.ChoiceField(label=_("排序"), required=False, choices=BoardSort.choices)

    def __init__(self, *args, campaign: Campaign, allow_votes: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["domain"].queryset = Domain.objects.filter(campaign=campaign).order_by("position", "pk")
        if not allow_votes:
            self.fields["sort"].choices = [(BoardSort.NEWEST, BoardSort.NEWEST.label)]


class ScreeningFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("状态"), required=False,
                              choices=[("", _("全部"))] + [c for c in EntryState.choices if c[0] != EntryState.DRAFT])
    domain = forms.ModelChoiceField(label=_("领域"), queryset=Domain.objects.none(), required=False, empty_label=_("全部领域"))
    unit = forms.ModelChoiceField(label=_("单位"), queryset=Unit.objects.none(), required=False, empty_label=_("全部单位"))
    track = forms.ModelChoiceField(label=_("奖项"), queryset=Track.objects.none(), required=False, empty_label=_("全部奖项"))
    q = forms.CharField(label=_("搜索"), required=False, max_length=60, widget=forms.TextInput(attrs={"type": "search"}))

    def __init__(self, *args, campaign: Campaign, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["domain"].queryset = Domain.objects.filter(campaign=campaign)
        self.fields["track"].queryset = Track.objects.filter(campaign=campaign)
        self.fields["unit"].queryset = Unit.objects.filter(pk__in=[u.pk for u in units])


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("筛选结果"),
        choices=[(action.value, action.label) for action in SCREENING_ACTIONS],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("原因（不予入选、要求修改时必填，单位可见）"), required=False, max_length=500,
                             widget=forms.Textarea(attrs={"rows": 3}))
    deadline = forms.DateTimeField(
        label=_("修改截止时间（要求修改时必填，北京时间）"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )

    def clean_deadline(self):
        value = self.cleaned_data.get("deadline")
        if value is not None:
            # The field reads local (Asia/Shanghai) time; keep it aware.
            value = value.astimezone(timeutils.LOCAL_TZ)
        return value


