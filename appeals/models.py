"""Appeals (市民诉求): the catalogue and responsibility list that route them,
the appeals, each unit's part of the work order, the append-only timeline,
deadlines, escalations and the log of who looked at private details."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.masking import mask_name, mask_phone

from appeals.enums import (
    PHONE_FILED_CHANNELS,
    PART_OPEN_STATES,
    ClusterState,
    RectificationState,
    AppealState,
    Moderation,
    Channel,
    ClueState,
    DeadlineUnit,
    EscalationKind,
    EventKind,
    ExtensionState,
    HolidayKind,
    PartRole,
    PartState,
    PhotoKind,
    Recipient,
    Urgency,
)
from portal.media import private_storage


class Holiday(models.Model):
    """A public holiday, or a weekend day that is worked (调休上班)."""

    date = models.DateField(_("日期"), unique=True)
    name = models.CharField(_("名称"), max_length=40)
    kind = models.CharField(_("类型"), max_length=16, choices=HolidayKind.choices, default=HolidayKind.HOLIDAY)

    class Meta:
        verbose_name = _("节假日")
        verbose_name_plural = _("节假日")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}（{self.get_kind_display()}）"


class Category(models.Model):
    """A major category of the catalogue (目录清单大类)."""

    code = models.CharField(_("编码"), max_length=16, unique=True)
    name = models.CharField(_("名称"), max_length=40, unique=True)
    position = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("诉求大类")
        verbose_name_plural = _("诉求大类")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name


class Item(models.Model):
    """An item of the catalogue: what a resident can report, how urgent it is
    by default, and how long the unit has to handle it."""

    category = models.ForeignKey(Category, verbose_name=_("大类"), on_delete=models.PROTECT, related_name="items")
    code = models.CharField(_("编码"), max_length=24, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    keywords = models.CharField(_("检索词"), max_length=200, blank=True)
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

    def __str__(self) -> str:
        return f"{self.category.name} › {self.name}"

    @property
    def deadline_label(self) -> str:
        return f"{self.deadline_value} {self.get_deadline_unit_display()}"


class Area(models.Model):
    """A district or town (镇街) used by routing; optionally its government unit."""

    code = models.CharField(_("编码"), max_length=16, unique=True)
    name = models.CharField(_("名称"), max_length=40, unique=True)
    unit = models.ForeignKey(
        "portal.Unit", verbose_name=_("对应单位"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    position = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("区域（镇街）")
        verbose_name_plural = _("区域（镇街）")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name


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


class Assignment(models.Model):
    """One unit's part of the appeal's work order (主办 or 协办)."""

    appeal = models.ForeignKey(Appeal, verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey("portal.Unit", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="appeal_assignments")
    role = models.CharField(_("角色"), max_length=16, choices=PartRole.choices)
    state = models.CharField(_("状态"), max_length=16, choices=PartState.choices, default=PartState.DISPATCHED)
    instructions = models.TextField(_("分工说明"), blank=True)
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("派单人"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    dispatched_at = models.DateTimeField(_("派单时间"))
    return_until = models.DateTimeField(_("可退回截止"))
    due_soon_at = models.DateTimeField(_("临期提醒时间"))
    due_at = models.DateTimeField(_("办理时限"))
    accepted_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    return_reason = models.TextField(_("退回理由"), blank=True)

    class Meta:
        verbose_name = _("工单分项")
        verbose_name_plural = _("工单分项")
        ordering = ["appeal", "role", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["appeal"], condition=Q(role=PartRole.PRIMARY, state__in=PART_OPEN_STATES),
                name="appeals_assignment_one_primary",
            ),
            models.UniqueConstraint(
                fields=["appeal", "unit"], condition=Q(state__in=PART_OPEN_STATES),
                name="appeals_assignment_unit_once",
            ),
            models.CheckConstraint(condition=Q(due_at__gt=F("dispatched_at")), name="appeals_assignment_due_after"),
        ]
        indexes = [
            models.Index(fields=["unit", "state", "due_at"], name="appeals_assignment_inbox"),
            models.Index(fields=["state", "due_soon_at"], name="appeals_assignment_sweep"),
        ]

    def __str__(self) -> str:
        return f"{self.appeal.tracking_number} · {self.unit} · {self.get_role_display()}"

    @property
    def is_primary(self) -> bool:
        return self.role == PartRole.PRIMARY

    @property
    def is_open(self) -> bool:
        return self.state in PART_OPEN_STATES


class Reply(models.Model):
    """A public reply from a unit on the work order (primary or co-handler)."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="replies")
    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="replies")
    unit = models.ForeignKey("portal.Unit", on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("答复内容"), max_length=4000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("答复")
        verbose_name_plural = _("答复")
        ordering = ["created_at", "pk"]


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


def _state_label(value: str, kind: str = "") -> str:
    if not value:
        return ""
    # A rectification has its own states (待整改 … 整改通过), some spelled like an appeal's.
    machines = (RectificationState,) if kind == "rectification" else (AppealState, PartState)
    for choices in machines:
        if value in choices.values:
            return str(choices(value).label)
    return value


class AppealEvent(models.Model):
    """The append-only timeline: who, when, from → to, why. Residents see
    the public rows (``public_text``) without staff names; staff see all."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="events")
    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, null=True, blank=True, related_name="events")
    kind = models.CharField(max_length=24, choices=EventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    actor_unit = models.ForeignKey("portal.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    actor_label = models.CharField(max_length=40, help_text=_("对市民显示的身份：市民、派单中心、单位名称或系统"))
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16, blank=True)
    reason = models.TextField(blank=True)
    public = models.BooleanField(default=True)
    public_text = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["appeal", "created_at"], name="appeals_event_timeline")]

    @property
    def to_state_label(self) -> str:
        return _state_label(self.to_state, self.kind)

    @property
    def from_state_label(self) -> str:
        return _state_label(self.from_state, self.kind)

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("AppealEvent rows are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("AppealEvent rows are append-only.")


class InternalNote(models.Model):
    """A staff-only note on the appeal (never shown to the resident)."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("portal.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    body = models.TextField(_("备注"), max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("内部备注")
        verbose_name_plural = _("内部备注")
        ordering = ["created_at", "pk"]


class ExtensionRequest(models.Model):
    """A unit asks for more time on its part; a dispatcher decides."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="extensions")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    extra_working_days = models.PositiveSmallIntegerField(_("延长工作日"))
    reason = models.TextField(_("理由"))
    state = models.CharField(max_length=16, choices=ExtensionState.choices, default=ExtensionState.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    previous_due_at = models.DateTimeField(null=True, blank=True)
    new_due_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        ordering = ["requested_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment"], condition=Q(state=ExtensionState.PENDING), name="appeals_extension_one_pending"
            ),
            models.CheckConstraint(
                condition=Q(extra_working_days__gte=1, extra_working_days__lte=30), name="appeals_extension_days_range"
            ),
        ]


class Escalation(models.Model):
    """One notice of the deadline sweep. The unique key is what keeps two
    workers (or a restart) from notifying twice about the same deadline."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="escalations")
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, null=True, blank=True, related_name="escalations")
    kind = models.CharField(max_length=24, choices=EscalationKind.choices)
    recipient = models.CharField(max_length=24, choices=Recipient.choices)
    recipient_unit = models.ForeignKey("portal.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    deadline = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("督办提醒")
        verbose_name_plural = _("督办提醒")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["appeal", "assignment", "kind", "recipient", "deadline"],
                nulls_distinct=False,
                name="appeals_escalation_once",
            ),
        ]


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

    @property
    def on_time(self) -> bool:
        return self.submitted_at is not None and self.submitted_at <= self.due_at


class MeToo(models.Model):
    """A resident's "me too" (+1) on a published appeal: once per resident."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="me_toos")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("我也遇到")
        verbose_name_plural = _("我也遇到")
        constraints = [models.UniqueConstraint(fields=["appeal", "user"], name="appeals_metoo_once")]


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


class Cluster(models.Model):
    """A group of similar appeals (类案) found by the clustering job;
    dispatchers confirm, merge, split or dismiss it, and can answer it once."""

    item = models.ForeignKey(Item, verbose_name=_("事项"), on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    area = models.ForeignKey(Area, verbose_name=_("区域"), on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    label = models.CharField(_("名称"), max_length=80)
    keywords = models.CharField(_("关键词"), max_length=200, blank=True)
    state = models.CharField(_("状态"), max_length=16, choices=ClusterState.choices, default=ClusterState.SUGGESTED)
    size = models.PositiveIntegerField(_("诉求数"), default=0)
    me_too_total = models.PositiveIntegerField(_("“我也遇到”合计"), default=0)
    first_at = models.DateTimeField(_("最早提交"), null=True, blank=True)
    last_at = models.DateTimeField(_("最近提交"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reply = models.TextField(_("统一答复"), blank=True)
    replied_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    replied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("类案")
        verbose_name_plural = _("类案")
        ordering = ["-size", "-pk"]
        indexes = [models.Index(fields=["state", "-size"], name="appeals_cluster_state")]

    def __str__(self) -> str:
        return self.label

    @property
    def weight(self) -> int:
        """How often the problem is raised: appeals plus residents' +1s."""
        return self.size + self.me_too_total


class ClusterMember(models.Model):
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="members")
    appeal = models.OneToOneField(Appeal, on_delete=models.CASCADE, related_name="cluster_membership")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("类案成员")
        verbose_name_plural = _("类案成员")


def _new_key() -> str:
    import secrets

    return secrets.token_urlsafe(24)


class Open311Key(models.Model):
    """An Open311 GeoReport v2 API key (organisers issue and revoke them).
    Requests posted with the key are recorded as submitted by its account."""

    name = models.CharField(_("用途/客户端"), max_length=80)
    key = models.CharField(_("API key"), max_length=64, unique=True, default=_new_key)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入账号"), on_delete=models.PROTECT, related_name="+"
    )
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")

    def __str__(self) -> str:
        return self.name


class Open311Token(models.Model):
    """GeoReport v2 token of a posted request (GET tokens/{token})."""

    token = models.CharField(max_length=64, unique=True)
    appeal = models.OneToOneField(Appeal, on_delete=models.CASCADE, related_name="open311_token")
    key = models.ForeignKey(Open311Key, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)


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
