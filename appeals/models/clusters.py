"""Similar-case management (类案): clusters of similar appeals."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appeals.enums import ClusterState
from appeals.models.appeals import Appeal
from appeals.models.catalogue import Area, Item


class Cluster(models.Model):
    """A group of similar appeals (类案) found by the clustering job;
    dispatchers confirm, merge, split or dismiss it, and can answer it once."""

    item = models.ForeignKey(Item, verbose_name=_("事项"), on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    area = models.ForeignKey(Area, verbose_name=_("区域"), on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    label = models.CharField(_("名称"), max_length=80)
    keywords = models.CharField(_("关键词"), max_length=200, blank=True)
    state = models.CharField(_("状态"), max_length=16, choices=ClusterState.choices, default=ClusterState.SUGGESTED)
    size = models.PositiveIntegerField(_("诉求数"), default=0)
    me_too_total = models.PositiveIntegerField(_("“我也遇到”合计"), default=0)
    first_at = models.DateTimeField(_("最早提交"), null=True, blank=True)
    last_at = models.DateTimeField(_("最近提交"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reply = models.TextField(_("统一答复"), blank=True)
    replied_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    replied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("类案")
        verbose_name_plural = _("类案")
        ordering = ["-size", "-pk"]
        indexes = [models.Index(fields=["state", "-size"], name="appeals_cluster_state")]

    def __str__(self) -> str:
        return self.label

    @property
    def weight(self) -> int:
        """How often the problem is raised: appeals plus residents' +1s."""
        return self.size + self.me_too_total


class ClusterMember(models.Model):
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="members")
    appeal = models.OneToOneField(Appeal, on_delete=models.CASCADE, related_name="cluster_membership")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("类案成员")
        verbose_name_plural = _("类案成员")
