"""Pre-aggregated statistics (daily, weekly, monthly counters), the record
of their rebuilds, and the award that ranks units by them."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appeals.models.catalogue import Area, Category


class StatCounters(models.Model):
    """The keys and counters of the pre-aggregated figures (see
    appeals.selectors.stats for each counter's definition)."""

    # Derived rows, rebuilt wholesale: no FK triggers on the bulk insert (measured: they doubled its time).
    unit = models.ForeignKey("portal.Unit", on_delete=models.DO_NOTHING, null=True, blank=True, related_name="+", db_constraint=False)
    area = models.ForeignKey(Area, on_delete=models.DO_NOTHING, null=True, blank=True, related_name="+", db_constraint=False)
    category = models.ForeignKey(Category, on_delete=models.DO_NOTHING, null=True, blank=True, related_name="+", db_constraint=False)
    received = models.PositiveIntegerField(default=0)
    replied = models.PositiveIntegerField(default=0)
    dispatched = models.PositiveIntegerField(default=0)
    right_first_time = models.PositiveIntegerField(default=0)
    dispatch_due = models.PositiveIntegerField(default=0)
    dispatched_on_time = models.PositiveIntegerField(default=0)
    handling_due = models.PositiveIntegerField(default=0)
    completed_on_time = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    handling_seconds = models.BigIntegerField(default=0)
    ratings = models.PositiveIntegerField(default=0)
    ratings_good = models.PositiveIntegerField(default=0)
    ratings_bad = models.PositiveIntegerField(default=0)
    rectifications_due = models.PositiveIntegerField(default=0)
    rectifications_on_time = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


def _stat_keys(period: str, table: str) -> tuple[list, list]:
    """Constraints and indexes of a table of counters: one row per (period,
    unit, area, category), NULL keys included; a unit's rows by period."""
    key = models.UniqueConstraint(
        fields=[period, "unit", "area", "category"], nulls_distinct=False, name=f"appeals_{table}_key"
    )
    return [key], [models.Index(fields=["unit", period], name=f"appeals_{table}_unit")]


class DailyStat(StatCounters):
    """Pre-aggregated figures per (local day, primary unit, area, category),
    rebuilt for a window of days by appeals.services.stats (idempotent).
    Each counter is attributed to the day of its own event; see
    appeals.selectors.stats for the definitions."""

    day = models.DateField()

    class Meta:
        verbose_name = _("每日统计")
        verbose_name_plural = _("每日统计")
        constraints, indexes = _stat_keys("day", "dailystat")


class WeeklyStat(StatCounters):
    """The daily rows summed per week (``week`` is its Monday), rebuilt with
    them: a week's dashboard and the 12-week trend read ~6 times fewer rows
    (bench/appeals.py: 9,139 weekly vs ~60,000 daily rows for 12 weeks of
    1,000,000 appeals a year)."""

    week = models.DateField()

    class Meta:
        verbose_name = _("每周统计")
        verbose_name_plural = _("每周统计")
        constraints, indexes = _stat_keys("week", "weeklystat")


class MonthlyStat(StatCounters):
    """The daily rows summed per calendar month (``month`` is its first day),
    rebuilt with them. A month's or a year's dashboard reads ~26 times fewer
    rows from here (bench/appeals.py: 10,124 monthly vs 259,868 daily rows for
    a year of 1,000,000 appeals); days at the edges of a range still come from
    the daily rows."""

    month = models.DateField()

    class Meta:
        verbose_name = _("每月统计")
        verbose_name_plural = _("每月统计")
        constraints, indexes = _stat_keys("month", "monthlystat")


class StatsRun(models.Model):
    """When the figures were last rebuilt (the dashboard's cache key and "as of")."""

    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    first_day = models.DateField()
    last_day = models.DateField()
    rows = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-pk"]


class UnitRankingAward(models.Model):
    """Links a campaign's award track (最佳回复单位) to the unit performance
    ranking of a period: the ranking is the track's shortlist."""

    track = models.OneToOneField(
        "cases.Track", verbose_name=_("奖项"), on_delete=models.CASCADE, related_name="unit_ranking"
    )
    period_start = models.DateField(_("统计开始日"))
    period_end = models.DateField(_("统计结束日"))
    min_received = models.PositiveIntegerField(_("最少受理量"), default=20)
    winners = models.PositiveSmallIntegerField(_("入选单位数"), default=15)

    class Meta:
        verbose_name = _("单位绩效排名奖项")
        verbose_name_plural = _("单位绩效排名奖项")
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name="appeals_award_period"),
        ]

    def __str__(self) -> str:
        return f"{self.track} ({self.period_start} – {self.period_end})"
