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
- The vote is ONE prepared statement in autocommit (voting/services/casting.py):
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


# The bounds of a daily quota: the table's constraint, set_rules's check and
# the rules form all read them here.
QUOTA_MIN, QUOTA_MAX = 1, 100


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
                condition=Q(votes_per_day__gte=QUOTA_MIN, votes_per_day__lte=QUOTA_MAX),
                name=f"rules_votes_per_day_{QUOTA_MIN}_to_{QUOTA_MAX}",
            ),
            models.CheckConstraint(
                condition=Q(votes_per_case_per_day__gte=QUOTA_MIN, votes_per_case_per_day__lte=F("votes_per_day")),
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


# The expert panel's models (voting.panel.models) belong to this app too;
# importing them here registers them with it.
from voting.panel.models import (  # noqa: E402, F401
    Criterion,
    Finalist,
    FinalistCut,
    Mark,
    PanelEvent,
    PanelSeat,
    PanelSettings,
    ResultVersion,
    Review,
    ReviewAssignment,
    ReviewerProfile,
)
