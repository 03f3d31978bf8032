"""The case registry (市民点赞榜 案例库): campaigns and their phases, award
tracks, domains, the units' case entries, their images and every decision."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.db import models
from django.db.models import F, Func, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cases.enums import EntryAction, EntryState, PhaseKind, TrackKind
from portal.localised import ENGLISH_HELP, Localised
from portal.models import Unit

MAX_IMAGES_PER_ENTRY = 9
SUMMARY_MAX_CHARS = 300
# Bounds of a campaign's and a track's limits: the tables' constraints, the
# set-up service's checks (cases.services.setup) and its form all read them here.
ENTRY_LIMIT_MIN, ENTRY_LIMIT_MAX = 1, 20
AWARDS_MIN, AWARDS_MAX = 1, 500


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class Campaign(models.Model):
    """One edition of the board, e.g. 第三届东莞市民点赞榜."""

    slug = models.SlugField(_("网址标识"), max_length=60, unique=True)
    title = models.CharField(_("名称"), max_length=120)
    title_en = models.CharField(_("英文名称"), max_length=200, blank=True, default="", help_text=ENGLISH_HELP)
    year = models.PositiveSmallIntegerField(_("年度"))
    description = models.TextField(_("简介"), blank=True)
    cover = models.ImageField(_("封面图"), upload_to="campaigns/", blank=True)
    entry_limit_per_track = models.PositiveSmallIntegerField(
        _("每个单位每个奖项可报案例数"), default=3, help_text=_("默认 3 个。")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("活动届次")
        verbose_name_plural = _("活动届次")
        ordering = ["-year", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(entry_limit_per_track__gte=ENTRY_LIMIT_MIN, entry_limit_per_track__lte=ENTRY_LIMIT_MAX),
                name=f"campaign_entry_limit_{ENTRY_LIMIT_MIN}_to_{ENTRY_LIMIT_MAX}",
            ),
        ]

    localised_title = Localised("title")

    def __str__(self) -> str:
        return self.localised_title

    def get_absolute_url(self) -> str:
        return reverse("cases:campaign-board", kwargs={"slug": self.slug})


class Phase(models.Model):
    """A stretch of a campaign's timeline. A phase without a track is the
    campaign's; a phase with a track overrides the campaign's phase of the
    same kind for that track only. One phase per (campaign, track, kind), and
    phases of one timeline (the campaign's, or one track's own) never
    overlap (constraints in the database); a track's phase may overlap the
    campaign's."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="phases", verbose_name=_("活动"))
    track = models.ForeignKey(
        "Track", on_delete=models.CASCADE, null=True, blank=True, related_name="phases", verbose_name=_("奖项"),
        help_text=_("留空为本届活动的阶段；选定奖项则只对该奖项生效，覆盖本届同类阶段。"),
    )
    kind = models.CharField(_("阶段"), max_length=16, choices=PhaseKind.choices)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))

    class Meta:
        verbose_name = _("阶段")
        verbose_name_plural = _("阶段")
        ordering = ["campaign", "starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "track", "kind"], name="phase_one_per_kind_and_track", nulls_distinct=False
            ),
            models.CheckConstraint(condition=Q(starts_at__lt=F("ends_at")), name="phase_starts_before_it_ends"),
            ExclusionConstraint(
                name="phase_no_overlap",
                expressions=[
                    ("campaign", RangeOperators.EQUAL),
                    (Coalesce("track", models.Value(0)), RangeOperators.EQUAL),
                    (TsTzRange("starts_at", "ends_at", models.Value("[)")), RangeOperators.OVERLAPS),
                ],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.get_kind_display()}"

    def contains(self, moment) -> bool:
        return self.starts_at <= moment < self.ends_at


class PhaseChange(models.Model):
    """An organiser moved a phase boundary: who, when, from what, to what, why."""

    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="changes", verbose_name=_("阶段"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("操作人")
    )
    changed_at = models.DateTimeField(_("时间"), auto_now_add=True)
    old_starts_at = models.DateTimeField(_("原开始时间"), null=True, blank=True)
    old_ends_at = models.DateTimeField(_("原结束时间"), null=True, blank=True)
    new_starts_at = models.DateTimeField(_("新开始时间"))
    new_ends_at = models.DateTimeField(_("新结束时间"))
    reason = models.CharField(_("原因"), max_length=300)

    class Meta:
        verbose_name = _("阶段调整记录")
        verbose_name_plural = _("阶段调整记录")
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.phase} · {self.changed_at:%Y-%m-%d %H:%M}"


class Track(models.Model):
    """An award track of a campaign: typical cases, best replying units, ..."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="tracks", verbose_name=_("活动"))
    kind = models.CharField(_("类型"), max_length=16, choices=TrackKind.choices, default=TrackKind.TYPICAL_CASE)
    name = models.CharField(_("名称"), max_length=60)
    name_en = models.CharField(_("英文名称"), max_length=120, blank=True, default="", help_text=ENGLISH_HELP)
    description = models.CharField(_("说明"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(_("排序"), default=0)
    # Empty: the campaign's limit per unit and track applies (Campaign.entry_limit_per_track).
    entry_limit_per_unit = models.PositiveSmallIntegerField(
        _("每个单位可报数"), null=True, blank=True, help_text=_("留空则按本届统一上限。1–20。"),
        validators=[MinValueValidator(ENTRY_LIMIT_MIN), MaxValueValidator(ENTRY_LIMIT_MAX)],
    )
    awards = models.PositiveSmallIntegerField(
        _("获奖名额"), null=True, blank=True, help_text=_("本奖项评出的个数，如 15、30。1–500。"),
        validators=[MinValueValidator(AWARDS_MIN), MaxValueValidator(AWARDS_MAX)],
    )

    class Meta:
        verbose_name = _("奖项")
        verbose_name_plural = _("奖项")
        ordering = ["campaign", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "name"], name="track_unique_name"),
            models.CheckConstraint(
                condition=Q(entry_limit_per_unit__isnull=True)
                | Q(entry_limit_per_unit__gte=ENTRY_LIMIT_MIN, entry_limit_per_unit__lte=ENTRY_LIMIT_MAX),
                name=f"track_entry_limit_{ENTRY_LIMIT_MIN}_to_{ENTRY_LIMIT_MAX}",
            ),
            models.CheckConstraint(
                condition=Q(awards__isnull=True) | Q(awards__gte=AWARDS_MIN, awards__lte=AWARDS_MAX),
                name=f"track_awards_{AWARDS_MIN}_to_{AWARDS_MAX}",
            ),
        ]

    @property
    def entry_limit(self) -> int:
        """How many live entries one unit may have in this track: the track's own limit, else the campaign's."""
        return self.entry_limit_per_unit or self.campaign.entry_limit_per_track

    localised_name = Localised("name")

    def __str__(self) -> str:
        return self.localised_name


class Domain(models.Model):
    """A field of public service (教育, 医疗卫生, ...); organisers edit the list."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="domains", verbose_name=_("活动"))
    name = models.CharField(_("名称"), max_length=30)
    name_en = models.CharField(_("英文名称"), max_length=60, blank=True, default="", help_text=ENGLISH_HELP)
    position = models.PositiveSmallIntegerField(_("排序"), default=0)
    colour = models.CharField(_("颜色"), max_length=7, default="#a4161a", help_text=_("卡片配色，如 #a4161a"))

    class Meta:
        verbose_name = _("领域")
        verbose_name_plural = _("领域")
        ordering = ["campaign", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "name"], name="domain_unique_name"),
            models.CheckConstraint(condition=Q(colour__regex=r"^#[0-9a-fA-F]{6}$"), name="domain_colour_hex"),
        ]

    localised_name = Localised("name")

    def __str__(self) -> str:
        return self.localised_name


class CaseEntry(models.Model):
    """A unit's "我为群众办实事" case entered into a campaign.

    A unit holds at most the campaign's limit of live entries per track: each
    live entry takes a numbered slot, unique per (track, unit) in the
    database, and the service hands out slots 1..limit only.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="entries", verbose_name=_("活动"))
    track = models.ForeignKey(Track, on_delete=models.PROTECT, related_name="entries", verbose_name=_("奖项"))
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="entries", verbose_name=_("领域"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="case_entries", verbose_name=_("申报单位"))
    slot = models.PositiveSmallIntegerField(_("名额序号"), null=True, blank=True)
    title = models.CharField(_("标题"), max_length=80)
    summary = models.CharField(_("摘要"), max_length=SUMMARY_MAX_CHARS, blank=True)
    story = models.TextField(_("案例全文"), blank=True, help_text=_("已净化的 HTML"))
    results = models.TextField(_("取得成效"), blank=True)
    video_url = models.URLField(_("视频链接"), blank=True)
    contact_name = models.CharField(_("联系人"), max_length=40, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    state = models.CharField(_("状态"), max_length=20, choices=EntryState.choices, default=EntryState.DRAFT)
    changes_deadline = models.DateTimeField(_("修改截止时间"), null=True, blank=True)
    screening_note = models.CharField(_("最近一次筛选意见"), max_length=500, blank=True)
    # Filled by the voting app's tally; the board sorts on it ("票数最多").
    vote_count = models.PositiveIntegerField(_("票数"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("创建人")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("上榜时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("案例")
        verbose_name_plural = _("案例")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["track", "unit", "slot"],
                condition=~Q(state=EntryState.WITHDRAWN),
                name="entry_one_live_entry_per_slot",
            ),
            models.CheckConstraint(
                condition=Q(state=EntryState.WITHDRAWN) | Q(slot__gte=1, slot__lte=20),
                name="entry_live_has_slot",
            ),
            models.CheckConstraint(
                condition=~Q(state=EntryState.CHANGES_REQUESTED) | Q(changes_deadline__isnull=False),
                name="entry_changes_have_deadline",
            ),
            models.CheckConstraint(
                condition=~Q(state=EntryState.ACCEPTED) | Q(accepted_at__isnull=False),
                name="entry_accepted_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "state", "-accepted_at"], name="entry_board_idx"),
            models.Index(fields=["campaign", "state", "-vote_count"], name="entry_votes_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("cases:case", kwargs={"pk": self.pk})

    @property
    def on_board(self) -> bool:
        return self.state == EntryState.ACCEPTED


class EntryImage(models.Model):
    """One of up to nine photos of an entry, stored re-encoded (no EXIF)."""

    entry = models.ForeignKey(CaseEntry, on_delete=models.CASCADE, related_name="images", verbose_name=_("案例"))
    position = models.PositiveSmallIntegerField(_("顺序"))
    image = models.ImageField(_("图片"), upload_to="cases/%Y/%m/")
    thumbnail = models.ImageField(_("缩略图"), upload_to="cases/%Y/%m/")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    caption = models.CharField(_("图片说明"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("案例图片")
        verbose_name_plural = _("案例图片")
        ordering = ["entry", "position"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "position"], name="entry_image_unique_position"),
            models.CheckConstraint(
                condition=Q(position__lt=MAX_IMAGES_PER_ENTRY), name="entry_image_at_most_nine"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry} #{self.position + 1}"


class EntryEvent(models.Model):
    """Append-only history of an entry: every transition and edit, with who,
    when, from which state to which, and why (screening reasons here)."""

    entry = models.ForeignKey(CaseEntry, on_delete=models.CASCADE, related_name="events", verbose_name=_("案例"))
    action = models.CharField(_("操作"), max_length=20, choices=EntryAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("操作人")
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    from_state = models.CharField(_("原状态"), max_length=20, choices=EntryState.choices, blank=True)
    to_state = models.CharField(_("新状态"), max_length=20, choices=EntryState.choices)
    reason = models.CharField(_("原因"), max_length=500, blank=True)
    deadline = models.DateTimeField(_("修改截止时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("案例记录")
        verbose_name_plural = _("案例记录")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.entry} · {self.get_action_display()}"
