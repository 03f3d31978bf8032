"""Writes of the core: roles, the audit log and resident verification (the
administration pages' writes: portal.administration.services)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from portal import selectors
from portal.enums import AuditAction, Role, TokenScope
from portal.exceptions import NotFoundError, PortalError
from portal.models import API_TOKEN_MAX_LIFETIME, ApiToken, AuditEntry, Membership, Unit, User
from portal.permissions import require


def record_audit(*, actor: User | None, action: str, user: User | None = None, unit: Unit | None = None,
                 **details) -> AuditEntry:
    """One row of the audit log, in the transaction of the change it records."""
    if unit is not None:
        details.setdefault("unit_name", unit.name)
    return AuditEntry.objects.create(actor=actor, action=action, user=user, unit=unit, details=details)


@transaction.atomic
def grant_role(*, actor: User | None, user: User, role: str, unit: Unit | None = None) -> Membership:
    """Give `user` a role. Unit staff need their unit. No role opens Django
    admin (superusers only, portal.adminsite). `actor` None means the system
    (seed, shell)."""
    require(actor, "portal.add_membership")
    if role not in Role.values:
        raise PortalError(_("未知角色：%(role)s") % {"role": role}, code="unknown_role", field="role")
    if role == Role.UNIT_STAFF and unit is None:
        raise PortalError(_("单位工作人员必须属于一个单位。"), code="unit_required", field="unit")
    if role == Role.UNIT_STAFF and selectors.staff_unit_of(user) not in (None, unit):
        raise PortalError(_("此账号已是其他单位的工作人员。"), code="other_unit", field="unit")
    try:
        with transaction.atomic():
            membership, created = Membership.objects.get_or_create(user=user, role=role, unit=unit)
    except IntegrityError as exc:
        raise PortalError(_("此账号已是其他单位的工作人员。"), code="other_unit", field="unit") from exc
    _sync_roles(user)
    if actor is not None and created:
        record_audit(actor=actor, action=AuditAction.ROLE_GRANTED, user=user, unit=unit, role=role)
    return membership


def _sync_roles(user: User) -> None:
    """Copy the memberships' roles onto the user row (same transaction)."""
    roles = sorted(set(Membership.objects.filter(user=user).values_list("role", flat=True)))
    User.objects.filter(pk=user.pk).update(roles=roles)
    user.roles = roles
    selectors.forget_memberships(user)


@transaction.atomic
def revoke_role(*, actor: User | None, user: User, role: str, unit: Unit | None = None) -> int:
    require(actor, "portal.delete_membership")
    deleted, _detail = Membership.objects.filter(user=user, role=role, unit=unit).delete()
    _sync_roles(user)
    if actor is not None and deleted:
        record_audit(actor=actor, action=AuditAction.ROLE_REVOKED, user=user, unit=unit, role=role)
    return deleted


def mark_verified(*, user: User) -> None:
    """A resident counts as verified once a one-time code is confirmed; the
    first confirmation is the one kept."""
    if user.verified_at is None:
        moment = timezone.now()
        User.objects.filter(pk=user.pk, verified_at__isnull=True).update(verified_at=moment)
        user.verified_at = moment


def set_phone(*, user: User, phone: str, verified: bool) -> None:
    """Store the number an account gives; unverified it is only a claim and
    reserves nothing (see verify_phone)."""
    if verified and user.pk:
        verify_phone(user=user, phone=phone)
        return
    user.phone = phone
    user.phone_verified = verified
    if user.pk:
        User.objects.filter(pk=user.pk).update(phone=phone, phone_verified=verified)


@transaction.atomic
def claim_verified_email(*, user: User, email: str) -> None:
    """The account confirmed a code sent to `email`: other accounts'
    unverified claims on the address are cleared (their unconfirmed address
    rows removed, the address taken off the account), and an account left
    with no contact at all is closed. The verified address itself is unique
    in the database (allauth's unique_verified_email)."""
    from allauth.account.models import EmailAddress

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"portal.email:{email.lower()}"])
    EmailAddress.objects.filter(email__iexact=email, verified=False).exclude(user=user).delete()
    User.objects.filter(email__iexact=email).exclude(pk=user.pk).exclude(
        emailaddress__email__iexact=email, emailaddress__verified=True
    ).update(email=None, is_active=Case(When(phone__isnull=True, then=Value(False)), default=F("is_active")))
    mark_verified(user=user)


@transaction.atomic
def verify_phone(*, user: User, phone: str) -> None:
    """The account confirmed a code sent to `phone`: the number is now its
    own and counts (sign-in, appeals, notifications, votes). One verified
    number belongs to one account (a partial unique index); other accounts'
    unverified claims on it are cleared, and an account left with no contact
    at all is closed; appeals filed under the number by phone attach to it.
    All in one transaction."""
    # Verifications of one number queue here, so two accounts confirming
    # it at once cannot deadlock on each other's rows; the index decides.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"portal.phone:{phone}"])
    try:
        with transaction.atomic():
            User.objects.filter(pk=user.pk).update(phone=phone, phone_verified=True)
    except IntegrityError as exc:
        raise PortalError(
            _("此手机号已由另一个账号验证。如果这是你的号码，请用它获取验证码登录。"),
            code="phone_taken", field="phone", status=409,
        ) from exc
    User.objects.filter(phone=phone, phone_verified=False).exclude(pk=user.pk).update(
        phone=None, is_active=Case(When(email__isnull=True, then=Value(False)), default=F("is_active"))
    )
    user.phone = phone
    user.phone_verified = True
    mark_verified(user=user)
    # The apps' part (appeals filed under the number by phone) is theirs:
    # named in settings, as portal imports none of the apps.
    for action in settings.PORTAL_PHONE_VERIFIED_ACTIONS:
        import_string(action)(user=user, phone=phone)


# A token's last use is written at most once a minute: not a write per request.
API_TOKEN_USE_RESOLUTION = datetime.timedelta(minutes=1)


def create_api_token(*, actor: User, name: str, scope: str, lifetime: datetime.timedelta) -> tuple[ApiToken, str]:
    """A named token for a program, read-only or read-write, expiring within
    90 days. Returns the row and the token string, which is shown once: only
    its digest is stored. The view asks for reauthentication first."""
    require(actor, "portal.manage_api_tokens")
    name = name.strip()
    if not name:
        raise PortalError(_("请给令牌起一个名字，说明它给哪个程序用。"), code="name_required", field="name")
    if scope not in TokenScope.values:
        raise PortalError(_("请选择只读或读写。"), code="unknown_scope", field="scope")
    if not datetime.timedelta(0) < lifetime <= API_TOKEN_MAX_LIFETIME:
        raise PortalError(_("令牌有效期为 1 到 90 天。"), code="lifetime_out_of_range", field="expiry_days")
    return ApiToken.objects.create(user=actor, expiry=lifetime, name=name, scope=scope)


def revoke_api_token(*, actor: User, token_id: str) -> None:
    """Revoking deletes the row (knox's way): the token stops working at once.
    Only the token's owner revokes it here."""
    deleted, _detail = ApiToken.objects.filter(user=actor, pk=token_id).delete()
    if not deleted:
        raise NotFoundError(_("找不到这个令牌，它可能已被撤销或已过期。"))


def record_api_token_use(*, token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= API_TOKEN_USE_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
