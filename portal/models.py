"""Core data: accounts, units (单位) and the memberships that give roles."""

from __future__ import annotations

import datetime
import uuid

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken

from portal.enums import AuditAction, NotificationChannel, NotificationState, Role, TokenScope, UnitKind, UnitLevel
from portal.localised import ENGLISH_HELP, Localised
from portal.masking import mask_email, mask_phone


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str | None = None, password: str | None = None, **extra):
        email = self.normalize_email(email) or None
        user = self.model(email=email, **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email=email, password=password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """An account: a resident, or staff whose roles come from memberships.

    Residents sign in with an email address or a mobile number; either may be
    missing, never both, while the account is active (enforced in the
    database). A phone number or e-mail address counts for nothing until it
    is verified: only verified ones are unique, so an unverified claim
    reserves nothing.
    """

    # Like the phone, an e-mail address reserves nothing until verified: the
    # verified ones are unique in allauth's EmailAddress (unique_verified_email)
    # and services.claim_verified_email clears unverified copies of one here.
    email = models.EmailField(_("邮箱"), null=True, blank=True, db_index=True)
    # Unique only once verified (constraint below): see services.verify_phone.
    phone = models.CharField(_("手机号"), max_length=32, null=True, blank=True, db_index=True)
    phone_verified = models.BooleanField(_("手机号已验证"), default=False)
    display_name = models.CharField(_("称呼"), max_length=64, blank=True)
    # Set once the resident confirms a one-time code (email or SMS).
    verified_at = models.DateTimeField(_("验证时间"), null=True, blank=True)
    # The roles of the user's memberships, kept in step by services.grant_role
    # and revoke_role in the same transaction: every request already loads the
    # user row, so permission checks need no further query.
    roles = ArrayField(models.CharField(max_length=16, choices=Role.choices), default=list, blank=True, verbose_name=_("角色"))
    is_staff = models.BooleanField(_("可进入管理后台"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)
    date_joined = models.DateTimeField(_("注册时间"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            # An account whose only contact was an unverified number claimed
            # by its verified owner is closed (is_active off) without one.
            models.CheckConstraint(
                condition=Q(email__isnull=False) | Q(phone__isnull=False) | Q(is_active=False),
                name="user_has_email_or_phone",
            ),
            models.UniqueConstraint(fields=["phone"], condition=Q(phone_verified=True), name="user_verified_phone_unique"),
            models.CheckConstraint(
                condition=Q(phone_verified=False) | Q(phone__isnull=False), name="user_verified_phone_present"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.email or self.masked_phone

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone or "")

    @property
    def masked_contact(self) -> str:
        """The phone, else the e-mail address, masked (staff lists)."""
        return self.masked_phone if self.phone else mask_email(self.email or "")


class Unit(models.Model):
    """A government unit or organisation: it handles appeals and enters cases."""

    name = models.CharField(_("名称"), max_length=120, unique=True)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True, default="", help_text=ENGLISH_HELP)
    short_name = models.CharField(_("简称"), max_length=40, blank=True)
    level = models.CharField(_("层级"), max_length=16, choices=UnitLevel.choices)
    kind = models.CharField(_("类型"), max_length=24, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    # A deactivated unit keeps its history (appeals, cases, staff rows) but
    # takes no new staff, invitations or child units (portal.administration).
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=models.F("pk")), name="unit_not_own_parent"),
            # No unit below itself at any depth: the trigger unit_tree_acyclic
            # (migration 0006) walks the ancestors of every new parent.
        ]

    localised_name = Localised("name")

    def __str__(self) -> str:
        return self.localised_name


class Membership(models.Model):
    """Gives a user a role; unit staff belong to exactly one unit, reviewers
    list the units they are affiliated with (one row each)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices)
    unit = models.ForeignKey(
        Unit, verbose_name=_("单位"), on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("角色成员")
        verbose_name_plural = _("角色成员")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "unit"], nulls_distinct=False, name="membership_unique"
            ),
            models.UniqueConstraint(
                fields=["user"], condition=Q(role=Role.UNIT_STAFF), name="unit_staff_of_one_unit"
            ),
            models.CheckConstraint(
                condition=~Q(role=Role.UNIT_STAFF) | Q(unit__isnull=False),
                name="unit_staff_has_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}" + (f" · {self.unit}" if self.unit_id else "")


class Notification(models.Model):
    """One e-mail or SMS to one recipient: the outbox row written in the same
    transaction as the change it reports, sent by a task (portal.notifications).

    ``key`` is the idempotency key handed to the gateway; ``state`` moves
    pending → sending (claimed by one worker with an atomic UPDATE) → sent,
    or back to pending after a failed attempt, or failed after the last one.
    A row left in ``sending`` (a worker killed mid-send) is never sent again:
    at most once, and staff see that its delivery is unconfirmed.
    """

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    channel = models.CharField(_("渠道"), max_length=8, choices=NotificationChannel.choices)
    recipient = models.CharField(_("收件人"), max_length=254)
    subject = models.CharField(_("标题"), max_length=255, blank=True)
    body = models.TextField(_("内容"))
    # What the notification is about (an appeal, a panel seat): shown there to staff.
    about_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True)
    about_id = models.BigIntegerField(null=True, blank=True)
    state = models.CharField(_("状态"), max_length=8, choices=NotificationState.choices, default=NotificationState.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    gateway_answer = models.TextField(_("网关回复"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        indexes = [models.Index(fields=["about_type", "about_id"], name="notification_about")]
        constraints = [
            models.CheckConstraint(
                condition=Q(about_type__isnull=True, about_id__isnull=True)
                | Q(about_type__isnull=False, about_id__isnull=False),
                name="notification_about_whole",
            ),
            models.CheckConstraint(
                condition=Q(state__in=NotificationState.values), name="notification_state_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.masked_recipient}: {self.subject}"

    @property
    def masked_recipient(self) -> str:
        """Shown to staff: a resident's contact is revealed only through the logged reveal."""
        return mask_email(self.recipient) if "@" in self.recipient else mask_phone(self.recipient)


# An app's token lives at most this long (issue 14); the database holds it too.
API_TOKEN_MAX_LIFETIME = datetime.timedelta(days=90)


class ApiToken(AbstractAuthToken):
    """A staff member's token for a program (django-rest-knox): only its
    SHA-512 digest is stored, it always expires, and it is revoked by deleting
    the row. The scope limits a read-only token to safe methods."""

    name = models.CharField(_("名称"), max_length=64)
    scope = models.CharField(_("权限范围"), max_length=16, choices=TokenScope.choices, default=TokenScope.READ)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        ordering = ["-created"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="api_token_has_name"),
            models.CheckConstraint(condition=Q(scope__in=TokenScope.values), name="api_token_scope_known"),
            models.CheckConstraint(
                condition=Q(expiry__isnull=False, expiry__lte=models.F("created") + API_TOKEN_MAX_LIFETIME),
                name="api_token_expires_within_90_days",
            ),
        ]

    def __str__(self) -> str:
        return self.name


# Roles an invitation may carry: reviewers join through the panel's own
# invitation (voting.panel.services.invite_reviewer).
INVITABLE_ROLES = (Role.UNIT_STAFF, Role.DISPATCHER, Role.ORGANISER, Role.PORTAL_ADMIN)


class Invitation(models.Model):
    """An invitation to join the staff, sent by SMS or e-mail through the
    outbox (portal.administration.services.invite_staff).

    Only the SHA-256 digest of its token is stored; the token works once
    (``accepted_at``) and until ``expires_at``, unless revoked. It names a
    contact, never an account: whoever holds the contact and accepts decides
    which account it joins, so inviting a number tells the administrator
    nothing about who already uses it.
    """

    channel = models.CharField(_("渠道"), max_length=8, choices=NotificationChannel.choices)
    contact = models.CharField(_("邀请的手机号或邮箱"), max_length=254)
    name = models.CharField(_("称呼"), max_length=64)
    role = models.CharField(_("角色"), max_length=16, choices=[(r.value, r.label) for r in INVITABLE_ROLES])
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, null=True, blank=True,
                             related_name="invitations")
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(User, verbose_name=_("邀请人"), on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(_("邀请时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("失效时间"))
    accepted_at = models.DateTimeField(_("接受时间"), null=True, blank=True)
    accepted_by = models.ForeignKey(User, verbose_name=_("接受账号"), on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    revoked_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("工作人员邀请")
        verbose_name_plural = _("工作人员邀请")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(channel__in=NotificationChannel.values), name="invitation_channel_known"),
            models.CheckConstraint(condition=Q(role__in=[r.value for r in INVITABLE_ROLES]), name="invitation_role_invitable"),
            models.CheckConstraint(
                condition=(Q(role=Role.UNIT_STAFF) & Q(unit__isnull=False)) | (~Q(role=Role.UNIT_STAFF) & Q(unit__isnull=True)),
                name="invitation_unit_iff_unit_staff",
            ),
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("created_at")), name="invitation_expires_after_creation"),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True, accepted_by__isnull=True)
                | Q(accepted_at__isnull=False, accepted_by__isnull=False),
                name="invitation_accepted_whole",
            ),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(revoked_at__isnull=True), name="invitation_accepted_or_revoked"
            ),
            models.CheckConstraint(condition=~Q(contact="") & ~Q(name=""), name="invitation_has_contact_and_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.get_role_display()}"

    @property
    def masked_contact(self) -> str:
        return mask_email(self.contact) if self.channel == NotificationChannel.EMAIL else mask_phone(self.contact)

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()


# The parts of a campaign's set-up an audit row says were changed (voting.setup).
SETUP_PARTS = {
    "title": _("名称"), "title_en": _("英文名称"), "slug": _("网址标识"), "year": _("年度"), "description": _("简介"),
    "entry_limit_per_track": _("可报案例数"), "phases": _("阶段"), "tracks": _("奖项"), "domains": _("领域"),
    "voting_rules": _("投票规则"), "panel": _("专家评审设置"),
}


class AuditEntry(models.Model):
    """One change to accounts, roles or the unit tree, an import of the
    catalogue or a campaign's set-up: who, when, what, on whom, which unit or
    campaign. Append-only: a trigger (migration 0006) refuses to update or
    delete a row."""

    actor = models.ForeignKey(User, verbose_name=_("操作人"), on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    action = models.CharField(_("操作"), max_length=32, choices=AuditAction.choices)
    user = models.ForeignKey(User, verbose_name=_("账号"), on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+")
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.DO_NOTHING, db_constraint=False,
                             null=True, blank=True, related_name="+")
    # Names and values as they were (a deleted unit's name, a role's code).
    details = models.JSONField(_("详情"), default=dict, blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("操作记录")
        verbose_name_plural = _("操作记录")
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(action__in=AuditAction.values), name="audit_action_known"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()}"

    def summary(self) -> list[str]:
        """What the entry is about, in words (the audit page joins them):
        the account, the role's name, the unit, the masked contact, the
        former name, parent or unit. Never an unmasked contact."""
        details = self.details or {}
        role = details.get("role")
        parts = [
            str(self.user) if self.user_id else "",
            str(Role(role).label) if role in Role.values else (role or ""),
            details.get("unit_name") or "",
            details.get("contact") or "",
            _("原名 %(old)s") % {"old": details["old_name"]} if details.get("old_name") else "",
            _("原上级 %(old)s") % {"old": details["old_parent"]} if details.get("old_parent") else "",
            _("原单位 %(old)s") % {"old": details["old_unit"]} if details.get("old_unit") else "",
            # The working-day calendar: the day (or the year imported), its name, the deadlines moved.
            " ".join(str(details[key]) for key in ("day", "day_name") if details.get(key)),
            _("%(year)s 年，%(n)s 天有变") % {"year": details["year"], "n": details["days"]} if "year" in details else "",
            _("%(n)s 个时限随之调整") % {"n": details["moved"]} if details.get("moved") else "",
            details.get("file_name") or "",
            _("新增 %(added)d 行，修改 %(changed)d 行，删除 %(removed)d 行") % details if "removed" in details else "",
            details.get("campaign") or "",
            details.get("phase") or "",
            _("原因：%(reason)s") % {"reason": details["reason"]} if details.get("reason") else "",
            _("复制自 %(source)s") % {"source": details["source"]} if details.get("source") else "",
            _("修改了 %(parts)s") % {"parts": _("、").join(str(SETUP_PARTS.get(p, p)) for p in details["changed_parts"])}
            if details.get("changed_parts") else "",
        ]
        return [part for part in parts if part]
