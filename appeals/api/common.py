"""What the appeals API's modules share: the permission check of read-only
views, the staff's view of one appeal, and serializers used by several audiences."""

from __future__ import annotations

from django.http import Http404
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied

from appeals.models import Appeal, Assignment


def require_perm(request, permission: str, obj=None) -> None:
    """403 unless the user holds the permission (views whose service does not check it: reads)."""
    if not request.user.has_perm(permission, obj):
        raise PermissionDenied()


class PublicEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField(source="created_at")
    by = serializers.CharField(source="actor_label")
    kind = serializers.CharField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    text = serializers.CharField(source="public_text")


class PhotoSerializer(serializers.Serializer):
    """Links to the view that checks who asks (photos are private files)."""

    kind = serializers.CharField()
    url = serializers.SerializerMethodField()
    thumbnail = serializers.SerializerMethodField()

    def get_url(self, photo) -> str:
        return self.context["request"].build_absolute_uri(photo.url)

    def get_thumbnail(self, photo) -> str:
        return self.context["request"].build_absolute_uri(photo.thumbnail_url)


class PartSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.name")

    class Meta:
        model = Assignment
        fields = ["id", "unit", "role", "state", "instructions", "dispatched_at", "return_until", "due_soon_at", "due_at",
                  "accepted_at", "replied_at", "finished_at", "return_reason"]


def staff_appeal(request, appeal_id: int) -> Appeal:
    """The appeal, for staff who may see it; 404 for anyone else."""
    appeal = Appeal.objects.filter(pk=appeal_id).select_related("item", "area", "primary_unit").first()
    if appeal is None or not request.user.has_perm("appeals.view_staff_appeal", appeal):
        raise Http404
    return appeal
