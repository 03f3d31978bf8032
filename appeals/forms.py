"""Forms of the appeals pages: they parse; the services decide."""

from __future__ import annotations

import uuid

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from appeals.enums import CatalogueList, Period, Urgency
from appeals.models import Area, Category, Item
from portal.models import Unit
from portal.parsing import positive_int


class PhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos (validated by the image pipeline in the service)."""

    widget = PhotoInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        return [super(PhotosField, self).clean(f, initial) for f in files]


def _photo_widget():
    # `capture` opens the phone camera straight from the form (随手拍).
    return PhotoInput(attrs={"accept": "image/*", "capture": "environment", "multiple": True})


def new_token() -> str:
    return uuid.uuid4().hex


class ReportFields(forms.Form):
    item = forms.ModelChoiceField(
        label=_("问题分类"), queryset=Item.objects.filter(active=True), required=False,
        empty_label=_("不确定，由派单中心判断"),
    )
    area = forms.ModelChoiceField(label=_("所在镇街"), queryset=Area.objects.all(), empty_label=_("请选择"))
    title = forms.CharField(label=_("标题"), max_length=80, help_text=_("一句话说清是什么问题，如“某路口井盖缺失”。"))
    description = forms.CharField(
        label=_("问题描述"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("时间、地点、经过、你希望怎样解决。至少10个字。"),
    )
    address = forms.CharField(label=_("详细地址"), max_length=200, help_text=_("只有派单中心和承办单位能看到。"))


class AppealForm(ReportFields):
    latitude = forms.DecimalField(required=False, widget=forms.HiddenInput, max_digits=12, decimal_places=8)
    longitude = forms.DecimalField(required=False, widget=forms.HiddenInput, max_digits=12, decimal_places=8)
    photos = PhotosField(label=_("照片（最多9张）"), required=False, widget=_photo_widget())
    contact_name = forms.CharField(label=_("联系人"), max_length=40)
    contact_phone = forms.CharField(
        label=_("联系电话"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text=_("不公开，仅用于承办单位联系你。"),
    )
    publish_consent = forms.BooleanField(
        label=_("同意在隐去个人信息后公开我的诉求和答复"), required=False
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact_name"].widget.attrs["autocomplete"] = "name"
        self.fields["address"].widget.attrs["autocomplete"] = "street-address"


class CallerForm(ReportFields):
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=[("", _("按事项默认"))] + list(Urgency.choices), required=False)
    caller_name = forms.CharField(label=_("来电人"), max_length=40)
    caller_phone = forms.CharField(label=_("来电号码"), max_length=20)
    publish_consent = forms.BooleanField(label=_("来电人同意公开"), required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)


class DispatchForm(forms.Form):
    item = forms.ModelChoiceField(label=_("事项分类"), queryset=Item.objects.filter(active=True).select_related("category"))
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Urgency.choices)
    primary_unit = forms.ModelChoiceField(label=_("主办单位"), queryset=Unit.objects.order_by("name"))
    primary_instructions = forms.CharField(
        label=_("主办分工说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    co_units = forms.ModelMultipleChoiceField(
        label=_("协办单位"), queryset=Unit.objects.order_by("name"), required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}), help_text=_("可多选（按住 Ctrl 或长按）。"),
    )
    co_instructions = forms.CharField(
        label=_("协办分工说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    reason = forms.CharField(label=_("派单意见"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("退回理由"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class ContactRevealForm(forms.Form):
    """Why a staff member reveals the resident's contact: picked from the
    usual purposes, or typed (其他). `reason()` is the text that is logged."""

    PURPOSES = [
        ("callback", _("回访联系市民")),
        ("site", _("核实现场位置")),
        ("visit", _("约定上门办理")),
        ("other", _("其他")),
    ]
    purpose = forms.ChoiceField(label=_("查看原因"), choices=PURPOSES)
    detail = forms.CharField(label=_("说明（选“其他”时必填）"), max_length=150, required=False)

    def clean(self):
        data = super().clean()
        if data.get("purpose") == "other" and not (data.get("detail") or "").strip():
            self.add_error("detail", _("请写明查看原因。"))
        return data

    def reason(self) -> str:
        label = str(dict(self.PURPOSES)[self.cleaned_data["purpose"]])
        detail = " ".join(self.cleaned_data.get("detail", "").split())
        if self.cleaned_data["purpose"] == "other":
            return _("其他：%(detail)s") % {"detail": detail}
        return f"{label}：{detail}" if detail else label


class ContactLogFilterForm(forms.Form):
    """Filters of the organisers' log of reveals (all optional)."""

    unit = forms.ModelChoiceField(label=_("单位"), queryset=Unit.objects.order_by("name"), required=False,
                                  empty_label=_("全部单位"))
    appeal = forms.CharField(label=_("诉求编号"), max_length=32, required=False)
    date_from = forms.DateField(label=_("起始日期"), required=False, input_formats=["%Y-%m-%d"],
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("结束日期"), required=False, input_formats=["%Y-%m-%d"],
                              widget=forms.DateInput(attrs={"type": "date"}))


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("答复内容（公开给市民）"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))


class ResolveForm(forms.Form):
    summary = forms.CharField(label=_("办理结果"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))
    photos = PhotosField(label=_("办理后照片（最多9张）"), required=False, widget=_photo_widget())


class NoteForm(forms.Form):
    body = forms.CharField(label=_("内部备注（市民看不到）"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ExtensionForm(forms.Form):
    extra_working_days = forms.IntegerField(label=_("延长工作日"), min_value=1, max_value=30)
    reason = forms.CharField(label=_("延期理由"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class ExtensionDecisionForm(forms.Form):
    grant = forms.TypedChoiceField(
        label=_("决定"), choices=[("1", _("同意")), ("0", _("不同意"))], coerce=lambda v: v == "1"
    )
    note = forms.CharField(label=_("说明"), required=False, max_length=1000)


class ClueForm(forms.Form):
    platform = forms.CharField(label=_("平台"), max_length=40, help_text=_("如 微博、抖音、本地论坛"))
    url = forms.URLField(label=_("链接"), max_length=500, assume_scheme="https")
    summary = forms.CharField(label=_("内容摘要"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    area = forms.ModelChoiceField(label=_("涉及镇街"), queryset=Area.objects.all(), required=False)


class ClueVerifyForm(forms.Form):
    genuine = forms.TypedChoiceField(
        label=_("核实结果"), choices=[("1", _("属实")), ("0", _("不属实/不予受理"))], coerce=lambda v: v == "1"
    )
    note = forms.CharField(label=_("核实情况"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ClueConvertForm(ReportFields):
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=[("", _("按事项默认"))] + list(Urgency.choices), required=False)
    contact_name = forms.CharField(label=_("联系人"), max_length=40, initial=_("网络线索"))
    contact_phone = forms.CharField(label=_("联系电话"), max_length=20, help_text=_("核实时联系到的电话，如社区网格员。"))


# --- Queries of the public pages, the export and the API ----------------------

def _listed(rows) -> list[tuple[str, str]]:
    """Choices from a cached list of {"pk", "name"} (no query per page)."""
    return [("", "")] + [(str(row["pk"]), row["name"]) for row in rows]


class ListedIdField(forms.TypedChoiceField):
    """An id from a cached filter list. One the list lacks is looked up in its
    table before it is refused: a town or category added since the list was
    cached (it is kept until the next rebuild of the figures) is not refused."""

    def __init__(self, model, message):
        super().__init__(required=False, coerce=int, empty_value=None, error_messages={"invalid_choice": message})
        self.model = model

    def valid_value(self, value) -> bool:
        if super().valid_value(value):
            return True
        pk = positive_int(value)
        return pk is not None and self.model.objects.filter(pk=pk).exists()


class StatsQueryForm(forms.Form):
    """period, date, town, category (and, for the API and the export, unit
    and breakdown). The towns and categories are those of the filter lists.
    Read with portal.forms.filter_query (pages) or portal.api.checked_query (API):
    its messages name their field, so it has no labels."""

    period = forms.ChoiceField(required=False, choices=Period.choices,
                               error_messages={"invalid_choice": _("统计周期只能是日、周、月或年。")})
    date = forms.DateField(required=False, input_formats=["%Y-%m-%d"],
                           error_messages={"invalid": _("日期应写作 年-月-日，如 2026-03-05。")})
    area = ListedIdField(Area, _("没有这个镇街。"))
    category = ListedIdField(Category, _("没有这个大类。"))
    unit = ListedIdField(Unit, _("没有这个单位。"))  # any unit (API, export): no list, each id looked up
    by = forms.ChoiceField(required=False, choices=[("unit", "unit"), ("area", "area"), ("category", "category")],
                           error_messages={"invalid_choice": _("分组只能是 unit、area 或 category。")})

    def __init__(self, data, *, areas, categories):
        super().__init__(data)
        self.fields["area"].choices = _listed(areas)
        self.fields["category"].choices = _listed(categories)

    def clean_date(self):
        from appeals.selectors.stats import EARLIEST_DAY, LATEST_DAY

        day = self.cleaned_data["date"]
        if day is not None and not EARLIEST_DAY <= day <= LATEST_DAY:
            raise forms.ValidationError(_("只能查询 %(first)s 年到 %(last)s 年的数据。") % {
                "first": EARLIEST_DAY.year, "last": LATEST_DAY.year})
        return day


WALL_LAST_PAGE = 1000  # 20 a page: the newest 20,000 published appeals; search and filters reach the rest


class WallQueryForm(forms.Form):
    """category, area, unit, state, page and search words of the 问政墙 (the
    lists its filter shows); search words are cut to 40 characters, as the box does."""

    category = ListedIdField(Category, _("没有这个大类。"))
    area = ListedIdField(Area, _("没有这个镇街。"))
    unit = ListedIdField(Unit, _("没有这个承办单位。"))
    state = forms.ChoiceField(required=False, error_messages={"invalid_choice": _("状态只能是待派单、办理中或已办结。")})
    page = forms.IntegerField(required=False, min_value=1, max_value=WALL_LAST_PAGE, error_messages={
        "invalid": _("页码应为正整数。"), "min_value": _("页码应为正整数。"),
        "max_value": _("只能翻到第 %(limit_value)s 页，请用搜索或筛选缩小范围。")})
    q = forms.CharField(required=False)

    def __init__(self, data, *, categories, areas, units, states):
        super().__init__(data)
        self.fields["category"].choices = _listed(categories)
        self.fields["area"].choices = _listed(areas)
        self.fields["unit"].choices = _listed(units)
        self.fields["state"].choices = [("", ""), *states]

    def clean_q(self):
        return self.cleaned_data["q"][:40]


class QueueSearchForm(forms.Form):
    """The dispatch centre's search of its queue (all optional): words, a
    tracking number or a phone's last four digits; state, category, area,
    how close the dispatch deadline is."""

    q = forms.CharField(label=_("搜索"), max_length=40, required=False, help_text=_("诉求编号、联系电话后四位、关键词或镇街"),
                        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "enterkeyhint": "search", "aria-describedby": "queue-q-help"}))
    state = forms.ChoiceField(label=_("状态"), required=False)
    category = forms.ModelChoiceField(label=_("大类"), queryset=Category.objects.order_by("position", "code"),
                                      required=False, empty_label=_("全部大类"))
    area = forms.ModelChoiceField(label=_("镇街"), queryset=Area.objects.order_by("position", "code"),
                                  required=False, empty_label=_("全部镇街"))
    due = forms.ChoiceField(label=_("派单时限"), required=False, choices=[
        ("", _("全部")), ("soon", _("30 分钟内到期")), ("overdue", _("已超时")),
    ])

    def __init__(self, data=None, **kwargs):
        from appeals.enums import APPEAL_DISPATCH_STATES, AppealState

        super().__init__(data, **kwargs)
        self.fields["state"].choices = [("", _("全部状态"))] + [
            (state.value, AppealState(state).label) for state in APPEAL_DISPATCH_STATES
        ]


class CalendarDayForm(forms.Form):
    """A day of the working-day calendar: holiday, make-up workday or an
    ordinary day again. ``expected``: the digest of the preview confirmed
    (empty: show the preview first)."""

    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    kind = forms.ChoiceField(label=_("设为"), widget=forms.RadioSelect, choices=[
        ("holiday", _("放假（工作日休息）")), ("workday", _("调休上班（周末上班）")), ("clear", _("普通日（清除设置）")),
    ])
    name = forms.CharField(label=_("名称"), max_length=40, required=False, help_text=_("例如“春节”“国庆节调休”；清除时不用填。"))
    expected = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)


class CalendarImportForm(forms.Form):
    """A year's holiday list (appeals.calendar_file: CSV date,kind,name)."""

    year = forms.IntegerField(label=_("年份"), min_value=2000, max_value=2100, widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    file = forms.FileField(label=_("节假日文件（CSV）"), help_text=_("每行一天：date,kind,name，例如 2027-02-08,holiday,春节。"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}))


class CalendarImportApplyForm(forms.Form):
    """The file's text again, as the preview showed it, and the preview's digest."""

    year = forms.IntegerField(min_value=2000, max_value=2100, widget=forms.HiddenInput)
    content = forms.CharField(max_length=64 * 1024, strip=False, widget=forms.HiddenInput)
    expected = forms.CharField(max_length=64, widget=forms.HiddenInput)


class CatalogueUploadForm(forms.Form):
    """The dispatch centre's upload of the catalogue or the responsibility list."""

    kind = forms.ChoiceField(label=_("清单"), choices=CatalogueList.choices, widget=forms.HiddenInput)
    file = forms.FileField(
        label=_("文件（.xlsx 或 .csv）"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("Excel（.xlsx）或 CSV，最多 %(mb)d MB。") % {
            "mb": settings.APPEALS_CATALOGUE_MAX_BYTES // 1_048_576}
