"""What the appeals API's modules share: the words of the read-only views'
refusals, the staff's view of one appeal, and serializers used by several
audiences. Permissions are asked through portal.permissions.require; the
API's exception handler (portal.api) answers every refusal."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.http import Http404
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, serializers

from appeals.models import Appeal, WorkOrder
from portal.permissions import require

# What the read-only views (whose service does not ask) say when they refuse:
# the words DRF's own 403 and 404 gave them before, kept for the programs
# that show them.
API_FORBIDDEN = exceptions.PermissionDenied.default_detail
API_NOT_FOUND = exceptions.NotFound.default_detail

# The forms the services accept (appeals.services.validation), written so the
# schema states them: a phone as sent (no spaces inside), an idempotency key.
PHONE_PATTERN = r"^(?:\+86)?(?:1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$"
KEY_PATTERN = r"^[A-Za-z0-9_-]{8,64}$"
KEY_HELP = ("8 to 64 letters, digits, - or _: the same key again returns the first appeal (200) instead of filing "
            "a second. Send it here or as the Idempotency-Key header (the header wins); one of them is required.")


def phone_field(**kwargs) -> serializers.CharField:
    return serializers.CharField(max_length=40, trim_whitespace=False, validators=[RegexValidator(
        PHONE_PATTERN, message=gettext_lazy("请填写有效的手机号（11位）或固定电话（如 0769-22223333）。"))], **kwargs)


def idempotency_key_field() -> serializers.CharField:
    return serializers.CharField(required=False, max_length=64, trim_whitespace=False, help_text=KEY_HELP,
                                 validators=[RegexValidator(KEY_PATTERN, message=gettext_lazy("提交令牌无效，请刷新页面后重新提交。"))])


IDEMPOTENCY_HEADER = OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False, pattern=KEY_PATTERN,
                                      description=KEY_HELP)


def sent_idempotency_key(request, data: dict) -> str:
    """The header when it is sent (even empty: then it is refused), else the body's key."""
    if "Idempotency-Key" in request.headers:
        return request.headers["Idempotency-Key"]
    return data.get("idempotency_key", "")


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
    unit = serializers.CharField(source="unit.localised_name")

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
