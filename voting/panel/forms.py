"""Forms of the expert panel's pages. They parse; the services decide."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.models import Unit
from voting.panel.enums import Aggregate, AssignmentMode, ReviewerCategory, VoteMethod
from voting.panel.models import FINALISTS_MAX, FINALISTS_MIN, REVIEWS_PER_CASE_MAX, REVIEWS_PER_CASE_MIN


def plain(number: Decimal) -> str:
    """40.0 → "40", 7.5 → "7.5" (never "4E+1")."""
    return format(number.normalize(), "f")


class PanelSettingsForm(forms.Form):
    finalists = forms.IntegerField(label=_("入围案例数"), min_value=FINALISTS_MIN, max_value=FINALISTS_MAX)
    aggregate = forms.ChoiceField(label=_("专家分计算方法"), choices=Aggregate.choices)
    vote_method = forms.ChoiceField(label=_("票数分计算方法"), choices=VoteMethod.choices)
    vote_weight = forms.DecimalField(label=_("票数权重（专家权重 = 1 − 票数权重）"), min_value=Decimal(0),
                                     max_value=Decimal(1), decimal_places=2)
    assignment = forms.ChoiceField(label=_("分配方式"), choices=AssignmentMode.choices)
    reviews_per_case = forms.IntegerField(label=_("每个案例至少评审人数（均衡分配）"), min_value=REVIEWS_PER_CASE_MIN,
                                          max_value=REVIEWS_PER_CASE_MAX)
    show_reviewer_names = forms.BooleanField(label=_("在评委之间和导出结果中显示评委姓名"), required=False)


class CriterionForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=30, required=False)
    guidance = forms.CharField(label=_("评分说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    weight = forms.DecimalField(label=_("权重"), min_value=Decimal("0.01"), max_digits=5, decimal_places=2,
                                required=False)
    max_mark = forms.DecimalField(label=_("满分"), min_value=Decimal("0.1"), max_digits=5, decimal_places=1,
                                  required=False)
    required = forms.BooleanField(label=_("必评"), required=False)


CriterionFormSet = forms.formset_factory(CriterionForm, extra=1, max_num=12)


class InviteForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=40)
    title = forms.CharField(label=_("职务/职称"), max_length=120, required=False)
    category = forms.ChoiceField(label=_("类别"), choices=ReviewerCategory.choices)
    email = forms.EmailField(label=_("邮箱"), required=False)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    units = forms.ModelMultipleChoiceField(
        label=_("关联单位（不会分配这些单位的案例）"), queryset=Unit.objects.order_by("name"), required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=500, required=False)


class PublishForm(forms.Form):
    override = forms.BooleanField(label=_("评审未全部完成时仍然发布"), required=False)
    reason = forms.CharField(label=_("说明（更正版本或未完成时发布必填）"), max_length=500, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))


class ReviewForm(forms.Form):
    """One range-checked input per criterion, with its guidance, and a comment."""

    comment = forms.CharField(label=_("评语（选填）"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        fields = {}
        for criterion in criteria:
            fields[f"mark_{criterion.pk}"] = forms.DecimalField(
                label=f"{criterion.name}（0–{plain(criterion.max_mark)}）",
                help_text=criterion.guidance,
                required=False,
                min_value=Decimal(0),
                max_value=criterion.max_mark,
                decimal_places=1,
                widget=forms.NumberInput(attrs={"step": "0.5", "min": "0", "max": plain(criterion.max_mark),
                                                "inputmode": "decimal"}),
            )
        self.fields = {**fields, "comment": self.fields["comment"]}

    def marks(self) -> dict[int, Decimal | None]:
        return {c.pk: self.cleaned_data.get(f"mark_{c.pk}") for c in self.criteria}

    def mark_fields(self):
        return [self[f"mark_{c.pk}"] for c in self.criteria]
