"""What the appeals API's modules share: the words of the read-only views'
refusals, the staff's view of one appeal, and serializers used by several
audiences. Permissions are asked through portal.permissions.require; the
API's exception handler (portal.api) answers every refusal."""

from __future__ import annotations

from django.http import Http404
from rest_framework import exceptions, serializers

from appeals.models import Appeal, WorkOrder
from portal.permissions import require

# What the read-only views (whose service does not ask) say when they refuse:
# the words DRF's own 403 and 404 gave them before, kept for the programs
# that show them.
API_FORBIDDEN = exceptions.PermissionDenied.default_detail
API_NOT_FOUND = exceptions.NotFound.default_detail


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
        model = WorkOrder
        fields = ["id", "unit", "role", "state", "instructions", "dispatched_at", "return_until", "due_soon_at", "due_at",
                  "accepted_at", "replied_at", "finished_at", "return_reason"]


def staff_appeal(request, appeal_id: int) -> Appeal:
    """The appeal, for staff who may see it; 404 for anyone else."""
    appeal = Appeal.objects.filter(pk=appeal_id).select_related("item", "area", "primary_unit").first()
    if appeal is None:
        raise Http404
    require(request.user, "appeals.view_staff_appeal", appeal, conceal=True, message=API_NOT_FOUND)
    return appeal
