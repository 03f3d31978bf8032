"""The expert panel's data: settings, the finalists' cut, reviewers and
their seats and assignments, criteria, reviews and marks, the panel's event
log and the published result versions. The rules live in
voting.panel.services, the arithmetic in voting.panel.standings (pure).

These models keep the app label ``voting`` (voting.panel is a subpackage,
see its __init__): their tables are ``voting_*`` and voting/migrations holds
their migrations. voting.models imports them so the app registry finds them.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cases.models import Campaign, CaseEntry
from voting.panel.enums import (
    Aggregate,
    AssignmentMode,
    PanelAction,
    ReviewerCategory,
    ReviewState,
    VoteMethod,
)


# Bounds of the panel's settings: the table's constraints, set_panel_settings's
# checks, the settings form and the API serializer all read them here.
FINALISTS_MIN, FINALISTS_MAX = 1, 500
REVIEWS_PER_CASE_MIN, REVIEWS_PER_CASE_MAX = 1, 100


class PanelSettings(models.Model):
    """How a campaign's finalists are chosen, scored and combined with votes.
    A campaign without a row runs on the defaults."""

    campaign = models.OneToOneField(
        Campaign, on_delete=models.CASCADE, related_name="panel_settings", verbose_name=_("活动")
    )
    finalists = models.PositiveSmallIntegerField(_("入围案例数"), default=30)
    aggregate = models.CharField(_("专家分计算方法"), max_length=16, choices=Aggregate.choices,
                                 default=Aggregate.TRIMMED_MEAN)
    vote_method = models.CharField(_("票数分计算方法"), max_length=16, choices=VoteMethod.choices,
                                   default=VoteMethod.MAX_RATIO)
    vote_weight = models.DecimalField(_("票数权重"), max_digits=3, decimal_places=2, default=Decimal("0.30"))
    panel_weight = models.DecimalField(_("专家权重"), max_digits=3, decimal_places=2, default=Decimal("0.70"))
    assignment = models.CharField(_("分配方式"), max_length=16, choices=AssignmentMode.choices,
                                  default=AssignmentMode.ALL_TO_ALL)
    reviews_per_case = models.PositiveSmallIntegerField(
        _("每个案例至少评审人数"), default=5, help_text=_("均衡分配时使用。")
    )
    show_reviewer_names = models.BooleanField(
        _("公开评委姓名"), default=False, help_text=_("关闭时，评委之间和导出结果中只显示“评委 1、评委 2…”。")
    )
    criteria_frozen_at = models.DateTimeField(_("评分标准锁定时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("专家评审设置")
        verbose_name_plural = _("专家评审设置")
        constraints = [
            models.CheckConstraint(
                condition=Q(finalists__gte=FINALISTS_MIN, finalists__lte=FINALISTS_MAX),
                name=f"panel_finalists_{FINALISTS_MIN}_to_{FINALISTS_MAX}",
            ),
            models.CheckConstraint(
                condition=Q(reviews_per_case__gte=REVIEWS_PER_CASE_MIN, reviews_per_case__lte=REVIEWS_PER_CASE_MAX),
                name=f"panel_reviews_per_case_{REVIEWS_PER_CASE_MIN}_to_{REVIEWS_PER_CASE_MAX}",
            ),
            models.CheckConstraint(
                condition=Q(vote_weight__gte=0, panel_weight__gte=0)
                & Q(vote_weight=Decimal(1) - F("panel_weight")),
                name="panel_weights_add_up_to_one",
            ),
        ]

    def __str__(self) -> str:
        return str(self.campaign)


class FinalistCut(models.Model):
    """One decision of who the finalists are, with the valid vote counts it
    was made from (every case on the board). The latest is current; a
    recomputation adds a new cut with its reason, the old one stays."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="finalist_cuts",
                                 verbose_name=_("活动"))
    made_at = models.DateTimeField(_("时间"), auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("操作人"))
    n = models.PositiveSmallIntegerField(_("入围名额"))
    cut_votes = models.PositiveIntegerField(_("入围线票数"), null=True, blank=True)
    counts = models.JSONField(_("所依据的有效票数"), default=dict)
    reason = models.CharField(_("原因"), max_length=500, blank=True)
    is_current = models.BooleanField(_("当前有效"), default=True)

    class Meta:
        verbose_name = _("入围名单")
        verbose_name_plural = _("入围名单")
        ordering = ["-made_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign"], condition=Q(is_current=True), name="one_current_cut"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.made_at:%Y-%m-%d %H:%M}"


class Finalist(models.Model):
    cut = models.ForeignKey(FinalistCut, on_delete=models.CASCADE, related_name="finalists")
    case = models.ForeignKey(CaseEntry, on_delete=models.PROTECT, related_name="+", verbose_name=_("案例"))
    votes = models.PositiveIntegerField(_("入围时有效票数"))
    vote_rank = models.PositiveSmallIntegerField(_("票数名次"))

    class Meta:
        verbose_name = _("入围案例")
        verbose_name_plural = _("入围案例")
        ordering = ["cut", "vote_rank", "pk"]
        constraints = [models.UniqueConstraint(fields=["cut", "case"], name="finalist_once_per_cut")]


class ReviewerProfile(models.Model):
    """Who a reviewer is. Their affiliated units are their reviewer
    memberships with a unit (portal.selectors.affiliated_unit_ids)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviewer_profile",
                                verbose_name=_("账号"))
    name = models.CharField(_("姓名"), max_length=40)
    title = models.CharField(_("职务/职称"), max_length=120, blank=True)
    category = models.CharField(_("类别"), max_length=16, choices=ReviewerCategory.choices)

    class Meta:
        verbose_name = _("评委")
        verbose_name_plural = _("评委")
        ordering = ["category", "name"]

    def __str__(self) -> str:
        return self.name


class PanelSeat(models.Model):
    """A reviewer sits on a campaign's panel."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="panel_seats")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="panel_seats")
    invited_at = models.DateTimeField(_("邀请时间"), auto_now_add=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")

    class Meta:
        verbose_name = _("评委席位")
        verbose_name_plural = _("评委席位")
        constraints = [models.UniqueConstraint(fields=["campaign", "reviewer"], name="one_seat_per_reviewer")]


class ReviewAssignment(models.Model):
    """A finalist given to a reviewer (评审分配). Never a case of a unit the
    reviewer is affiliated with: the service refuses it and a trigger does too."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey(CaseEntry, on_delete=models.PROTECT, related_name="panel_assignments")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="panel_assignments")
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # Named ReviewAssignment since migration 0007 (appeals has a unit's
        # work order); the table keeps its name, which the conflict trigger uses.
        db_table = "voting_assignment"
        verbose_name = _("评审分配")
        verbose_name_plural = _("评审分配")
        constraints = [models.UniqueConstraint(fields=["case", "reviewer"], name="assignment_once")]
        indexes = [models.Index(fields=["campaign", "reviewer"], name="assignment_reviewer_idx")]


class Criterion(models.Model):
    """One scoring criterion of a campaign. Frozen once the first review is
    submitted (the service refuses; a trigger refuses too)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("活动"))
    name = models.CharField(_("名称"), max_length=30)
    guidance = models.TextField(_("评分说明"), blank=True)
    weight = models.DecimalField(_("权重"), max_digits=5, decimal_places=2)
    max_mark = models.DecimalField(_("满分"), max_digits=5, decimal_places=1)
    required = models.BooleanField(_("必评"), default=True)
    position = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("评分标准")
        verbose_name_plural = _("评分标准")
        ordering = ["campaign", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "name"], name="criterion_unique_name"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="criterion_weight_positive"),
            models.CheckConstraint(condition=Q(max_mark__gt=0), name="criterion_max_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class Review(models.Model):
    """A reviewer's marks for one finalist: a draft until submitted; then
    locked (a trigger refuses changes to its marks) until an organiser
    reopens it."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey(CaseEntry, on_delete=models.PROTECT, related_name="panel_reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="panel_reviews")
    state = models.CharField(_("状态"), max_length=12, choices=ReviewState.choices, default=ReviewState.DRAFT)
    comment = models.TextField(_("评语"), blank=True, max_length=2000)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("评审")
        verbose_name_plural = _("评审")
        constraints = [
            models.UniqueConstraint(fields=["case", "reviewer"], name="review_once"),
            models.CheckConstraint(
                condition=Q(state=ReviewState.DRAFT) | Q(submitted_at__isnull=False), name="review_submitted_has_time"
            ),
        ]
        indexes = [models.Index(fields=["campaign", "state"], name="review_campaign_state_idx")]

    @property
    def is_submitted(self) -> bool:
        return self.state == ReviewState.SUBMITTED


class Mark(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="marks")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="marks")
    value = models.DecimalField(_("分数"), max_digits=5, decimal_places=1, null=True, blank=True)

    class Meta:
        verbose_name = _("分项分数")
        verbose_name_plural = _("分项分数")
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="mark_once"),
            models.CheckConstraint(condition=Q(value__isnull=True) | Q(value__gte=0), name="mark_not_negative"),
        ]


class PanelEvent(models.Model):
    """Append-only record of the panel's decisions: finalists chosen or
    recomputed, reviews submitted or reopened, results published."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="panel_events")
    action = models.CharField(_("操作"), max_length=24, choices=PanelAction.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("操作人"))
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    review = models.ForeignKey(Review, on_delete=models.CASCADE, null=True, blank=True, related_name="events")
    reason = models.CharField(_("原因"), max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("评审记录")
        verbose_name_plural = _("评审记录")
        ordering = ["-at", "-pk"]


class ResultVersion(models.Model):
    """A published result: the full breakdown frozen as published (a trigger
    refuses updates and deletes). A correction is a new version with its
    reason; earlier versions stay visible."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="result_versions")
    version = models.PositiveSmallIntegerField(_("版本"))
    published_at = models.DateTimeField(_("发布时间"), auto_now_add=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("发布人"))
    reason = models.CharField(_("说明"), max_length=500, blank=True)
    override = models.BooleanField(_("评审未全部完成时发布"), default=False)
    breakdown = models.JSONField(_("完整明细"))

    class Meta:
        verbose_name = _("发布结果")
        verbose_name_plural = _("发布结果")
        ordering = ["campaign", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "version"], name="result_version_unique"),
            models.CheckConstraint(condition=Q(version__gte=1), name="result_version_positive"),
            models.CheckConstraint(
                condition=(Q(version=1) & Q(override=False)) | ~Q(reason=""), name="result_correction_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} v{self.version}"
