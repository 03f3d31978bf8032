"""Public voting: the rules of a campaign's vote, ballots, quotas and tallies.

How the numbers stay right and fast (measured; see bench/votes.py):

- A ballot is one inserted row, never updated except to be voided. The
  per-case quota is a unique key (voter, case, local day, slot): slot is 1
  when a campaign allows one vote per case per day, 1..k when it allows k.
  A retry, a double click or two phones at once hit the same key.
- The daily quota is a per-voter-day counter row bumped by an atomic
  ``INSERT … ON CONFLICT DO UPDATE SET used = used + 1 WHERE used < quota``
  in the same statement that inserts the ballot. Two requests of one voter
  racing for the last vote of the day meet on that row; the loser's
  statement aborts itself whole (voting_vote_race(), migration 0004) and is
  retried against the committed state, which refuses it. Only one voter's
  own requests ever wait on that row.
- Tallies are sharded counter rows (case, shard), shard = voter id mod 16,
  bumped in the same statement, so a tally always equals the committed
  non-void ballots: there is nothing to reconcile and nothing lost if a
  process dies. pgbench on this machine (64 clients): one hot counter row per
  case in the vote transaction 1,220 tps (its row lock is held through the
  commit flush, and most votes go to the five leaders); insert-only 12,668
  tps; 16 shards 7,160 tps. The whole HTTP vote path (session, CSRF, rate
  limits, the vote statement, the answer) measured 330–450 votes/s on these
  2 cores (bench/votes.py), limited by Python CPU per request, so 16 shards
  cost nothing measurable while a single row would be a wall, and unlike
  Redis INCR counters they need no reconciliation and survive a Redis flush.
  Voiding decrements the same shards in the voiding transaction.
- The vote is ONE prepared statement in autocommit (voting/services.py):
  profiling showed round trips and statement planning, not the writes, as
  the vote's cost.
- Reads never count ballots: the board, leaderboard and case page read the
  shard sums (80 cases × 16 rows) cached for two seconds, and
  ``CaseEntry.vote_count`` (the board's sort key) is rolled up from the shards
  at most every two seconds while votes arrive plus once after they stop.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cases.models import Campaign, CaseEntry
from voting.enums import VoidRule

TALLY_SHARDS = 16


class VotingRules(models.Model):
    """The vote's settings for one campaign; its window is the campaign's
    voting phase. A campaign without a row votes under the defaults."""

    campaign = models.OneToOneField(
        Campaign, on_delete=models.CASCADE, related_name="voting_rules", verbose_name=_("活动")
    )
    votes_per_day = models.PositiveSmallIntegerField(_("每人每天可投票数"), default=10)
    votes_per_case_per_day = models.PositiveSmallIntegerField(_("每人每天对同一案例可投票数"), default=1)
    allow_unverified = models.BooleanField(
        _("允许未验证账号投票"), default=False, help_text=_("默认只有已验证邮箱或手机号的账号可以投票。")
    )
    # One person, one vote account: one verified phone belongs to one account
    # (portal.User's partial unique index), an e-mail address costs nothing.
    require_verified_phone = models.BooleanField(
        _("须验证手机号（一人一号）"), default=True,
        help_text=_("开启后只有验证过手机号的账号可以投票；一个手机号只能验证一个账号。"),
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("投票规则")
        verbose_name_plural = _("投票规则")
        constraints = [
            models.CheckConstraint(
                condition=Q(votes_per_day__gte=1, votes_per_day__lte=100), name="rules_votes_per_day_1_to_100"
            ),
            models.CheckConstraint(
                condition=Q(votes_per_case_per_day__gte=1, votes_per_case_per_day__lte=F("votes_per_day")),
                name="rules_per_case_within_per_day",
            ),
        ]

    def __str__(self) -> str:
        return str(self.campaign)


class VoidBatch(models.Model):
    """One decision of an organiser to void ballots: who, when, why, by which rule."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="void_batches", verbose_name=_("活动"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("操作人"))
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    rule = models.CharField(_("规则"), max_length=16, choices=VoidRule.choices)
    params = models.JSONField(_("规则参数"), default=dict, blank=True)
    reason = models.CharField(_("原因"), max_length=500)
    ballot_count = models.PositiveIntegerField(_("作废票数"), default=0)

    class Meta:
        verbose_name = _("作废记录")
        verbose_name_plural = _("作废记录")
        ordering = ["-at", "-pk"]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="void_batch_has_reason")]

    def __str__(self) -> str:
        return f"{self.get_rule_display()} · {self.ballot_count}"


class Ballot(models.Model):
    """One accepted vote. Inserted once; voiding marks it, nothing deletes it."""

    # Foreign keys without their own index: every index slows the insert,
    # and the unique key plus the two below serve every query.
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="+", db_index=False, verbose_name=_("活动"))
    case = models.ForeignKey(CaseEntry, on_delete=models.PROTECT, related_name="ballots", db_index=False, verbose_name=_("案例"))
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ballots", db_index=False, verbose_name=_("投票人")
    )
    day = models.DateField(_("投票日（北京时间）"))
    slot = models.PositiveSmallIntegerField(_("当日序号"), default=1)
    cast_at = models.DateTimeField(_("投票时间"))
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    user_agent = models.CharField(_("浏览器标识"), max_length=300, blank=True)
    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False,
        verbose_name=_("作废人"),
    )
    void_reason = models.CharField(_("作废原因"), max_length=500, blank=True)
    void_batch = models.ForeignKey(
        VoidBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="ballots", db_index=False,
        verbose_name=_("作废记录"),
    )

    class Meta:
        verbose_name = _("选票")
        verbose_name_plural = _("选票")
        constraints = [
            models.UniqueConstraint(fields=["voter", "case", "day", "slot"], name="ballot_per_case_per_day"),
            models.CheckConstraint(condition=Q(slot__gte=1), name="ballot_slot_positive"),
            models.CheckConstraint(
                condition=Q(voided_at__isnull=True) | ~Q(void_reason=""), name="ballot_void_has_reason"
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "cast_at"], name="ballot_campaign_time_idx"),
            models.Index(fields=["campaign", "ip"], name="ballot_campaign_ip_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.voter_id} → {self.case_id} @ {self.day}"

    @property
    def is_void(self) -> bool:
        return self.voided_at is not None


class VoterDay(models.Model):
    """How many votes a voter has cast in a campaign on one local day."""

    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    used = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("每日投票计数")
        verbose_name_plural = _("每日投票计数")
        constraints = [
            models.UniqueConstraint(fields=["voter", "campaign", "day"], name="voter_day_unique"),
        ]


class CaseTally(models.Model):
    """One shard of a case's count of non-void ballots."""

    case = models.ForeignKey(CaseEntry, on_delete=models.CASCADE, related_name="+", db_index=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    shard = models.PositiveSmallIntegerField()
    votes = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("票数分片")
        verbose_name_plural = _("票数分片")
        constraints = [
            models.UniqueConstraint(fields=["case", "shard"], name="tally_case_shard"),
            models.CheckConstraint(condition=Q(votes__gte=0), name="tally_not_negative"),
            models.CheckConstraint(condition=Q(shard__lt=TALLY_SHARDS), name="tally_shard_in_range"),
        ]


class VoteRequest(models.Model):
    """The first answer to a vote request carrying an idempotency key; a
    repeat with the same key gets this answer back and changes nothing."""

    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    key = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    status = models.PositiveSmallIntegerField(default=0)
    payload = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("投票请求")
        verbose_name_plural = _("投票请求")
        constraints = [models.UniqueConstraint(fields=["voter", "key"], name="vote_request_unique_key")]
        indexes = [models.Index(fields=["created_at"], name="vote_request_created_idx")]


class VoteSnapshot(models.Model):
    """Totals of a campaign at one minute, for the votes-over-time chart."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="vote_snapshots")
    minute = models.DateTimeField(_("时间（整分钟）"))
    total_votes = models.PositiveIntegerField(_("有效票数"))
    voided_votes = models.PositiveIntegerField(_("作废票数"), default=0)
    voters = models.PositiveIntegerField(_("投票人数"), default=0)

    class Meta:
        verbose_name = _("票数快照")
        verbose_name_plural = _("票数快照")
        ordering = ["campaign", "minute"]
        constraints = [models.UniqueConstraint(fields=["campaign", "minute"], name="snapshot_one_per_minute")]

    def __str__(self) -> str:
        return f"{self.campaign} {self.minute:%Y-%m-%d %H:%M} {self.total_votes}"


# =============================================================================
# Expert panel and final standings (issue 5): finalists, reviewers, criteria,
# reviews and marks, published results. The rules live in voting.panel.services,
# the arithmetic in voting.panel.standings (pure).
# =============================================================================

from decimal import Decimal  # noqa: E402

from voting.panel.enums import (  # noqa: E402
    Aggregate,
    AssignmentMode,
    PanelAction,
    ReviewerCategory,
    ReviewState,
    VoteMethod,
)


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
            models.CheckConstraint(condition=Q(finalists__gte=1), name="panel_finalists_at_least_one"),
            models.CheckConstraint(condition=Q(reviews_per_case__gte=1), name="panel_reviews_per_case_positive"),
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


class Assignment(models.Model):
    """A finalist given to a reviewer. Never a case of a unit the reviewer is
    affiliated with: the service refuses it and a trigger does too."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey(CaseEntry, on_delete=models.PROTECT, related_name="panel_assignments")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="panel_assignments")
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
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
