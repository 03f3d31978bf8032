"""What the administration services share: the permission and the unit lookup."""

from __future__ import annotations

from django.utils.translation import gettext as _

from portal.enums import Role
from portal.exceptions import ConflictError, InvalidError, NotFoundError
from portal.models import INVITABLE_ROLES, Unit

PERM = "portal.manage_accounts"
ADMINS_ONLY = _("只有平台管理员可以管理账号和单位。")


def unit_by_id(unit_id, *, field: str = "unit", active_only: bool = False) -> Unit:
    """A unit by the id a form or a request gave; a forged id is 404."""
    try:
        unit = Unit.objects.get(pk=int(unit_id))
    except (TypeError, ValueError, Unit.DoesNotExist):
        raise NotFoundError(_("找不到这个单位，它可能已被删除。"), field=field) from None
    if active_only and not unit.is_active:
        raise ConflictError(_("单位“%(unit)s”已停用，请先恢复它或另选单位。") % {"unit": unit.localised_name},
                            code="unit_inactive", field=field)
    return unit


def role_and_unit(role: str, unit_id) -> tuple[str, Unit | None]:
    if role not in [r.value for r in INVITABLE_ROLES]:
        raise InvalidError(_("请选择角色。"), code="unknown_role", field="role")
    if role == Role.UNIT_STAFF:
        if unit_id in (None, ""):
            raise InvalidError(_("单位工作人员必须属于一个单位，请选择单位。"), code="unit_required", field="unit")
        return role, unit_by_id(unit_id, active_only=True)
    return role, None
