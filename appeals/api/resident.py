"""A resident's part of the appeals API: file an appeal (idempotent), list and
track their own, rate the result, withdraw consent to publish."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from appeals import selectors, services
from appeals.api.common import (
    IDEMPOTENCY_HEADER,
    PhotoSerializer,
    PublicEventSerializer,
    idempotency_key_field,
    phone_field,
    sent_idempotency_key,
)
from appeals.enums import Channel
from appeals.models import Appeal
from portal.api import FormNullDecimalField, FormNullIntegerField, text_field
from portal.ratelimits import check_rate, counting_misses, own_rate_limit
from portal.schema import refusals


class OwnerAppealSerializer(serializers.ModelSerializer):
    item = serializers.CharField(source="item.localised_name", default=None)
    area = serializers.CharField(source="area.localised_name")
    primary_unit = serializers.CharField(source="primary_unit.localised_name", default=None)
    state_label = serializers.CharField(source="get_state_display")
    timeline = serializers.SerializerMethodField()
    photos = PhotoSerializer(many=True, source="photos.all")

    class Meta:
        model = Appeal
        fields = [
            "tracking_number", "channel", "state", "state_label", "title", "description", "item", "area", "address",
            "latitude", "longitude", "contact_name", "contact_phone", "publish_consent", "urgency", "submitted_at",
            "primary_unit", "handling_due_at", "resolved_at", "resolution", "timeline", "photos",
        ]

    def get_timeline(self, appeal) -> list[dict]:
        return PublicEventSerializer(selectors.public_timeline(appeal), many=True).data


class OwnerAppealListSerializer(serializers.ModelSerializer):
    state_label = serializers.CharField(source="get_state_display")

    class Meta:
        model = Appeal
        fields = ["tracking_number", "title", "state", "state_label", "submitted_at"]


class IntakeSerializer(serializers.Serializer):
    """The report as appeals.services.validation checks it: texts measured
    once stripped, coordinates both or neither and inside the city."""

    item = FormNullIntegerField(required=False, allow_null=True, help_text="Catalogue item id; null = not sure")
    area = serializers.IntegerField()
    title = text_field(minimum=4, maximum=80)
    description = text_field(minimum=10, maximum=2000)
    address = text_field(minimum=4, maximum=200)
    latitude = FormNullDecimalField(max_digits=12, decimal_places=8, required=False, allow_null=True,
                                        help_text="With longitude, or neither; inside the city (22.60 to 23.20)")
    longitude = FormNullDecimalField(max_digits=12, decimal_places=8, required=False, allow_null=True,
                                         help_text="With latitude, or neither; inside the city (113.50 to 114.30)")
    contact_name = text_field(minimum=1, maximum=40)
    contact_phone = phone_field()
    publish_consent = serializers.BooleanField(default=False)
    idempotency_key = idempotency_key_field()
    photos = serializers.ListField(child=serializers.FileField(), required=False, max_length=settings.APPEALS_MAX_PHOTOS)


@own_rate_limit
class AppealCollectionView(APIView):
    """GET: the signed-in resident's appeals. POST: file one (idempotent)."""

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(responses=OwnerAppealListSerializer(many=True))
    def get(self, request):
        appeals = selectors.appeals_of_resident(request.user)[:100]
        return Response(OwnerAppealListSerializer(appeals, many=True).data)

    # 404: an item or area id that names nothing.
    @extend_schema(request=IntakeSerializer, parameters=[IDEMPOTENCY_HEADER],
                   responses={201: OwnerAppealSerializer, 200: OwnerAppealSerializer, **refusals(404, 409)})
    def post(self, request):
        check_rate(request, "appeal.file")
        serializer = IntakeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = services.file_appeal(
            resident=request.user,
            idempotency_key=sent_idempotency_key(request, data),
            item_id=data.get("item"), area_id=data["area"], title=data["title"], description=data["description"],
            address=data["address"], latitude=data.get("latitude"), longitude=data.get("longitude"),
            contact_name=data["contact_name"], contact_phone=data["contact_phone"],
            publish_consent=data["publish_consent"], photos=request.FILES.getlist("photos"), channel=Channel.API,
        )
        return Response(
            OwnerAppealSerializer(result.appeal, context={"request": request}).data,
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        )


class TrackView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: OwnerAppealSerializer, **refusals(429)})  # guessed numbers are counted
    def get(self, request, tracking_number: str):
        with counting_misses(request):
            appeal = selectors.appeal_for_owner(request.user, tracking_number)
        return Response(OwnerAppealSerializer(appeal, context={"request": request}).data)


class RateSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=500,
                                    help_text="Required (two characters at least) with a score of 1 or 2: why")


@own_rate_limit
class RateView(APIView):
    """The owner rates a resolved appeal (the same rules as the page)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=RateSerializer, responses={201: dict, **refusals(409)})
    def post(self, request, tracking_number: str):
        check_rate(request, "appeal.rate")
        with counting_misses(request):
            appeal = selectors.appeal_for_owner(request.user, tracking_number)
        body = RateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rating = services.rate_appeal(resident=request.user, appeal_id=appeal.pk, **body.validated_data)
        appeal.refresh_from_db(fields=["state"])
        return Response({"round": rating.round, "score": rating.score, "state": appeal.state,
                         "rectification": hasattr(rating, "rectification")}, status=status.HTTP_201_CREATED)


class WithdrawConsentView(APIView):
    """The resident withdraws consent to publish: the appeal leaves the wall at once."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: dict, **refusals(409)})
    def post(self, request, tracking_number: str):
        appeal = selectors.appeal_for_owner(request.user, tracking_number)
        appeal = services.withdraw_publish_consent(user=request.user, appeal_id=appeal.pk)
        return Response({"publish_consent": appeal.publish_consent, "is_public": appeal.is_public})
