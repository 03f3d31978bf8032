"""The unit tree: create, rename, move (never into a loop), deactivate, delete when empty."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import services as portal_services
from portal.administration import selectors
from portal.administration.services.common import ADMINS_ONLY, PERM, unit_by_id
from portal.enums import AuditAction, UnitKind, UnitLevel
from portal.exceptions import ConflictError, InvalidError
from portal.models import Invitation, Unit, User
from portal.permissions import require


def _clean_name(name: str, *, field: str = "name") -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidError(_("请填写单位名称。"), code="name_required", field=field)
    if len(name) > Unit._meta.get_field("name").max_length:
        raise InvalidError(_("单位名称太长（最多 120 个字）。"), code="name_too_long", field=field)
    return name


def _name_taken(exc: IntegrityError) -> ConflictError:
    return ConflictError(_("已有同名单位，请换一个名称。"), code="name_taken", field="name")


@transaction.atomic
def create_unit(*, actor: User | None, name: str, level: str, kind: str, short_name: str = "",
                parent_id: int | str | None = None, name_en: str = "") -> Unit:
    """A new unit, at the top of the tree or below an active unit."""
    require(actor, PERM, message=ADMINS_ONLY)
    name = _clean_name(name)
    if level not in UnitLevel.values:
        raise InvalidError(_("请选择单位层级。"), code="unknown_level", field="level")
    if kind not in UnitKind.values:
        raise InvalidError(_("请选择单位类型。"), code="unknown_kind", field="kind")
    parent = unit_by_id(parent_id, field="parent", active_only=True) if parent_id not in (None, "") else None
    try:
        with transaction.atomic():
            unit = Unit.objects.create(name=name, short_name=(short_name or "").strip()[:40], level=level, kind=kind,
                                       parent=parent, name_en=(name_en or "").strip()[:200])
    except IntegrityError as exc:
        raise _name_taken(exc) from exc
    portal_services.record_audit(actor=actor, action=AuditAction.UNIT_CREATED, unit=unit,
                                 parent=parent.name if parent else None)
    return unit


@transaction.atomic
def rename_unit(*, actor: User | None, unit_id: int | str, name: str, short_name: str = "",
                name_en: str = "") -> Unit:
    """The unit's name, short name and English name (empty: English pages show the Chinese)."""
    require(actor, PERM, message=ADMINS_ONLY)
    unit = unit_by_id(unit_id)
    name, short_name, name_en = _clean_name(name), (short_name or "").strip()[:40], (name_en or "").strip()[:200]
    before = (unit.name, unit.short_name, unit.name_en)
    if before == (name, short_name, name_en):
        return unit
    try:
        with transaction.atomic():
            Unit.objects.filter(pk=unit.pk).update(name=name, short_name=short_name, name_en=name_en)
    except IntegrityError as exc:
        raise _name_taken(exc) from exc
    unit.name, unit.short_name, unit.name_en = name, short_name, name_en
    portal_services.record_audit(actor=actor, action=AuditAction.UNIT_RENAMED, unit=unit, old_name=before[0],
                                 old_short_name=before[1], old_name_en=before[2])
    return unit


@transaction.atomic
def move_unit(*, actor: User | None, unit_id: int | str, parent_id: int | str | None) -> Unit:
    """Put a unit below another (or at the top). Never below itself or one of
    its own descendants: the database refuses that too (unit_tree_acyclic)."""
    require(actor, PERM, message=ADMINS_ONLY)
    unit = unit_by_id(unit_id)
    parent = unit_by_id(parent_id, field="parent", active_only=True) if parent_id not in (None, "") else None
    if (parent.pk if parent else None) == unit.parent_id:
        return unit
    if parent is not None and (parent.pk == unit.pk or unit.pk in selectors.ancestor_ids(parent)):
        raise ConflictError(_("不能把单位移到它自己或它的下级单位之下。"), code="unit_cycle", field="parent")
    old_parent = unit.parent.name if unit.parent_id else None
    try:
        with transaction.atomic():
            Unit.objects.filter(pk=unit.pk).update(parent=parent)
    except IntegrityError as exc:  # a move racing this one made the loop first
        raise ConflictError(_("不能把单位移到它自己或它的下级单位之下。"), code="unit_cycle", field="parent") from exc
    unit.parent = parent
    portal_services.record_audit(actor=actor, action=AuditAction.UNIT_MOVED, unit=unit, old_parent=old_parent,
                                 parent=parent.name if parent else None)
    return unit


@transaction.atomic
def set_unit_active(*, actor: User | None, unit_id: int | str, active: bool) -> Unit:
    """Deactivating keeps the unit's history; it takes no new staff,
    invitations or child units. A unit with active child units is refused:
    deactivate or move them first."""
    require(actor, PERM, message=ADMINS_ONLY)
    unit = unit_by_id(unit_id)
    if unit.is_active == active:
        return unit
    if not active and unit.children.filter(is_active=True).exists():
        raise ConflictError(_("这个单位还有启用中的下级单位，请先停用或移走它们。"), code="unit_has_children")
    if active and unit.parent_id and not unit.parent.is_active:
        raise ConflictError(_("上级单位已停用，请先恢复上级单位或调整上级。"), code="parent_inactive")
    Unit.objects.filter(pk=unit.pk).update(is_active=active)
    unit.is_active = active
    if not active:
        Invitation.objects.filter(unit=unit, accepted_at__isnull=True, revoked_at__isnull=True).update(
            revoked_at=timezone.now())
    portal_services.record_audit(
        actor=actor, action=AuditAction.UNIT_REACTIVATED if active else AuditAction.UNIT_DEACTIVATED, unit=unit)
    return unit


@transaction.atomic
def delete_unit(*, actor: User | None, unit_id: int | str) -> None:
    """Only a unit that holds nothing (no child units, staff, invitations,
    appeals, cases or responsibilities) is deleted; the database's PROTECT
    keys refuse the rest, and the answer says to deactivate it instead."""
    require(actor, PERM, message=ADMINS_ONLY)
    unit = unit_by_id(unit_id)
    name = unit.name
    try:
        with transaction.atomic():
            unit.delete()
    except (ProtectedError, IntegrityError) as exc:
        raise ConflictError(
            _("“%(unit)s”还有下级单位、工作人员、诉求或案例等记录，不能删除；可以停用它。") % {"unit": name},
            code="unit_in_use",
        ) from exc
    portal_services.record_audit(actor=actor, action=AuditAction.UNIT_DELETED, unit=None, unit_id=int(unit_id),
                                 unit_name=name)
