"""The catalogue that routes appeals: categories and items (目录清单),
areas (镇街), the responsibility list (责任清单) and the holiday calendar
that working-day deadlines count with, and the previews of their imports."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appeals.catalogue_terms import pinyin_terms
from appeals.enums import CatalogueList, DeadlineUnit, HolidayKind, Urgency
from portal.localised import ENGLISH_HELP, Localised


class Holiday(models.Model):
    """A public holiday, or a weekend day that is worked (调休上班)."""

    date = models.DateField(_("日期"), unique=True)
    name = models.CharField(_("名称"), max_length=40)
    kind = models.CharField(_("类型"), max_length=16, choices=HolidayKind.choices, default=HolidayKind.HOLIDAY)

    class Meta:
        verbose_name = _("节假日")
        verbose_name_plural = _("节假日")
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=HolidayKind.values), name="appeals_holiday_kind_known"),
            # A make-up workday (调休上班) is a weekend day that is worked; a
            # weekday is a working day already. ISO weekday 6, 7: Saturday, Sunday.
            models.CheckConstraint(
                condition=Q(kind=HolidayKind.HOLIDAY) | Q(date__iso_week_day__gte=6), name="appeals_holiday_workday_on_weekend"
            ),
            models.CheckConstraint(condition=~Q(name=""), name="appeals_holiday_named"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}（{self.get_kind_display()}）"


class Category(models.Model):
    """A major category of the catalogue (目录清单大类)."""

    code = models.CharField(_("编码"), max_length=16, unique=True)
    name = models.CharField(_("名称"), max_length=40, unique=True)
    name_en = models.CharField(_("英文名称"), max_length=80, blank=True, default="", help_text=ENGLISH_HELP)
    position = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("诉求大类")
        verbose_name_plural = _("诉求大类")
        ordering = ["position", "code"]

    localised_name = Localised("name")

    def __str__(self) -> str:
        return self.localised_name


class Item(models.Model):
    """An item of the catalogue: what a resident can report, how urgent it is
    by default, and how long the unit has to handle it."""

    category = models.ForeignKey(Category, verbose_name=_("大类"), on_delete=models.PROTECT, related_name="items")
    code = models.CharField(_("编码"), max_length=24, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    name_en = models.CharField(_("英文名称"), max_length=120, blank=True, default="", help_text=ENGLISH_HELP)
    # Synonyms and common words residents search with (路灯 for 路灯损坏): data, edited here and imported.
    keywords = models.CharField(
        _("检索词"), max_length=200, blank=True,
        help_text=_("居民可能搜索的同义词和俗称，用空格或顿号分隔，如：路灯、街灯、灯不亮"),
    )
    # Kept with the name and keywords by save() and the catalogue import.
    search_pinyin = models.CharField(_("拼音检索词"), max_length=600, blank=True, editable=False)
    default_urgency = models.CharField(_("默认紧急程度"), max_length=16, choices=Urgency.choices, default=Urgency.GENERAL)
    deadline_value = models.PositiveIntegerField(_("办理时限"), default=5)
    deadline_unit = models.CharField(
        _("时限单位"), max_length=16, choices=DeadlineUnit.choices, default=DeadlineUnit.WORKING_DAYS
    )
    publishable = models.BooleanField(_("可公开"), default=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("诉求事项")
        verbose_name_plural = _("诉求事项")
        ordering = ["category__position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["category", "name"], name="appeals_item_unique_name"),
            models.CheckConstraint(condition=Q(deadline_value__gte=1), name="appeals_item_deadline_positive"),
        ]

    localised_name = Localised("name")

    def __str__(self) -> str:
        return f"{self.category.localised_name} › {self.localised_name}"

    def save(self, *args, **kwargs) -> None:
        self.search_pinyin = pinyin_terms(self.name, self.keywords)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_pinyin"}
        super().save(*args, **kwargs)

    @property
    def deadline_label(self) -> str:
        return f"{self.deadline_value} {self.get_deadline_unit_display()}"


class Area(models.Model):
    """A district or town (镇街) used by routing; optionally its government unit."""

    code = models.CharField(_("编码"), max_length=16, unique=True)
    name = models.CharField(_("名称"), max_length=40, unique=True)
    name_en = models.CharField(_("英文名称"), max_length=80, blank=True, default="", help_text=ENGLISH_HELP)
    unit = models.ForeignKey(
        "portal.Unit", verbose_name=_("对应单位"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    position = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("区域（镇街）")
        verbose_name_plural = _("区域（镇街）")
        ordering = ["position", "code"]

    localised_name = Localised("name")

    def __str__(self) -> str:
        return self.localised_name


class Responsibility(models.Model):
    """Responsibility list (责任清单): item × area → primary unit and
    co-handlers. A row without an area applies city-wide unless a row for
    the appeal's own area exists."""

    item = models.ForeignKey(Item, verbose_name=_("事项"), on_delete=models.CASCADE, related_name="responsibilities")
    area = models.ForeignKey(
        Area, verbose_name=_("区域"), on_delete=models.CASCADE, null=True, blank=True, related_name="responsibilities",
        help_text=_("留空表示全市通用"),
    )
    primary_unit = models.ForeignKey(
        "portal.Unit", verbose_name=_("主办单位"), on_delete=models.PROTECT, related_name="primary_responsibilities"
    )
    co_units = models.ManyToManyField(
        "portal.Unit", verbose_name=_("协办单位"), blank=True, related_name="co_responsibilities"
    )
    auto_dispatch = models.BooleanField(_("允许自动派单"), default=True)

    class Meta:
        verbose_name = _("责任清单")
        verbose_name_plural = _("责任清单")
        ordering = ["item__code", "area__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "area"], nulls_distinct=False, name="appeals_responsibility_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item.name} · {self.area or _('全市')} → {self.primary_unit}"


class CatalogueImport(models.Model):
    """An uploaded list the dispatch centre has previewed: its rows as read
    and a digest of the list it was compared with. Applying it recomputes the
    change under a table lock and writes it only if the digest still matches
    (the list did not change since the preview); applied once."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("清单"), max_length=16, choices=CatalogueList.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.CASCADE, null=True, blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("预览时间"), default=timezone.now)
    file_name = models.CharField(_("文件名"), max_length=200, blank=True)
    # [[line, [cell, ...]], ...] as read from the file; emptied once applied.
    rows = models.JSONField(_("文件内容"), default=list, blank=True)
    digest = models.CharField(_("摘要"), max_length=64)
    added = models.PositiveIntegerField(_("新增"), default=0)
    changed = models.PositiveIntegerField(_("修改"), default=0)
    removed = models.PositiveIntegerField(_("删除"), default=0)
    applied_at = models.DateTimeField(_("应用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("清单导入")
        verbose_name_plural = _("清单导入")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=CatalogueList.values), name="appeals_catalogueimport_kind"),
            models.CheckConstraint(
                condition=Q(applied_at__isnull=True) | Q(applied_at__gte=models.F("created_at")),
                name="appeals_catalogueimport_applied_after_preview",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name}"
