"""Ratings (好差评): the programme's settings, residents' ratings and the
rectifications (整改) a bad rating opens."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appeals.enums import RectificationState
from appeals.models.appeals import Appeal


class AppealSettings(models.Model):
    """Settings of the ratings programme (one row, organisers edit it in the admin)."""

    rating_window_days = models.PositiveSmallIntegerField(_("评价期限（天）"), default=7)
    auto_rate_after_window = models.BooleanField(
        _("逾期未评价自动记为满意"), default=False,
        help_text=_("关闭时，逾期未评价的诉求保持“未评价”，不计入满意率。"),
    )
    auto_rate_score = models.PositiveSmallIntegerField(_("自动评价星级"), default=4)
    rectification_working_days = models.PositiveSmallIntegerField(_("整改时限（工作日）"), default=5)

    class Meta:
        verbose_name = _("好差评设置")
        verbose_name_plural = _("好差评设置")
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="appeals_settings_singleton"),
            models.CheckConstraint(
                condition=Q(rating_window_days__gte=1, rating_window_days__lte=60), name="appeals_settings_window"
            ),
            models.CheckConstraint(condition=Q(auto_rate_score__gte=3, auto_rate_score__lte=5), name="appeals_settings_auto"),
            models.CheckConstraint(
                condition=Q(rectification_working_days__gte=1, rectification_working_days__lte=30),
                name="appeals_settings_rectification",
            ),
        ]

    def __str__(self) -> str:
        return str(_("好差评设置"))

    @classmethod
    def load(cls) -> AppealSettings:
        return cls.objects.get_or_create(pk=1)[0]


class Rating(models.Model):
    """A resident's rating (好差评) of a resolved appeal: 5 very satisfied …
    1 very dissatisfied. Round 2 is the one re-rating after rectification."""

    appeal = models.ForeignKey(Appeal, verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="ratings")
    unit = models.ForeignKey(
        "portal.Unit", verbose_name=_("被评价单位"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("评价人"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    round = models.PositiveSmallIntegerField(_("第几次评价"), default=1)
    score = models.PositiveSmallIntegerField(_("星级"))
    comment = models.TextField(_("评价内容"), max_length=500, blank=True)
    automatic = models.BooleanField(_("逾期自动评价"), default=False)
    created_at = models.DateTimeField(_("评价时间"), default=timezone.now)

    class Meta:
        verbose_name = _("评价")
        verbose_name_plural = _("评价")
        ordering = ["appeal", "round"]
        constraints = [
            # One rating per round, two rounds at most: "rate again once" in the database.
            models.UniqueConstraint(fields=["appeal", "round"], name="appeals_rating_once_per_round"),
            models.CheckConstraint(condition=Q(round__gte=1, round__lte=2), name="appeals_rating_round"),
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="appeals_rating_score"),
        ]
        indexes = [models.Index(fields=["created_at"], name="appeals_rating_created")]

    @property
    def is_bad(self) -> bool:
        return self.score <= 2

    @property
    def label(self) -> str:
        from appeals.enums import RATING_LABELS

        return str(RATING_LABELS[self.score])


class Rectification(models.Model):
    """整改: opened by a bad rating for the unit that handled the appeal, with
    a deadline; the dispatch centre verifies it or reopens the appeal."""

    appeal = models.ForeignKey(Appeal, verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="rectifications")
    rating = models.OneToOneField(Rating, verbose_name=_("差评"), on_delete=models.PROTECT, related_name="rectification")
    unit = models.ForeignKey("portal.Unit", verbose_name=_("整改单位"), on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("状态"), max_length=16, choices=RectificationState.choices, default=RectificationState.OPEN)
    created_at = models.DateTimeField(_("下发时间"), default=timezone.now)
    due_at = models.DateTimeField(_("整改时限"))
    report = models.TextField(_("整改情况"), max_length=4000, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    checked_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    check_note = models.TextField(_("核实意见"), blank=True)

    class Meta:
        verbose_name = _("整改")
        verbose_name_plural = _("整改")
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["appeal"], condition=Q(state__in=[RectificationState.OPEN, RectificationState.SUBMITTED]),
                name="appeals_rectification_one_open",
            ),
            models.CheckConstraint(
                condition=Q(state=RectificationState.OPEN) | Q(submitted_at__isnull=False),
                name="appeals_rectification_submitted_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "state", "due_at"], name="appeals_rect_inbox"),
            models.Index(fields=["due_at"], name="appeals_rect_due"),
        ]

    # On time, in one place for Python and for the statistics' SQL (整改按时率,
    # appeals.services.stats): reported by the deadline, a report at the very
    # deadline counting as on time; the rate counts only verified ones.
    # tests/appeals/test_stats.py proves the two renderings agree.

    @property
    def on_time(self) -> bool:
        """The unit reported by the deadline."""
        return self.submitted_at is not None and self.submitted_at <= self.due_at

    @property
    def rectified_on_time(self) -> bool:
        """What the on-time rectification rate counts: reported on time and verified."""
        return self.state == RectificationState.VERIFIED and self.on_time

    @staticmethod
    def on_time_sql(alias: str) -> str:
        """``on_time`` as an SQL condition on the row ``alias`` of appeals_rectification."""
        return f"({alias}.submitted_at IS NOT NULL AND {alias}.submitted_at <= {alias}.due_at)"

    @staticmethod
    def rectified_on_time_sql(alias: str) -> str:
        """``rectified_on_time`` as an SQL condition on the row ``alias``."""
        return f"({alias}.state = '{RectificationState.VERIFIED.value}' AND {Rectification.on_time_sql(alias)})"
