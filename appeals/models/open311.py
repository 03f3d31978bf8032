"""Open311 GeoReport v2: API keys and the tokens of posted requests."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appeals.models.appeals import Appeal


def new_key() -> str:
    """A fresh random API key."""
    import secrets

    return secrets.token_urlsafe(24)


class Open311Key(models.Model):
    """An Open311 GeoReport v2 API key (organisers issue and revoke them).
    Requests posted with the key are recorded as submitted by its account."""

    name = models.CharField(_("用途/客户端"), max_length=80)
    key = models.CharField(_("API key"), max_length=64, unique=True, default=new_key)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入账号"), on_delete=models.PROTECT, related_name="+"
    )
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")

    def __str__(self) -> str:
        return self.name


class Open311Token(models.Model):
    """GeoReport v2 token of a posted request (GET tokens/{token})."""

    token = models.CharField(max_length=64, unique=True)
    appeal = models.OneToOneField(Appeal, on_delete=models.CASCADE, related_name="open311_token")
    key = models.ForeignKey(Open311Key, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
