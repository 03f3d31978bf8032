"""The work order: each unit's part of an appeal (主办/协办), its replies,
requests for more time and the deadline sweep's escalations."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appeals.enums import (
    APPEAL_HANDLING_STATES, PART_OPEN_STATES, AppealState, EscalationKind, ExtensionState, PartRole, PartState, Recipient,
)
from appeals.models.appeals import Appeal

# A part still has work for its unit (the primary until it resolves, a
# co-handler until it replies) while its appeal is being handled: what a
# unit's inbox lists and what the deadline sweep watches. On the work order's
# own columns (appeal_state is the appeal's, copied by trigger), so that the
# inbox is one range of the partial index below, without reading the appeals.
OPEN_FOR_UNIT = (
    Q(role=PartRole.PRIMARY, state__in=PART_OPEN_STATES)
    | Q(role=PartRole.CO_HANDLER, state__in=[PartState.DISPATCHED, PartState.ACCEPTED])
) & Q(appeal_state__in=APPEAL_HANDLING_STATES)


class WorkOrder(models.Model):
    """One unit's part of the appeal's work order (主办 or 协办). Named
    Assignment until migration 0013: the table (appeals_assignment) and the
    columns that point here (assignment_id) keep that name."""

    appeal = models.ForeignKey(Appeal, verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="work_orders")
    unit = models.ForeignKey("portal.Unit", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="appeal_work_orders")
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
    # The appeal's state, kept by the triggers of migration 0018 (set on
    # insert, copied on every change of the appeal's state) in the same
    # statement: never written by the application.
    appeal_state = models.CharField(
        _("诉求状态"), max_length=16, choices=AppealState.choices, editable=False, db_default=AppealState.SUBMITTED
    )

    class Meta:
        db_table = "appeals_assignment"
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
            # A unit's inbox: its four lists and their counts read this small
            # index only (open work is a sliver of a city's work orders).
            models.Index(
                fields=["unit", "due_at", "id"], include=["state", "due_soon_at"], condition=OPEN_FOR_UNIT,
                name="appeals_assignment_open",
            ),
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
    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="replies", db_column="assignment_id")
    unit = models.ForeignKey("portal.Unit", on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("答复内容"), max_length=4000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("答复")
        verbose_name_plural = _("答复")
        ordering = ["created_at", "pk"]


class ExtensionRequest(models.Model):
    """A unit asks for more time on its part; a dispatcher decides."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="extensions", db_column="assignment_id")
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
                fields=["work_order"], condition=Q(state=ExtensionState.PENDING), name="appeals_extension_one_pending"
            ),
            models.CheckConstraint(
                condition=Q(extra_working_days__gte=1, extra_working_days__lte=30), name="appeals_extension_days_range"
            ),
        ]


class Escalation(models.Model):
    """One notice of the deadline sweep. The unique key is what keeps two
    workers (or a restart) from notifying twice about the same deadline."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="escalations")
    work_order = models.ForeignKey(
        WorkOrder, on_delete=models.CASCADE, null=True, blank=True, related_name="escalations", db_column="assignment_id"
    )
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
                fields=["appeal", "work_order", "kind", "recipient", "deadline"],
                nulls_distinct=False,
                name="appeals_escalation_once",
            ),
        ]
