"""Core data: accounts, units (单位) and the memberships that give roles."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.enums import Role, UnitKind, UnitLevel


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
    missing, never both (enforced in the database).
    """

    email = models.EmailField(_("邮箱"), unique=True, null=True, blank=True)
    phone = models.CharField(_("手机号"), max_length=32, unique=True, null=True, blank=True)
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
            models.CheckConstraint(
                condition=Q(email__isnull=False) | Q(phone__isnull=False),
                name="user_has_email_or_phone",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.email or self.masked_phone

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def masked_phone(self) -> str:
        if not self.phone:
            return ""
        return f"{self.phone[:-8]}****{self.phone[-4:]}" if len(self.phone) >= 8 else "****"


class Unit(models.Model):
    """A government unit or organisation: it handles appeals and enters cases."""

    name = models.CharField(_("名称"), max_length=120, unique=True)
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

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=models.F("pk")), name="unit_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name


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
