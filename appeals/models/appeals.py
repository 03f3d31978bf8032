"""An appeal (市民诉求) from intake to the end, its photos, the online clues
that become appeals, residents' "me too" and the log of who revealed its
private details."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.db.models.functions import Right
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.masking import mask_name, mask_phone
from portal.media import private_storage

from appeals.enums import (
    APPEAL_DISPATCH_STATES,
    PHONE_FILED_CHANNELS,
    AppealState,
    Channel,
    ClueState,
    Moderation,
    PhotoKind,
    Urgency,
)
from appeals.models.catalogue import Area, Category, Item

# Appeals waiting for the dispatch centre.
_WAITING = Q(state__in=APPEAL_DISPATCH_STATES)


class Appeal(models.Model):
    """One appeal and its work order, from intake to the end."""

    tracking_number = models.CharField(_("诉求编号"), max_length=24, unique=True)
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices, default=Channel.WEB)
    state = models.CharField(_("状态"), max_length=16, choices=AppealState.choices, default=AppealState.SUBMITTED)
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("市民"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="appeals",
    )
    # Who pressed submit: the resident, or the dispatcher for a caller or a clue.
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), on_delete=models.PROTECT, related_name="+"
    )
    idempotency_key = models.CharField(_("提交令牌"), max_length=64)
    item = models.ForeignKey(
        Item, verbose_name=_("事项"), on_delete=models.PROTECT, null=True, blank=True, related_name="appeals"
    )
    area = models.ForeignKey(Area, verbose_name=_("区域"), on_delete=models.PROTECT, related_name="appeals")
    urgency = models.CharField(_("紧急程度"), max_length=16, choices=Urgency.choices, default=Urgency.GENERAL)
    title = models.CharField(_("标题"), max_length=80)
    description = models.TextField(_("问题描述"), max_length=2000)
    # Private: only the dispatch centre and the units on the work order.
    address = models.CharField(_("详细地址"), max_length=200)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=40)
    contact_phone = models.CharField(_("联系电话"), max_length=20)
    publish_consent = models.BooleanField(_("同意公开"), default=False)
    source_url = models.URLField(_("线索来源"), max_length=500, blank=True)

    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    dispatch_due_at = models.DateTimeField(_("派单时限"))
    first_dispatched_at = models.DateTimeField(_("首次派单时间"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    primary_unit = models.ForeignKey(
        "portal.Unit", verbose_name=_("主办单位"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    handling_due_at = models.DateTimeField(_("办理时限"), null=True, blank=True)
    first_reply_at = models.DateTimeField(_("首次答复时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    resolution = models.TextField(_("办理结果"), blank=True)
    return_count = models.PositiveIntegerField(_("退回次数"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    # Publication (问政墙): kept in step by appeals.services.publication.
    is_public = models.BooleanField(_("公开展示"), default=False)
    public_hidden = models.BooleanField(_("派单中心不予公开"), default=False)
    public_title = models.CharField(_("公开标题"), max_length=80, blank=True)
    public_description = models.TextField(_("公开内容"), max_length=2000, blank=True)
    public_edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("公开内容编辑人"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    public_edited_at = models.DateTimeField(_("公开内容编辑时间"), null=True, blank=True)
    # Publication review (moderation queue): the wall shows only approved appeals.
    moderation = models.CharField(
        _("公开审核"), max_length=16, choices=Moderation.choices, default=Moderation.NONE, db_default=Moderation.NONE
    )
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("审核人"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    moderated_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    moderation_reason = models.CharField(_("审核意见"), max_length=500, blank=True)
    me_too_count = models.PositiveIntegerField(_("“我也遇到”人数"), default=0)
    # The item's category, kept with the item (the wall filters by it at a million rows).
    category = models.ForeignKey(
        Category, verbose_name=_("大类"), on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )

    class Meta:
        verbose_name = _("诉求")
        verbose_name_plural = _("诉求")
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            # Two taps, a retry or a replayed API call create one appeal.
            models.UniqueConstraint(fields=["submitted_by", "idempotency_key"], name="appeals_appeal_idempotent"),
            models.CheckConstraint(
                condition=~Q(channel__in=[Channel.WEB, Channel.API]) | Q(resident__isnull=False),
                name="appeals_appeal_online_has_resident",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="appeals_appeal_coordinates_pair",
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | Q(state__in=["resolved", "rated", "closed", "reopened"]),
                name="appeals_appeal_resolved_state",
            ),
            # Nothing reaches the wall without the resident's consent and a moderator's approval.
            models.CheckConstraint(
                condition=Q(is_public=False) | Q(publish_consent=True, moderation="approved"),
                name="appeals_appeal_public_moderated",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "dispatch_due_at"], name="appeals_appeal_queue"),
            models.Index(fields=["resident", "-submitted_at"], name="appeals_appeal_resident"),
            models.Index(fields=["primary_unit", "state"], name="appeals_appeal_unit_state"),
            models.Index(fields=["item", "area", "submitted_at"], name="appeals_appeal_item_area"),
            # The public wall: newest first over public rows only.
            models.Index(fields=["-submitted_at", "-id"], condition=Q(is_public=True), name="appeals_appeal_wall"),
            models.Index(fields=["category", "-submitted_at", "-id"], condition=Q(is_public=True), name="appeals_wall_category"),
            models.Index(fields=["area", "-submitted_at", "-id"], condition=Q(is_public=True), name="appeals_wall_area"),
            models.Index(fields=["primary_unit", "-submitted_at", "-id"], condition=Q(is_public=True), name="appeals_wall_unit"),
            models.Index(fields=["resolved_at"], name="appeals_appeal_resolved"),
            models.Index(fields=["submitted_at", "id"], condition=Q(moderation="pending"), name="appeals_moderation_queue"),
            models.Index(fields=["first_dispatched_at"], name="appeals_appeal_dispatched"),
            models.Index(fields=["submitted_at"], name="appeals_appeal_submitted"),
            # The dispatch centre's search of its queue (appeals.selectors.queue), waiting rows only.
            models.Index(Right("contact_phone", 4), "dispatch_due_at", condition=_WAITING, name="appeals_queue_phone4"),
            GinIndex(fields=["title"], opclasses=["gin_trgm_ops"], condition=_WAITING, name="appeals_queue_title_trgm"),
            GinIndex(fields=["description"], opclasses=["gin_trgm_ops"], condition=_WAITING,
                     name="appeals_queue_text_trgm"),
            models.Index(fields=["area", "dispatch_due_at"], condition=_WAITING, name="appeals_queue_area"),
            models.Index(fields=["item", "dispatch_due_at"], condition=_WAITING, name="appeals_queue_item"),
            models.Index(fields=["dispatch_due_at", "id"], condition=_WAITING, name="appeals_queue_due"),
            GinIndex(fields=["tracking_number"], opclasses=["gin_trgm_ops"], condition=_WAITING,
                     name="appeals_queue_number_trgm"),
        ]

    def __str__(self) -> str:
        return f"{self.tracking_number} {self.title}"

    @property
    def is_awaiting_dispatch(self) -> bool:
        return self.state in (AppealState.SUBMITTED, AppealState.RETURNED, AppealState.REOPENED)

    @property
    def masked_contact_name(self) -> str:
        return mask_name(self.contact_name)

    @property
    def filed_by_phone(self) -> bool:
        """Filed for the resident by someone else (a hotline call, an Open311
        client) under their phone number, not by the resident's own account."""
        return self.channel in PHONE_FILED_CHANNELS

    @property
    def masked_contact_phone(self) -> str:
        return mask_phone(self.contact_phone)


def photo_path(instance, filename: str) -> str:
    return f"appeals/{timezone.now():%Y/%m}/{filename}"


class AppealPhoto(models.Model):
    """A photo of the problem (随手拍) or of the result, re-encoded without EXIF."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="photos")
    kind = models.CharField(max_length=16, choices=PhotoKind.choices, default=PhotoKind.REPORT)
    position = models.PositiveSmallIntegerField()
    # Private files: only through the views that check (appeals:photo).
    image = models.ImageField(upload_to=photo_path, storage=private_storage, width_field="width", height_field="height")
    thumbnail = models.ImageField(upload_to=photo_path, storage=private_storage)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("照片")
        verbose_name_plural = _("照片")
        ordering = ["kind", "position"]
        constraints = [
            # Positions 0–8 and unique per kind: at most nine photos, in the database too.
            models.UniqueConstraint(fields=["appeal", "kind", "position"], name="appeals_photo_position_unique"),
            models.CheckConstraint(condition=Q(position__lte=8), name="appeals_photo_at_most_nine"),
        ]

    @property
    def url(self) -> str:
        return reverse("appeals:photo", args=[self.pk])

    @property
    def thumbnail_url(self) -> str:
        return reverse("appeals:photo-thumbnail", args=[self.pk])


class OnlineClue(models.Model):
    """An online clue (先诉后办): a public post that the centre verifies
    before it becomes an appeal."""

    platform = models.CharField(_("平台"), max_length=40)
    url = models.URLField(_("链接"), max_length=500)
    summary = models.TextField(_("摘要"), max_length=2000)
    area = models.ForeignKey(Area, verbose_name=_("区域"), on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    state = models.CharField(_("状态"), max_length=16, choices=ClueState.choices, default=ClueState.NEW)
    captured_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    captured_at = models.DateTimeField(default=timezone.now)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    verified_at = models.DateTimeField(null=True, blank=True)
    verification_note = models.TextField(_("核实情况"), blank=True)
    appeal = models.OneToOneField(Appeal, on_delete=models.PROTECT, null=True, blank=True, related_name="clue")

    class Meta:
        verbose_name = _("网络线索")
        verbose_name_plural = _("网络线索")
        ordering = ["-captured_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["url"], name="appeals_clue_url_unique"),
            models.CheckConstraint(
                condition=~Q(state=ClueState.CONVERTED) | Q(appeal__isnull=False), name="appeals_clue_converted_has_appeal"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.platform} · {self.summary[:30]}"


class MeToo(models.Model):
    """A resident's "me too" (+1) on a published appeal: once per resident."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="me_toos")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("我也遇到")
        verbose_name_plural = _("我也遇到")
        constraints = [models.UniqueConstraint(fields=["appeal", "user"], name="appeals_metoo_once")]


class ContactView(models.Model):
    """Log row: a staff member revealed an appeal's contact details and exact
    location (who, when, which appeal, why). The only way staff see them."""

    appeal = models.ForeignKey(Appeal, verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="contact_views")
    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("查看人"), on_delete=models.PROTECT, related_name="+")
    viewer_unit = models.ForeignKey("portal.Unit", verbose_name=_("查看人单位"), on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="+")
    via = models.CharField(_("途径"), max_length=16)
    reason = models.CharField(_("查看原因"), max_length=200)
    viewed_at = models.DateTimeField(_("查看时间"), default=timezone.now)

    class Meta:
        verbose_name = _("联系方式查看记录")
        verbose_name_plural = _("联系方式查看记录")
        ordering = ["-viewed_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason__regex=r"^\s*$"), name="appeals_contactview_has_reason"),
        ]
        indexes = [
            models.Index(fields=["-viewed_at", "-id"], name="appeals_contactview_recent"),
            models.Index(fields=["viewer_unit", "-viewed_at"], name="appeals_contactview_unit"),
        ]
