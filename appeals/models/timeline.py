"""The append-only timeline of an appeal and the staff's internal notes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appeals.enums import AppealState, EventKind, PartState, RectificationState
from appeals.models.appeals import Appeal
from appeals.models.work import WorkOrder


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
    work_order = models.ForeignKey(
        WorkOrder, on_delete=models.PROTECT, null=True, blank=True, related_name="events", db_column="assignment_id"
    )
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
