"""Staff accounts: roles, their unit, deactivation."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from portal import selectors as portal_selectors, services as portal_services
from portal.administration import selectors
from portal.administration.services.common import ADMINS_ONLY, PERM, role_and_unit, unit_by_id
from portal.enums import AuditAction, Role
from portal.exceptions import ConflictError, NotFoundError, PermissionDeniedError
from portal.models import ApiToken, Membership, User
from portal.permissions import require


def _staff(actor: User | None, user_id, *, lock: bool = False) -> User:
    """A staff account by id. A resident's id answers as an unknown one:
    these pages never tell a resident's account from no account. A
    superuser's account is changed only by a superuser, and nobody changes
    their own roles or account here."""
    rows = selectors.staff_accounts()
    if lock:
        rows = rows.select_for_update(no_key=True)
    try:
        user = rows.get(pk=int(user_id))
    except (TypeError, ValueError, User.DoesNotExist):
        raise NotFoundError(_("找不到这个工作人员。")) from None
    if actor is not None and user.pk == actor.pk:
        raise ConflictError(_("不能修改自己的角色或账号，请另一位平台管理员操作。"), code="own_account")
    if user.is_superuser and not (actor is None or actor.is_superuser):
        raise PermissionDeniedError(_("超级管理员的账号只能由超级管理员修改。"), code="superuser_account")
    return user


@transaction.atomic
def grant_staff_role(*, actor: User | None, user_id: int | str, role: str, unit_id: int | str | None = None) -> Membership:
    """Give a staff member a further role (the page asks for the second
    factor again first)."""
    require(actor, PERM, message=ADMINS_ONLY)
    user = _staff(actor, user_id, lock=True)
    role, unit = role_and_unit(role, unit_id)
    if Membership.objects.filter(user=user, role=role, unit=unit).exists():
        raise ConflictError(_("此账号已有这个角色。"), code="role_held", field="role")
    if role == Role.UNIT_STAFF and portal_selectors.staff_unit_of(user) is not None:
        raise ConflictError(_("此账号已是其他单位的工作人员；要换单位请用“调整单位”。"), code="other_unit", field="unit")
    return portal_services.grant_role(actor=actor, user=user, role=role, unit=unit)


@transaction.atomic
def revoke_staff_role(*, actor: User | None, membership_id: int | str) -> None:
    require(actor, PERM, message=ADMINS_ONLY)
    try:
        membership = Membership.objects.select_related("user", "unit").get(pk=int(membership_id))
    except (TypeError, ValueError, Membership.DoesNotExist):
        raise NotFoundError(_("找不到这个角色。")) from None
    user = _staff(actor, membership.user_id, lock=True)
    portal_services.revoke_role(actor=actor, user=user, role=membership.role, unit=membership.unit)


@transaction.atomic
def move_staff(*, actor: User | None, user_id: int | str, unit_id: int | str) -> Membership:
    """A unit staff member changes unit: one membership row moves (the
    database keeps unit staff in one unit)."""
    require(actor, PERM, message=ADMINS_ONLY)
    user = _staff(actor, user_id, lock=True)
    unit = unit_by_id(unit_id, active_only=True)
    membership = Membership.objects.filter(user=user, role=Role.UNIT_STAFF).select_related("unit").first()
    if membership is None:
        raise ConflictError(_("此账号不是单位工作人员。"), code="not_unit_staff")
    if membership.unit_id == unit.pk:
        return membership
    old = membership.unit
    membership.unit = unit
    membership.save(update_fields=["unit"])
    portal_selectors.forget_memberships(user)
    portal_services.record_audit(actor=actor, action=AuditAction.STAFF_MOVED, user=user, unit=unit,
                                 old_unit=old.name, old_unit_id=old.pk)
    return membership


@transaction.atomic
def deactivate_account(*, actor: User | None, user_id: int | str) -> User:
    """The account can no longer sign in: every session ends (inactive
    accounts are not loaded from a session, and the password is replaced,
    which voids sessions' auth hash), every API token is deleted. Roles stay,
    so the history reads right and reactivating restores them."""
    require(actor, PERM, message=ADMINS_ONLY)
    user = _staff(actor, user_id, lock=True)
    if not user.is_active:
        return user
    user.is_active = False
    user.set_unusable_password()
    user.save(update_fields=["is_active", "password"])
    tokens, _detail = ApiToken.objects.filter(user=user).delete()
    portal_services.record_audit(actor=actor, action=AuditAction.ACCOUNT_DEACTIVATED, user=user, tokens_deleted=tokens)
    return user


@transaction.atomic
def reactivate_account(*, actor: User | None, user_id: int | str) -> User:
    """The account may sign in again (by a one-time code: its password was
    removed on deactivation)."""
    require(actor, PERM, message=ADMINS_ONLY)
    user = _staff(actor, user_id, lock=True)
    if user.is_active:
        return user
    if not (user.email or user.phone):
        raise ConflictError(_("此账号没有手机号或邮箱，无法恢复。"), code="no_contact")
    User.objects.filter(pk=user.pk).update(is_active=True)
    user.is_active = True
    portal_services.record_audit(actor=actor, action=AuditAction.ACCOUNT_REACTIVATED, user=user)
    return user
