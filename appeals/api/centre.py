"""The dispatch centre's part of the appeals API: the queue, routing
suggestions and dispatch, hotline calls, extensions, checks of
rectifications, moderation before publication."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from appeals import selectors, services
from appeals.api.common import (
    API_FORBIDDEN,
    IDEMPOTENCY_HEADER,
    idempotency_key_field,
    phone_field,
    sent_idempotency_key,
    staff_appeal,
)
from appeals.api.staff import StaffAppealSerializer
from appeals.enums import APPEAL_DISPATCH_STATES, ModerationDecision, Urgency
from appeals.forms import QueueSearchForm
from appeals.models import Appeal
from appeals.selectors import moderation as moderation_selectors
from appeals.selectors import queue as queue_selectors
from appeals.selectors.queue import QueueFilters
from portal.api import checked_query, text_field
from portal.pagination import Pagination
from portal.permissions import require
from portal.schema import refusals


class QueueSerializer(serializers.ModelSerializer):
    item = serializers.CharField(source="item.localised_name", default=None)
    area = serializers.CharField(source="area.localised_name")

    class Meta:
        model = Appeal
        fields = ["id", "tracking_number", "channel", "state", "urgency", "title", "item", "area", "submitted_at", "dispatch_due_at"]


class QueueQuerySerializer(serializers.Serializer):
    """Documents the queue's search; QueueSearchForm (the dispatch centre's
    page) checks it."""

    q = serializers.CharField(required=False, allow_blank=True, max_length=40,
                              help_text="A tracking number (or part of one), a contact phone's last four digits, or words of the title, description, town or item")
    state = serializers.ChoiceField(choices=list(APPEAL_DISPATCH_STATES), required=False, allow_blank=True)
    category = serializers.IntegerField(required=False, help_text="A category's id")
    area = serializers.IntegerField(required=False, help_text="A town's id")
    due = serializers.ChoiceField(choices=["soon", "overdue"], required=False, allow_blank=True,
                                  help_text="soon: the dispatch deadline is within 30 minutes; overdue: it has passed")


class QueueView(APIView):
    """Appeals waiting for dispatch, the earliest dispatch deadline first; searched as on the dispatch centre's page."""

    permission_classes = [IsAuthenticated]
    pagination_class = Pagination

    @extend_schema(parameters=[QueueQuerySerializer], responses={200: QueueSerializer(many=True), **refusals(404)})
    def get(self, request):
        require(request.user, "appeals.use_dispatch_centre", message=API_FORBIDDEN)
        filters = QueueFilters.of(checked_query(QueueSearchForm(request.query_params)))
        queue = queue_selectors.search_queue(actor=request.user, filters=filters, now=timezone.now())
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(queue, request, view=self)
        return paginator.get_paginated_response(QueueSerializer(page, many=True).data)


class UnitRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class RouteSerializer(serializers.Serializer):
    primary_unit = UnitRefSerializer()
    co_units = UnitRefSerializer(many=True)
    area_specific = serializers.BooleanField()
    auto_dispatch = serializers.BooleanField()


class SuggestionSerializer(serializers.Serializer):
    suggestion = RouteSerializer(allow_null=True)


class SuggestionView(APIView):
    """The responsibility list's routing for the appeal (null: the centre decides)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=SuggestionSerializer)
    def get(self, request, appeal_id: int):
        require(request.user, "appeals.dispatch_appeal", message=API_FORBIDDEN)
        appeal = staff_appeal(request, appeal_id)
        route = selectors.suggest_route(item=appeal.item, area=appeal.area)
        if route is None:
            return Response({"suggestion": None})
        return Response({"suggestion": {
            "primary_unit": {"id": route.primary_unit.pk, "name": route.primary_unit.localised_name},
            "co_units": [{"id": u.pk, "name": u.localised_name} for u in route.co_units],
            "area_specific": route.area_specific,
            "auto_dispatch": route.auto_dispatch,
        }})


class DispatchSerializer(serializers.Serializer):
    primary_unit = serializers.IntegerField()
    co_units = serializers.ListField(child=serializers.IntegerField(), required=False, default=list,
                                     help_text="Distinct units, not the primary one")
    item = serializers.IntegerField(required=False, allow_null=True)
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)
    instructions = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False, default=dict)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class DispatchView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=DispatchSerializer, responses={200: StaffAppealSerializer, **refusals(409)})
    def post(self, request, appeal_id: int):
        require(request.user, "appeals.dispatch_appeal")  # permission before the body (see HotlineView)
        serializer = DispatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        appeal = services.dispatch_appeal(
            actor=request.user, appeal_id=appeal_id, primary_unit_id=data["primary_unit"], co_unit_ids=data["co_units"],
            item_id=data.get("item"), urgency=data.get("urgency"), instructions=data["instructions"], reason=data["reason"],
        )
        return Response(StaffAppealSerializer(appeal).data)


class HotlineSerializer(serializers.Serializer):
    """A caller's report as appeals.services.validation checks it."""

    item = serializers.IntegerField(required=False, allow_null=True)
    area = serializers.IntegerField()
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False, allow_null=True)
    title = text_field(minimum=4, maximum=80)
    description = text_field(minimum=10, maximum=2000)
    address = text_field(minimum=4, maximum=200)
    caller_name = text_field(minimum=1, maximum=40)
    caller_phone = phone_field()
    publish_consent = serializers.BooleanField(default=False)
    idempotency_key = idempotency_key_field()


class HotlineView(APIView):
    permission_classes = [IsAuthenticated]

    # 404: an item or area id that names nothing.
    @extend_schema(request=HotlineSerializer, parameters=[IDEMPOTENCY_HEADER],
                   responses={201: StaffAppealSerializer, 200: StaffAppealSerializer, **refusals(404, 409)})
    def post(self, request):
        # Permission first: a caller who may not file learns 403, not what was wrong with the body.
        require(request.user, "appeals.file_for_caller")
        serializer = HotlineSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = services.file_for_caller(
            actor=request.user, idempotency_key=sent_idempotency_key(request, data),
            item_id=data.get("item"), area_id=data["area"], urgency=data.get("urgency"), title=data["title"],
            description=data["description"], address=data["address"], caller_name=data["caller_name"],
            caller_phone=data["caller_phone"], publish_consent=data["publish_consent"],
        )
        return Response(StaffAppealSerializer(result.appeal).data,
                        status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)


class ExtensionDecisionSerializer(serializers.Serializer):
    grant = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ExtensionDecisionView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=ExtensionDecisionSerializer, responses={200: dict, **refusals(409)})
    def post(self, request, extension_id: int):
        require(request.user, "appeals.decide_extension")
        serializer = ExtensionDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        extension = services.decide_extension(actor=request.user, extension_id=extension_id, **serializer.validated_data)
        return Response({"id": extension.pk, "state": extension.state, "new_due_at": extension.new_due_at})


class RectificationCheckSerializer(serializers.Serializer):
    verified = serializers.BooleanField()
    note = text_field(minimum=2, maximum=2000)


class RectificationCheckView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=RectificationCheckSerializer, responses={200: dict, **refusals(409)})
    def post(self, request, rectification_id: int):
        require(request.user, "appeals.check_rectification")
        body = RectificationCheckSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rectification = services.check_rectification(actor=request.user, rectification_id=rectification_id,
                                                     **body.validated_data)
        return Response({"id": rectification.pk, "state": rectification.state})


def _parts(parts) -> list[dict]:
    return [{"original": original, "public": public, "kind": kind} for original, public, kind in parts]


class ModerationQueueView(APIView):
    """Appeals waiting for a moderator, oldest first (dispatch centre)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="appeals_moderation_queue", responses=dict)
    def get(self, request):
        require(request.user, "appeals.moderate_publication", message=API_FORBIDDEN)
        rows = moderation_selectors.moderation_queue()[:100]
        return Response({"results": [
            {"id": a.pk, "tracking_number": a.tracking_number, "public_title": a.public_title, "submitted_at": a.submitted_at}
            for a in rows
        ]})


class ModerationSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=ModerationDecision.choices)


class PublishDecisionSerializer(ModerationSerializer):
    decision = serializers.ChoiceField(choices=[ModerationDecision.PUBLISH])
    title = text_field(minimum=4, maximum=80, help_text="The public title as edited")
    description = text_field(minimum=10, maximum=2000, help_text="The public text as edited")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, trim_whitespace=False)


class RefuseDecisionSerializer(ModerationSerializer):
    decision = serializers.ChoiceField(choices=[ModerationDecision.REFUSE])
    reason = text_field(minimum=2, maximum=500, help_text="Why it is not published")


MODERATION_DECISIONS = {ModerationDecision.PUBLISH: PublishDecisionSerializer,
                        ModerationDecision.REFUSE: RefuseDecisionSerializer}


class ModerationView(APIView):
    """GET: the original beside the redacted text, span by span; POST: publish (with the
    edited public text) or refuse with a reason."""

    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="appeals_moderation_review", responses=dict)
    def get(self, request, appeal_id: int):
        require(request.user, "appeals.moderate_publication", message=API_FORBIDDEN)
        review = moderation_selectors.review_of(appeal_id)
        appeal = review.appeal
        return Response({
            "id": appeal.pk, "tracking_number": appeal.tracking_number, "moderation": appeal.moderation,
            "public_title": appeal.public_title, "public_description": appeal.public_description,
            "title_parts": _parts(review.title_parts), "description_parts": _parts(review.description_parts),
        })

    @extend_schema(request=PolymorphicProxySerializer(
        "ModerationDecision", serializers={str(k.value): v for k, v in MODERATION_DECISIONS.items()},
        resource_type_field_name="decision",
    ), responses={200: dict, **refusals(409)})
    def post(self, request, appeal_id: int):
        require(request.user, "appeals.moderate_publication")
        decision = ModerationSerializer(data=request.data)
        decision.is_valid(raise_exception=True)
        body = MODERATION_DECISIONS[decision.validated_data["decision"]](data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        appeal = services.moderate_appeal(
            actor=request.user, appeal_id=appeal_id, publish=data["decision"] == "publish",
            title=data.get("title", ""), description=data.get("description", ""), reason=data.get("reason", ""),
        )
        return Response({"id": appeal.pk, "moderation": appeal.moderation, "is_public": appeal.is_public})
