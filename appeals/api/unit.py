"""A unit's part of the appeals API: its inbox, the actions on its part of a
work order (accept, return, reply, resolve, ask for more time), rectifications."""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from appeals import selectors, services
from appeals.api.common import API_FORBIDDEN, PartSerializer
from appeals.enums import InboxBucket
from appeals.models import WorkOrder
from portal import selectors as portal_selectors
from portal.api import text_field
from portal.pagination import Pagination
from portal.permissions import require
from portal.schema import refusals


class InboxPartSerializer(serializers.ModelSerializer):
    appeal_id = serializers.IntegerField()
    tracking_number = serializers.CharField(source="appeal.tracking_number")
    title = serializers.CharField(source="appeal.title")
    area = serializers.CharField(source="appeal.area.name")
    item = serializers.CharField(source="appeal.item.name", default=None)

    class Meta:
        model = WorkOrder
        fields = ["id", "appeal_id", "tracking_number", "title", "area", "item", "role", "state", "due_soon_at", "due_at"]


class InboxView(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = Pagination  # documents the page (and its limit/offset) in the schema

    @extend_schema(responses=InboxPartSerializer(many=True))
    def get(self, request):
        require(request.user, "appeals.view_unit_inbox", message=API_FORBIDDEN)
        bucket = request.query_params.get("bucket", InboxBucket.NEW)
        if bucket not in InboxBucket.values:
            raise serializers.ValidationError({"bucket": [f"one of {', '.join(InboxBucket.values)}"]})
        unit = portal_selectors.staff_unit_of(request.user)
        now = timezone.now()
        queryset = selectors.unit_inbox(unit=unit, bucket=bucket, now=now)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(queryset, request, view=self)
        response = paginator.get_paginated_response(InboxPartSerializer(page, many=True).data)
        response.data["counts"] = selectors.unit_inbox_counts(unit=unit, now=now)
        return response


class PartActionSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    body = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    summary = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    extra_working_days = serializers.IntegerField(required=False)
    photos = serializers.ListField(child=serializers.FileField(), required=False, max_length=20)


PART_ACTIONS = ("accept", "return", "reply", "resolve", "extension")


class PartActionView(APIView):
    """POST accept | return | reply | resolve | extension on the unit's part."""

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(request=PartActionSerializer, responses={200: PartSerializer, **refusals(409)},
                   parameters=[OpenApiParameter("action", str, OpenApiParameter.PATH, enum=PART_ACTIONS)])
    def post(self, request, assignment_id: int, action: str):
        if action not in PART_ACTIONS:
            raise Http404
        services.require_part(request.user, assignment_id)  # permission before the body
        serializer = PartActionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = request.user
        if action == "accept":
            services.accept_part(actor=user, assignment_id=assignment_id)
        elif action == "return":
            services.return_part(actor=user, assignment_id=assignment_id, reason=data.get("reason", ""))
        elif action == "reply":
            services.reply_to_appeal(actor=user, assignment_id=assignment_id, body=data.get("body", ""))
        elif action == "resolve":
            services.resolve_appeal(actor=user, assignment_id=assignment_id, summary=data.get("summary", ""),
                                    photos=request.FILES.getlist("photos"))
        elif action == "extension":
            services.request_extension(actor=user, assignment_id=assignment_id,
                                       extra_working_days=data.get("extra_working_days"), reason=data.get("reason", ""))
        else:
            raise Http404
        return Response(PartSerializer(WorkOrder.objects.select_related("unit").get(pk=assignment_id)).data)


class RectificationSubmitSerializer(serializers.Serializer):
    report = text_field(minimum=10, maximum=4000)


class RectificationSubmitView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=RectificationSubmitSerializer, responses={200: dict, **refusals(409)})
    def post(self, request, rectification_id: int):
        services.require_rectifier(request.user, rectification_id)  # permission before the body
        body = RectificationSubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rectification = services.submit_rectification(actor=request.user, rectification_id=rectification_id,
                                                      report=body.validated_data["report"])
        return Response({"id": rectification.pk, "state": rectification.state,
                         "on_time": rectification.on_time})
