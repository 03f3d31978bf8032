"""Writes of portal administration: the unit tree, invitations, roles and
accounts. Each checks ``portal.manage_accounts`` (a portal administrator or
a superuser), refuses with the shared refusal kinds and records one audit
row in its own transaction."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import notifications, selectors as portal_selectors, services as portal_services
from portal.administration import selectors
from portal.enums import AuditAction, NotificationChannel, Role, UnitKind, UnitLevel
from portal.exceptions import ConflictError, InvalidError, NotFoundError, PermissionDeniedError, PortalError
from portal.fields import normalise_mobile
from portal.models import INVITABLE_ROLES, ApiToken, Invitation, Membership, Unit, User
from portal.permissions import require

PERM = "portal.manage_accounts"
ADMINS_ONLY = _("只有平台管理员可以管理账号和单位。")


def _unit(unit_id, *, field: str = "unit", active_only: bool = False) -> Unit:
    """A unit by the id a form or a request gave; a forged id is 404."""
    try:
        unit = Unit.objects.get(pk=int(unit_id))
    except (TypeError, ValueError, Unit.DoesNotExist):
        raise NotFoundError(_("找不到这个单位，它可能已被删除。"), field=field) from None
    if active_only and not unit.is_active:
        raise ConflictError(_("单位“%(unit)s”已停用，请先恢复它或另选单位。") % {"unit": unit.name},
                            code="unit_inactive", field=field)
    return unit


def _clean_name(name: str, *, field: str = "name") -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidError(_("请填写单位名称。"), code="name_required", field=field)
    if len(name) > Unit._meta.get_field("name").max_length:
        raise InvalidError(_("单位名称太长（最多 120 个字）。"), code="name_too_long", field=field)
    return name


def _name_taken(exc: IntegrityError) -> ConflictError:
    return ConflictError(_("已有同名单位，请换一个名称。"), code="name_taken", field="name")


# --- the unit tree -----------------------------------------------------------------------------


@transaction.atomic
def create_unit(*, actor: User | None, name: str, level: str, kind: str, short_name: str = "",
                parent_id: int | str | None = None) -> Unit:
    """A new unit, at the top of the tree or below an active unit."""
    require(actor, PERM, message=ADMINS_ONLY)
    name = _clean_name(name)
    if level not in UnitLevel.values:
        raise InvalidError(_("请选择单位层级。"), code="unknown_level", field="level")
    if kind not in UnitKind.values:
        raise InvalidError(_("请选择单位类型。"), code="unknown_kind", field="kind")
    parent = _unit(parent_id, field="parent", active_only=True) if parent_id not in (None, "") else None
    try:
        with transaction.atomic():
            unit = Unit.objects.create(name=name, short_name=(short_name or "").strip()[:40], level=level, kind=kind,
                                       parent=parent)
    except IntegrityError as exc:
        raise _name_taken(exc) from exc
    portal_services.record_audit(actor=actor, action=AuditAction.UNIT_CREATED, unit=unit,
                                 parent=parent.name if parent else None)
    return unit


@transaction.atomic
def rename_unit(*, actor: User | None, unit_id: int | str, name: str, short_name: str = "") -> Unit:
    require(actor, PERM, message=ADMINS_ONLY)
    unit = _unit(unit_id)
    name, short_name = _clean_name(name), (short_name or "").strip()[:40]
    before = (unit.name, unit.short_name)
    if before == (name, short_name):
        return unit
    try:
        with transaction.atomic():
            Unit.objects.filter(pk=unit.pk).update(name=name, short_name=short_name)
    except IntegrityError as exc:
        raise _name_taken(exc) from exc
    unit.name, unit.short_name = name, short_name
    portal_services.record_audit(actor=actor, action=AuditAction.UNIT_RENAMED, unit=unit, old_name=before[0],
                                 old_short_name=before[1])
    return unit


@transaction.atomic
def move_unit(*, actor: User | None, unit_id: int | str, parent_id: int | str | None) -> Unit:
    """Put a unit below another (or at the top). Never below itself or one of
    its own descendants: the database refuses that too (unit_tree_acyclic)."""
    require(actor, PERM, message=ADMINS_ONLY)
    unit = _unit(unit_id)
    parent = _unit(parent_id, field="parent", active_only=True) if parent_id not in (None, "") else None
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
    unit = _unit(unit_id)
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
    unit = _unit(unit_id)
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


# --- invitations -------------------------------------------------------------------------------


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _contact(contact: str) -> tuple[str, str]:
    """(channel, normalised contact) of what the administrator typed."""
    contact = (contact or "").strip()
    if not contact:
        raise InvalidError(_("请填写手机号或邮箱。"), code="contact_required", field="contact")
    if "@" in contact:
        try:
            validate_email(contact)
        except ValidationError:
            raise InvalidError(_("邮箱格式不正确。"), code="invalid_email", field="contact") from None
        return NotificationChannel.EMAIL, contact.lower()
    try:
        return NotificationChannel.SMS, normalise_mobile(contact)
    except ValidationError as exc:
        raise InvalidError(exc.messages[0], code="invalid_phone", field="contact") from None


def _role_and_unit(role: str, unit_id) -> tuple[str, Unit | None]:
    if role not in [r.value for r in INVITABLE_ROLES]:
        raise InvalidError(_("请选择角色。"), code="unknown_role", field="role")
    if role == Role.UNIT_STAFF:
        if unit_id in (None, ""):
            raise InvalidError(_("单位工作人员必须属于一个单位，请选择单位。"), code="unit_required", field="unit")
        return role, _unit(unit_id, active_only=True)
    return role, None


@transaction.atomic
def invite_staff(*, actor: User | None, name: str, contact: str, role: str,
                 unit_id: int | str | None = None) -> tuple[Invitation, str]:
    """An invitation by SMS or e-mail with a link that works once, for
    PORTAL_INVITATION_HOURS. No account is looked up: the answer is the same
    whoever already uses the number or address (the person decides on
    accepting). Returns the row and the token (only its digest is kept)."""
    require(actor, PERM, message=ADMINS_ONLY)
    name = (name or "").strip()
    if not name:
        raise InvalidError(_("请填写被邀请人的称呼。"), code="name_required", field="name")
    name = name[:64]
    channel, contact = _contact(contact)
    role, unit = _role_and_unit(role, unit_id)
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation = Invitation.objects.create(
        channel=channel, contact=contact, name=name, role=role, unit=unit, token_digest=token_digest(token),
        invited_by=actor, created_at=now, expires_at=now + datetime.timedelta(hours=settings.PORTAL_INVITATION_HOURS),
    )
    # The token travels in the query string, which the request log leaves out.
    link = settings.SITE_URL.rstrip("/") + reverse("administration:accept") + "?token=" + token
    what = (_("%(unit)s的%(role)s") % {"unit": unit.name, "role": invitation.get_role_display()}) if unit \
        else invitation.get_role_display()
    text = _("【民心榜】%(name)s，您好：您被邀请成为民心榜平台%(what)s。请在 %(hours)d 小时内打开 %(link)s 接受邀请，"
             "并设置登录方式和动态口令。如非本人请忽略。") % {
        "name": name, "what": what, "hours": settings.PORTAL_INVITATION_HOURS, "link": link}
    if channel == NotificationChannel.EMAIL:
        notifications.queue_email(to=[contact], subject=_("民心榜工作人员邀请"), body=text, about=invitation)
    else:
        notifications.queue_sms(phone=contact, text=text, about=invitation)
    portal_services.record_audit(actor=actor, action=AuditAction.INVITATION_SENT, unit=unit, role=role,
                                 invitation_id=invitation.pk, contact=invitation.masked_contact)
    return invitation, token


@transaction.atomic
def revoke_invitation(*, actor: User | None, invitation_id: int | str) -> Invitation:
    require(actor, PERM, message=ADMINS_ONLY)
    try:
        invitation = Invitation.objects.select_for_update(no_key=True).get(pk=int(invitation_id))
    except (TypeError, ValueError, Invitation.DoesNotExist):
        raise NotFoundError(_("找不到这份邀请。")) from None
    if invitation.accepted_at is not None:
        raise ConflictError(_("这份邀请已被接受，不能撤回；可以停用账号或撤销角色。"), code="invitation_used")
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        portal_services.record_audit(actor=actor, action=AuditAction.INVITATION_REVOKED, unit=invitation.unit,
                                     invitation_id=invitation.pk, contact=invitation.masked_contact)
    return invitation


def open_invitation(token: str, *, lock: bool = False) -> Invitation:
    """The invitation a link's token names, if it still works: an unknown
    token is 404; a used, revoked or expired one 410, saying so."""
    rows = Invitation.objects.select_related("unit")
    if lock:
        rows = rows.select_for_update(no_key=True, of=("self",))
    invitation = rows.filter(token_digest=token_digest(token or "")).first()
    if invitation is None:
        raise NotFoundError(_("邀请链接无效。请核对链接，或请平台管理员重新邀请。"), code="invitation_unknown")
    if invitation.accepted_at is not None:
        raise PortalError(_("这个邀请链接已经用过了。请直接登录；如有问题请联系平台管理员。"), code="invitation_used",
                          status=410)
    if invitation.revoked_at is not None:
        raise PortalError(_("这份邀请已被撤回。如有疑问请联系平台管理员。"), code="invitation_revoked", status=410)
    if invitation.expires_at <= timezone.now():
        raise PortalError(_("邀请链接已过期。请联系平台管理员重新邀请。"), code="invitation_expired", status=410)
    return invitation


def _holds_contact(user: User, invitation: Invitation) -> bool:
    if invitation.channel == NotificationChannel.SMS:
        return bool(user.phone_verified and user.phone == invitation.contact)
    return portal_selectors.account_with_verified_email(invitation.contact) == user


def _new_account(invitation: Invitation) -> User:
    """An account for the invited contact, verified by the link's delivery
    (whoever opens it received it)."""
    if invitation.channel == NotificationChannel.SMS:
        user = User.objects.create_user(phone=invitation.contact, display_name=invitation.name)
        portal_services.verify_phone(user=user, phone=invitation.contact)
        return user
    from allauth.account.models import EmailAddress

    user = User.objects.create_user(email=invitation.contact, display_name=invitation.name)
    EmailAddress.objects.create(user=user, email=invitation.contact, primary=True, verified=True)
    portal_services.claim_verified_email(user=user, email=invitation.contact)
    return user


@transaction.atomic
def accept_invitation(*, token: str, user: User | None) -> tuple[User, bool]:
    """The invited person accepts: the role goes to the signed-in account if
    it verified the invited contact, or to a new account for the contact
    when no account has it. An account that already holds the contact must
    sign in first (the link never signs anyone in to an existing account,
    which may have a second factor). Returns the account and whether it is
    new. The staff second-factor rule then sends it to TOTP enrolment."""
    invitation = open_invitation(token, lock=True)
    if invitation.unit_id and not invitation.unit.is_active:
        raise ConflictError(_("邀请的单位已停用。请联系平台管理员。"), code="unit_inactive")
    created = False
    if user is not None and user.is_authenticated:
        if not _holds_contact(user, invitation):
            raise ConflictError(
                _("这份邀请发给了 %(contact)s，不是当前登录的账号。请退出登录后重新打开邀请链接。")
                % {"contact": invitation.masked_contact}, code="invitation_other_account")
    else:
        if selectors.contact_has_account(invitation):
            raise ConflictError(_("请先用 %(contact)s 登录，再接受邀请。") % {"contact": invitation.masked_contact},
                                code="sign_in_first")
        user, created = _new_account(invitation), True
    if invitation.role == Role.UNIT_STAFF:
        current = portal_selectors.staff_unit_of(user)
        if current is not None and current != invitation.unit:
            raise ConflictError(_("此账号已是其他单位的工作人员，请联系平台管理员调整。"), code="other_unit")
    portal_services.grant_role(actor=None, user=user, role=invitation.role, unit=invitation.unit)
    invitation.accepted_at, invitation.accepted_by = timezone.now(), user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    portal_services.record_audit(actor=user, action=AuditAction.INVITATION_ACCEPTED, user=user, unit=invitation.unit,
                                 role=invitation.role, invitation_id=invitation.pk,
                                 invited_by=invitation.invited_by_id, new_account=created)
    return user, created


# --- staff accounts ----------------------------------------------------------------------------


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
    role, unit = _role_and_unit(role, unit_id)
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
    unit = _unit(unit_id, active_only=True)
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
