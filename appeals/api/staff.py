"""Staff's part of the appeals API about one appeal, shared by the units
handling it and the dispatch centre: the staff view, internal notes, the
logged reveal of the resident's contact."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from appeals import selectors, services
from appeals.api.common import PartSerializer, PublicEventSerializer, staff_appeal
from appeals.models import Appeal, AppealEvent
from portal.api import text_field
from portal.reauth import RecentAuthentication


class StaffEventSerializer(PublicEventSerializer):
    actor = serializers.SerializerMethodField()
    unit = serializers.CharField(source="actor_unit.localised_name", default=None)
    reason = serializers.CharField()
    public = serializers.BooleanField()

    def get_actor(self, event: AppealEvent) -> str | None:
        """Staff by name, the resident masked (selectors.staff_timeline names them)."""
        return getattr(event, "actor_name", None) or None


class MaskedContactSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="Family name and a star (陈*)")
    phone = serializers.CharField(help_text="First three and last four digits (139****5678)")
    location = serializers.CharField(help_text="The area, never the exact address")


class StaffAppealSerializer(serializers.ModelSerializer):
    """Staff view: full timeline, the resident masked (the real contact only
    through POST /contact, logged with a reason)."""

    item = serializers.CharField(source="item.localised_name", default=None)
    item_id = serializers.IntegerField(allow_null=True)
    area = serializers.CharField(source="area.localised_name")
    primary_unit = serializers.CharField(source="primary_unit.localised_name", default=None)
    contact = serializers.SerializerMethodField()
    parts = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()

    class Meta:
        model = Appeal
        fields = [
            "id", "tracking_number", "channel", "state", "urgency", "title", "description", "item", "item_id", "area",
            "contact", "submitted_at", "dispatch_due_at", "dispatched_at", "primary_unit", "handling_due_at",
            "resolved_at", "resolution", "return_count", "parts", "timeline",
        ]

    @extend_schema_field(MaskedContactSerializer)
    def get_contact(self, appeal) -> dict:
        return MaskedContactSerializer(selectors.privacy.masked_contact(appeal)).data

    def get_parts(self, appeal) -> list[dict]:
        return PartSerializer(selectors.parts_of(appeal), many=True).data

    def get_timeline(self, appeal) -> list[dict]:
        return StaffEventSerializer(selectors.staff_timeline(appeal), many=True).data


class StaffAppealView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=StaffAppealSerializer)
    def get(self, request, appeal_id: int):
        return Response(StaffAppealSerializer(staff_appeal(request, appeal_id)).data)


class NoteSerializer(serializers.Serializer):
    body = text_field(minimum=2, maximum=2000)


class NoteView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=NoteSerializer, responses={201: None})
    def post(self, request, appeal_id: int):
        services.require_note(request.user, appeal_id)  # permission before the body
        serializer = NoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        note = services.add_internal_note(actor=request.user, appeal_id=appeal_id, body=serializer.validated_data["body"])
        return Response({"id": note.pk}, status=status.HTTP_201_CREATED)


class ContactSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()
    address = serializers.CharField()
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)


class RevealSerializer(serializers.Serializer):
    reason = text_field(minimum=1, maximum=200, help_text="Why the contact is needed (logged and shown to organisers)")


class ContactDetailView(APIView):
    """The logged reveal: the resident's name, phone and exact location, for
    the dispatch centre and the unit handling the appeal now, with a reason.
    403 for anyone else, 400 without a reason; each reveal is one log row."""

    permission_classes = [IsAuthenticated, RecentAuthentication]

    @extend_schema(request=RevealSerializer, responses=ContactSerializer)
    def post(self, request, appeal_id: int):
        appeal = Appeal.objects.filter(pk=appeal_id).first()
        if appeal is None:
            raise Http404
        # Anyone outside the rule is refused before their reason is even read.
        services.require_reveal(request.user, appeal)
        serializer = RevealSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contact = services.reveal_contact(viewer=request.user, appeal_id=appeal_id,
                                          reason=serializer.validated_data["reason"], via="api")
        return Response(ContactSerializer(contact).data)
