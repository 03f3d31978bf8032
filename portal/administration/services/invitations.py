"""Invitations: sent by SMS or e-mail through the outbox, accepted once."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import notifications, selectors as portal_selectors, services as portal_services
from portal.administration import selectors
from portal.administration.services.common import ADMINS_ONLY, PERM, role_and_unit
from portal.enums import AuditAction, NotificationChannel, Role
from portal.exceptions import ConflictError, InvalidError, NotFoundError, PortalError
from portal.fields import normalise_mobile
from portal.models import Invitation, User
from portal.permissions import require


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
    role, unit = role_and_unit(role, unit_id)
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
