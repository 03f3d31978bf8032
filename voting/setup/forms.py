"""The wizard's forms: they parse what was typed into a Setup; every rule
(bounds, order, overlaps, names) is services.check_setup's, asked by
``SetupWizard.is_valid`` and shown beside the field it concerns. The
inputs carry the same bounds as min/max hints for phones' keyboards."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.enums import PHASE_ORDER, PhaseKind, TrackKind
from cases.models import AWARDS_MAX, AWARDS_MIN, ENTRY_LIMIT_MAX, ENTRY_LIMIT_MIN, Campaign, PhaseChange
from cases.services import DEFAULT_DOMAINS, CampaignPlan, DomainPlan, TrackPlan
from cases.services.setup import YEAR_MAX, YEAR_MIN
from portal import timeutils
from portal.errors import form_refusal
from portal.localised import ENGLISH_HELP
from portal.exceptions import PortalError
from voting.models import QUOTA_MAX, QUOTA_MIN
from voting.panel.enums import Aggregate, AssignmentMode, VoteMethod
from voting.panel.models import FINALISTS_MAX, FINALISTS_MIN, REVIEWS_PER_CASE_MAX, REVIEWS_PER_CASE_MIN
from voting.setup import services
from voting.setup.services import PanelPlan, RulesPlan, Setup

# The first colours offered to a new campaign's domains (cards on the board).
PALETTE = ["#a4161a", "#1d4ed8", "#047857", "#b45309", "#7c3aed", "#0f766e", "#be185d", "#4d7c0f", "#334155"]
# The wizard's steps: (anchor, number, name).
STEPS = [("basics", 1, _("基本信息")), ("tracks", 2, _("奖项")), ("domains", 3, _("领域")), ("phases", 4, _("阶段")),
         ("rules", 5, _("投票规则")), ("panel", 6, _("专家评审"))]
ROW = re.compile(r"^(tracks|domains)-(\d+)-(\w+)$")


def number(label, low: int, high: int, **kwargs) -> forms.IntegerField:
    return forms.IntegerField(label=label, widget=forms.NumberInput(attrs={"min": low, "max": high,
                                                                             "inputmode": "numeric"}), **kwargs)


class LocalDateTimeField(forms.DateTimeField):
    """A moment typed and shown in Beijing time (Asia/Shanghai), whatever
    the request's time zone; stored as UTC like every moment."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
        super().__init__(**kwargs)

    def to_python(self, value):
        with timezone.override(timeutils.LOCAL_TZ):
            return super().to_python(value)

    def prepare_value(self, value):
        with timezone.override(timeutils.LOCAL_TZ):
            return super().prepare_value(value)


class CampaignForm(forms.Form):
    title = forms.CharField(label=_("活动名称"), max_length=120, help_text=_("如“2026 东莞市民点赞榜”。"))
    title_en = forms.CharField(label=_("英文名称"), max_length=200, required=False, help_text=ENGLISH_HELP)
    slug = forms.CharField(label=_("网址标识"), max_length=60, help_text=_("用于网址，小写字母、数字和连字符，如 dg-2026。"),
                           widget=forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false"}))
    year = number(_("年度"), YEAR_MIN, YEAR_MAX)
    description = forms.CharField(label=_("简介"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    entry_limit_per_track = number(_("每个单位每个奖项可报案例数"), ENTRY_LIMIT_MIN, ENTRY_LIMIT_MAX,
                                   help_text=_("奖项没有单独设置时按此上限。"))
    votes_per_day = number(_("每人每天可投票数"), QUOTA_MIN, QUOTA_MAX)
    votes_per_case_per_day = number(_("每人每天对同一案例可投票数"), QUOTA_MIN, QUOTA_MAX)
    allow_unverified = forms.BooleanField(label=_("允许未验证账号投票"), required=False)
    require_verified_phone = forms.BooleanField(label=_("须验证手机号（一人一号）"), required=False)
    finalists = number(_("入围案例数"), FINALISTS_MIN, FINALISTS_MAX, help_text=_("投票结束后票数前 N 名进入专家评审。"))
    aggregate = forms.ChoiceField(label=_("专家分计算方法"), choices=Aggregate.choices)
    vote_method = forms.ChoiceField(label=_("票数分计算方法"), choices=VoteMethod.choices)
    vote_weight = forms.DecimalField(label=_("票数权重（专家权重 = 1 − 票数权重）"), decimal_places=None,
                                     widget=forms.NumberInput(attrs={"min": 0, "max": 1, "step": "0.05",
                                                                     "inputmode": "decimal"}))
    assignment = forms.ChoiceField(label=_("分配方式"), choices=AssignmentMode.choices)
    reviews_per_case = number(_("每个案例至少评审人数（均衡分配）"), REVIEWS_PER_CASE_MIN, REVIEWS_PER_CASE_MAX)
    show_reviewer_names = forms.BooleanField(label=_("在评委之间和导出结果中显示评委姓名"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in PHASE_ORDER:
            self.fields[f"{kind}_starts_at"] = LocalDateTimeField(label=_("开始时间"))
            self.fields[f"{kind}_ends_at"] = LocalDateTimeField(label=_("结束时间"))

    def basics(self):
        return [self[name] for name in ("title", "title_en", "slug", "year", "description", "entry_limit_per_track")]

    def phase_rows(self):
        return [(PhaseKind(kind).label, self[f"{kind}_starts_at"], self[f"{kind}_ends_at"]) for kind in PHASE_ORDER]

    def steps_with_errors(self) -> set[str]:
        """The wizard's steps that hold an error (their chips are marked)."""
        names = {"basics": ["title", "title_en", "slug", "year", "description", "entry_limit_per_track"],
                 "phases": [f"{kind}_{end}" for kind in PHASE_ORDER for end in ("starts_at", "ends_at")],
                 "rules": ["votes_per_day", "votes_per_case_per_day", "require_verified_phone", "allow_unverified"],
                 "panel": ["finalists", "aggregate", "vote_method", "vote_weight", "assignment", "reviews_per_case",
                           "show_reviewer_names"]}
        marked = {step for step, fields in names.items() if any(name in self.errors for name in fields)}
        return marked | ({"basics"} if self.non_field_errors() else set())

    def rules(self):
        return [self[name] for name in ("votes_per_day", "votes_per_case_per_day", "require_verified_phone",
                                        "allow_unverified")]

    def panel(self):
        return [self[name] for name in ("finalists", "aggregate", "vote_method", "vote_weight", "assignment",
                                        "reviews_per_case", "show_reviewer_names")]


class TrackForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("奖项名称"), max_length=60, required=False)
    name_en = forms.CharField(label=_("英文名称"), max_length=120, required=False, help_text=ENGLISH_HELP)
    kind = forms.ChoiceField(label=_("类型"), choices=TrackKind.choices, initial=TrackKind.TYPICAL_CASE)
    description = forms.CharField(label=_("说明"), max_length=300, required=False)
    entry_limit_per_unit = number(_("每个单位可报数"), ENTRY_LIMIT_MIN, ENTRY_LIMIT_MAX, required=False,
                                  help_text=_("留空则按本届统一上限。"))
    awards = number(_("获奖名额"), AWARDS_MIN, AWARDS_MAX, required=False)


class DomainForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("领域名称"), max_length=30, required=False)
    name_en = forms.CharField(label=_("英文名称"), max_length=60, required=False,
                              widget=forms.TextInput(attrs={"placeholder": _("英文名称（可不填）"), "lang": "en"}))
    colour = forms.CharField(label=_("颜色"), max_length=7, initial="#a4161a",
                             widget=forms.TextInput(attrs={"type": "color"}))


TrackFormSet = forms.formset_factory(TrackForm, extra=1, can_delete=True, max_num=20, validate_max=True)
DomainFormSet = forms.formset_factory(DomainForm, extra=2, can_delete=True, max_num=40, validate_max=True)


def suggested_phases(today: dt.date) -> dict:
    """A new campaign's first draft: from the 1st of next month, 09:00
    Beijing time, 20 days' call, 10 screening, 7 voting, 14 review, 30 results."""
    first = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    start, spans = timeutils.local_datetime(first.year, first.month, 1, 9), {}
    for kind, days in zip(PHASE_ORDER, [20, 10, 7, 14, 30]):
        spans[kind] = (start, start + dt.timedelta(days=days))
        start += dt.timedelta(days=days)
    return spans


def new_setup() -> Setup:
    phases = suggested_phases(timeutils.local_day())
    plan = CampaignPlan(
        title="", slug="", year=phases["call"][0].year, phases=phases,
        tracks=(TrackPlan(name=str(TrackKind.TYPICAL_CASE.label)),),
        domains=tuple(DomainPlan(name=name, colour=PALETTE[i % len(PALETTE)]) for i, name in enumerate(DEFAULT_DOMAINS)),
    )
    return Setup(plan=plan, rules=RulesPlan(), panel=PanelPlan())


class SetupWizard:
    """The campaign form and its two row sets, read as one Setup."""

    def __init__(self, data=None, *, setup: Setup | None = None, campaign: Campaign | None = None):
        setup = setup or new_setup()
        self.campaign = campaign
        plan = setup.plan
        initial = {"title": plan.title, "title_en": plan.title_en, "slug": plan.slug, "year": plan.year, "description": plan.description,
                   "entry_limit_per_track": plan.entry_limit_per_track, **vars(setup.rules), **vars(setup.panel)}
        for kind, (start, end) in plan.phases.items():
            initial |= {f"{kind}_starts_at": start, f"{kind}_ends_at": end}
        self.form = CampaignForm(data, initial=initial)
        self.tracks = TrackFormSet(data, prefix="tracks", initial=[vars(t) for t in plan.tracks])
        self.domains = DomainFormSet(data, prefix="domains", initial=[vars(d) for d in plan.domains])
        self.setup: Setup | None = None
        self._rows = {"tracks": [], "domains": []}

    def _kept(self, formset) -> list[forms.Form]:
        """The rows that stay: not ticked for deletion, not a blank new row."""
        return [f for f in formset.forms
                if not f.cleaned_data.get("DELETE") and (f.cleaned_data.get("id") or f.cleaned_data.get("name"))]

    def _build(self) -> Setup:
        data = self.form.cleaned_data
        self._rows = {"tracks": self._kept(self.tracks), "domains": self._kept(self.domains)}
        tracks = tuple(TrackPlan(id=f.cleaned_data["id"], name=f.cleaned_data["name"], kind=f.cleaned_data["kind"],
                                 name_en=f.cleaned_data["name_en"],
                                 description=f.cleaned_data["description"],
                                 entry_limit_per_unit=f.cleaned_data["entry_limit_per_unit"],
                                 awards=f.cleaned_data["awards"]) for f in self._rows["tracks"])
        domains = tuple(DomainPlan(id=f.cleaned_data["id"], name=f.cleaned_data["name"], name_en=f.cleaned_data["name_en"],
                                   colour=f.cleaned_data["colour"]) for f in self._rows["domains"])
        plan = CampaignPlan(
            title=data["title"], title_en=data["title_en"], slug=data["slug"].strip(), year=data["year"], description=data["description"],
            entry_limit_per_track=data["entry_limit_per_track"], tracks=tracks, domains=domains,
            phases={kind: (data[f"{kind}_starts_at"], data[f"{kind}_ends_at"]) for kind in PHASE_ORDER},
        )
        rules = RulesPlan(**{name: data[name] for name in vars(RulesPlan())})
        panel = PanelPlan(**{name: data[name] for name in vars(PanelPlan())} | {
            "vote_weight": Decimal(data["vote_weight"])})
        return Setup(plan=plan, rules=rules, panel=panel)

    def is_valid(self) -> bool:
        if not all([self.form.is_valid(), self.tracks.is_valid(), self.domains.is_valid()]):
            return False
        self.setup = self._build()
        try:
            services.check_setup(self.setup, campaign=self.campaign)
        except PortalError as exc:
            self.refuse(exc)
            return False
        return True

    def refuse(self, refusal: PortalError) -> None:
        """A refusal of the input beside the field or row it names (a forged
        id, a 404, goes on to the error page like any refusal of the request)."""
        match = ROW.match(refusal.field or "")
        if refusal.about_input and match:
            prefix, index, name = match.group(1), int(match.group(2)), match.group(3)
            rows = self._rows[prefix]
            if index < len(rows):
                rows[index].add_error(name if name in rows[index].fields else None, str(refusal.message))
            else:
                (self.tracks if prefix == "tracks" else self.domains).forms[0].add_error("name", str(refusal.message))
            return
        form_refusal(self.form, refusal)

    def steps_with_errors(self) -> set[str]:
        steps = self.form.steps_with_errors() if self.form.is_bound else set()
        for name, formset in (("tracks", self.tracks), ("domains", self.domains)):
            if formset.is_bound and (any(formset.errors) or formset.non_form_errors()):
                steps.add(name)
        return steps

    @property
    def errors(self) -> bool:
        return bool(self.form.errors or any(self.tracks.errors) or any(self.domains.errors)
                    or self.tracks.non_form_errors() or self.domains.non_form_errors())


class PhaseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return str(obj.get_kind_display())


class PhaseMoveForm(forms.Form):
    """Move one phase of a campaign that has opened: the phase (one of this
    campaign's; any other id is an invalid choice), its new times in Beijing
    time and the reason. Every rule is ``cases.services.set_phase``'s; its
    refusals are shown beside the field they concern (``refuse``)."""

    phase = PhaseChoiceField(label=_("阶段"), queryset=None, empty_label=None)
    starts_at = LocalDateTimeField(label=_("新的开始时间（北京时间）"))
    ends_at = LocalDateTimeField(label=_("新的结束时间（北京时间）"))
    reason = forms.CharField(label=_("调整原因"), required=False,
                             max_length=PhaseChange._meta.get_field("reason").max_length,
                             widget=forms.Textarea(attrs={"rows": 3}), help_text=_("必填，记入阶段调整记录。"))

    def __init__(self, *args, campaign: Campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phase"].queryset = campaign.phases.filter(track=None).order_by("starts_at", "pk")

    def refuse(self, refusal: PortalError) -> None:
        """set_phase names the moved phase's own fields (``<kind>_starts_at``)
        or the neighbour's it collides with: an overlap with a later phase is
        the new end's fault, anything else the new start's."""
        field = refusal.field or ""
        kind = self.cleaned_data["phase"].kind
        if field in ("reason", "starts_at", "ends_at"):
            pass
        elif field == f"{kind}_ends_at":
            field = "ends_at"
        elif field == f"{kind}_starts_at":
            field = "starts_at"
        elif field.endswith("_starts_at") or field.endswith("_ends_at"):
            field = "ends_at" if refusal.code == "phase_overlap" else "starts_at"
        if not refusal.about_input:
            raise refusal
        self.add_error(field if field in self.fields else None, str(refusal.message))
