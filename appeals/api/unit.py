"""A unit's part of the appeals API: its inbox, the actions on its part of a
work order (accept, return, reply, resolve, ask for more time), rectifications."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
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
    area = serializers.CharField(source="appeal.area.localised_name")
    item = serializers.CharField(source="appeal.item.localised_name", default=None)

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


class ReturnSerializer(serializers.Serializer):
    reason = text_field(minimum=5, maximum=1000, help_text="Why the part goes back to the dispatch centre")


class ReplySerializer(serializers.Serializer):
    body = text_field(minimum=10, maximum=4000, help_text="The reply the resident reads")


class ResolveSerializer(serializers.Serializer):
    summary = text_field(minimum=10, maximum=4000, help_text="What was done")
    photos = serializers.ListField(child=serializers.FileField(), required=False, max_length=settings.APPEALS_MAX_PHOTOS)


class ExtensionSerializer(serializers.Serializer):
    extra_working_days = serializers.IntegerField(min_value=1, max_value=30)
    reason = text_field(minimum=5, maximum=1000)


class PartActionView(APIView):
    """One action on the unit's part of a work order: each has its own path
    and body, so the schema states what each needs."""

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    body: type[serializers.Serializer] | None = None

    def post(self, request, assignment_id: int):
        # The path parameter keeps its published name (assignment_id); it names a WorkOrder.
        services.require_part(request.user, assignment_id)  # permission before the body
        data = {}
        if self.body is not None:
            serializer = self.body(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
        self.act(request, assignment_id, data)
        return Response(PartSerializer(WorkOrder.objects.select_related("unit").get(pk=assignment_id)).data)

    def act(self, request, assignment_id: int, data: dict) -> None:
        raise NotImplementedError


def _documented(body, summary: str):
    return extend_schema_view(post=extend_schema(request=body, responses={200: PartSerializer, **refusals(409)},
                                                 summary=summary))


@_documented(None, "Accept the part")
class AcceptPartView(PartActionView):
    def act(self, request, assignment_id, data):
        services.accept_part(actor=request.user, work_order_id=assignment_id)


@_documented(ReturnSerializer, "Return the part to the dispatch centre (within its return window)")
class ReturnPartView(PartActionView):
    body = ReturnSerializer

    def act(self, request, assignment_id, data):
        services.return_part(actor=request.user, work_order_id=assignment_id, reason=data["reason"])


@_documented(ReplySerializer, "Reply to the resident")
class ReplyPartView(PartActionView):
    body = ReplySerializer

    def act(self, request, assignment_id, data):
        services.reply_to_appeal(actor=request.user, work_order_id=assignment_id, body=data["body"])


@_documented(ResolveSerializer, "Resolve the appeal (the primary unit, once it has replied)")
class ResolvePartView(PartActionView):
    body = ResolveSerializer

    def act(self, request, assignment_id, data):
        services.resolve_appeal(actor=request.user, work_order_id=assignment_id, summary=data["summary"],
                                photos=request.FILES.getlist("photos"))


@_documented(ExtensionSerializer, "Ask the dispatch centre for more working days")
class ExtensionPartView(PartActionView):
    body = ExtensionSerializer

    def act(self, request, assignment_id, data):
        services.request_extension(actor=request.user, work_order_id=assignment_id,
                                   extra_working_days=data["extra_working_days"], reason=data["reason"])


PART_ACTIONS = {"accept": AcceptPartView, "return": ReturnPartView, "reply": ReplyPartView,
                "resolve": ResolvePartView, "extension": ExtensionPartView}


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
