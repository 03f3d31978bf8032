"""The appeals API (/api/v1/appeals/...): intake, owner tracking, unit work
and dispatch. Thin views over the same services and selectors as the pages."""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from appeals import selectors, services
from appeals.enums import Channel, InboxBucket, Urgency
from appeals.models import Appeal, AppealEvent, Assignment
from appeals.queries import stats_params, stats_query, wall_filters, wall_query
from portal import selectors as portal_selectors
from portal.api import checked_query
from portal.pagination import Pagination
from portal.ratelimits import check_rate, counting_misses, own_rate_limit
from portal.reauth import RecentAuthentication


def _require(request, permission: str, obj=None) -> None:
    if not request.user.has_perm(permission, obj):
        raise PermissionDenied()


class ItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    default_urgency = serializers.CharField()
    deadline_value = serializers.IntegerField()
    deadline_unit = serializers.CharField()
    publishable = serializers.BooleanField()


class CategorySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    items = ItemSerializer(many=True, source="items.all")


class AreaSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class PublicEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField(source="created_at")
    by = serializers.CharField(source="actor_label")
    kind = serializers.CharField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    text = serializers.CharField(source="public_text")


class StaffEventSerializer(PublicEventSerializer):
    actor = serializers.SerializerMethodField()
    unit = serializers.CharField(source="actor_unit.name", default=None)
    reason = serializers.CharField()
    public = serializers.BooleanField()

    def get_actor(self, event: AppealEvent) -> str | None:
        """Staff by name, the resident masked (selectors.staff_timeline names them)."""
        return getattr(event, "actor_name", None) or None


class PhotoSerializer(serializers.Serializer):
    """Links to the view that checks who asks (photos are private files)."""

    kind = serializers.CharField()
    url = serializers.SerializerMethodField()
    thumbnail = serializers.SerializerMethodField()

    def get_url(self, photo) -> str:
        return self.context["request"].build_absolute_uri(photo.url)

    def get_thumbnail(self, photo) -> str:
        return self.context["request"].build_absolute_uri(photo.thumbnail_url)


class OwnerAppealSerializer(serializers.ModelSerializer):
    item = serializers.CharField(source="item.name", default=None)
    area = serializers.CharField(source="area.name")
    primary_unit = serializers.CharField(source="primary_unit.name", default=None)
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


class PartSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.name")

    class Meta:
        model = Assignment
        fields = ["id", "unit", "role", "state", "instructions", "dispatched_at", "return_until", "due_soon_at", "due_at",
                  "accepted_at", "replied_at", "finished_at", "return_reason"]


class MaskedContactSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="Family name and a star (陈*)")
    phone = serializers.CharField(help_text="First three and last four digits (139****5678)")
    location = serializers.CharField(help_text="The area, never the exact address")


class StaffAppealSerializer(serializers.ModelSerializer):
    """Staff view: full timeline, the resident masked (the real contact only
    through POST /contact, logged with a reason)."""

    item = serializers.CharField(source="item.name", default=None)
    item_id = serializers.IntegerField(allow_null=True)
    area = serializers.CharField(source="area.name")
    primary_unit = serializers.CharField(source="primary_unit.name", default=None)
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


class InboxPartSerializer(serializers.ModelSerializer):
    appeal_id = serializers.IntegerField()
    tracking_number = serializers.CharField(source="appeal.tracking_number")
    title = serializers.CharField(source="appeal.title")
    area = serializers.CharField(source="appeal.area.name")
    item = serializers.CharField(source="appeal.item.name", default=None)

    class Meta:
        model = Assignment
        fields = ["id", "appeal_id", "tracking_number", "title", "area", "item", "role", "state", "due_soon_at", "due_at"]


class QueueSerializer(serializers.ModelSerializer):
    item = serializers.CharField(source="item.name", default=None)
    area = serializers.CharField(source="area.name")

    class Meta:
        model = Appeal
        fields = ["id", "tracking_number", "channel", "state", "urgency", "title", "item", "area", "submitted_at", "dispatch_due_at"]


class IntakeSerializer(serializers.Serializer):
    item = serializers.IntegerField(required=False, allow_null=True, help_text="Catalogue item id; null = not sure")
    area = serializers.IntegerField()
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=5000)
    address = serializers.CharField(max_length=500)
    latitude = serializers.DecimalField(max_digits=12, decimal_places=8, required=False, allow_null=True)
    longitude = serializers.DecimalField(max_digits=12, decimal_places=8, required=False, allow_null=True)
    contact_name = serializers.CharField(max_length=100)
    contact_phone = serializers.CharField(max_length=40)
    publish_consent = serializers.BooleanField(default=False)
    idempotency_key = serializers.CharField(required=False, max_length=64, help_text="Or the Idempotency-Key header")
    photos = serializers.ListField(child=serializers.FileField(), required=False, max_length=20)


class CatalogueView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=CategorySerializer(many=True))
    def get(self, request):
        return Response(CategorySerializer(selectors.catalogue(), many=True).data)


class AreaListView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=AreaSerializer(many=True))
    def get(self, request):
        return Response(AreaSerializer(selectors.areas(), many=True).data)


@own_rate_limit
class AppealCollectionView(APIView):
    """GET: the signed-in resident's appeals. POST: file one (idempotent)."""

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(responses=OwnerAppealListSerializer(many=True))
    def get(self, request):
        appeals = selectors.appeals_of_resident(request.user)[:100]
        return Response(OwnerAppealListSerializer(appeals, many=True).data)

    @extend_schema(request=IntakeSerializer, responses={201: OwnerAppealSerializer, 200: OwnerAppealSerializer})
    def post(self, request):
        check_rate(request, "appeal.file")
        serializer = IntakeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = services.file_appeal(
            resident=request.user,
            idempotency_key=request.headers.get("Idempotency-Key") or data.get("idempotency_key", ""),
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

    @extend_schema(responses=OwnerAppealSerializer)
    def get(self, request, tracking_number: str):
        with counting_misses(request):
            appeal = selectors.appeal_for_owner(request.user, tracking_number)
        return Response(OwnerAppealSerializer(appeal, context={"request": request}).data)


class InboxView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=InboxPartSerializer(many=True))
    def get(self, request):
        _require(request, "appeals.view_unit_inbox")
        bucket = request.query_params.get("bucket", InboxBucket.NEW)
        if bucket not in InboxBucket.values:
            raise serializers.ValidationError({"bucket": [f"one of {', '.join(InboxBucket.values)}"]})
        unit = portal_selectors.staff_unit_of(request.user)
        now = timezone.now()
        queryset = selectors.unit_inbox(unit=unit, bucket=bucket, now=now)
        paginator = Pagination()
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


class PartActionView(APIView):
    """POST accept | return | reply | resolve | extension on the unit's part."""

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(request=PartActionSerializer, responses=PartSerializer)
    def post(self, request, assignment_id: int, action: str):
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
        return Response(PartSerializer(Assignment.objects.select_related("unit").get(pk=assignment_id)).data)


class QueueView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=QueueSerializer(many=True))
    def get(self, request):
        _require(request, "appeals.use_dispatch_centre")
        paginator = Pagination()
        page = paginator.paginate_queryset(selectors.dispatch_queue(), request, view=self)
        return paginator.get_paginated_response(QueueSerializer(page, many=True).data)


def _staff_appeal(request, appeal_id: int) -> Appeal:
    appeal = Appeal.objects.filter(pk=appeal_id).select_related("item", "area", "primary_unit").first()
    if appeal is None or not request.user.has_perm("appeals.view_staff_appeal", appeal):
        raise Http404
    return appeal


class StaffAppealView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=StaffAppealSerializer)
    def get(self, request, appeal_id: int):
        return Response(StaffAppealSerializer(_staff_appeal(request, appeal_id)).data)


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
        _require(request, "appeals.dispatch_appeal")
        appeal = _staff_appeal(request, appeal_id)
        route = selectors.suggest_route(item=appeal.item, area=appeal.area)
        if route is None:
            return Response({"suggestion": None})
        return Response({"suggestion": {
            "primary_unit": {"id": route.primary_unit.pk, "name": route.primary_unit.name},
            "co_units": [{"id": u.pk, "name": u.name} for u in route.co_units],
            "area_specific": route.area_specific,
            "auto_dispatch": route.auto_dispatch,
        }})


class DispatchSerializer(serializers.Serializer):
    primary_unit = serializers.IntegerField()
    co_units = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    item = serializers.IntegerField(required=False, allow_null=True)
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)
    instructions = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False, default=dict)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class DispatchView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=DispatchSerializer, responses=StaffAppealSerializer)
    def post(self, request, appeal_id: int):
        serializer = DispatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        appeal = services.dispatch_appeal(
            actor=request.user, appeal_id=appeal_id, primary_unit_id=data["primary_unit"], co_unit_ids=data["co_units"],
            item_id=data.get("item"), urgency=data.get("urgency"), instructions=data["instructions"], reason=data["reason"],
        )
        return Response(StaffAppealSerializer(appeal).data)


class NoteSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=5000)


class NoteView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=NoteSerializer, responses={201: None})
    def post(self, request, appeal_id: int):
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
    reason = serializers.CharField(max_length=200, allow_blank=True,
                                   help_text="Why the contact is needed (logged and shown to organisers)")


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


class HotlineSerializer(serializers.Serializer):
    item = serializers.IntegerField(required=False, allow_null=True)
    area = serializers.IntegerField()
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False, allow_null=True)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=5000)
    address = serializers.CharField(max_length=500)
    caller_name = serializers.CharField(max_length=100)
    caller_phone = serializers.CharField(max_length=40)
    publish_consent = serializers.BooleanField(default=False)
    idempotency_key = serializers.CharField(required=False, max_length=64)


class HotlineView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=HotlineSerializer, responses={201: StaffAppealSerializer})
    def post(self, request):
        serializer = HotlineSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = services.file_for_caller(
            actor=request.user, idempotency_key=request.headers.get("Idempotency-Key") or data.get("idempotency_key", ""),
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

    @extend_schema(request=ExtensionDecisionSerializer, responses={200: None})
    def post(self, request, extension_id: int):
        serializer = ExtensionDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        extension = services.decide_extension(actor=request.user, extension_id=extension_id, **serializer.validated_data)
        return Response({"id": extension.pk, "state": extension.state, "new_due_at": extension.new_due_at})


# --- Issue 7: statistics, ranking, the public wall, ratings, rectification, "me too" ---------

from appeals.selectors import public as public_selectors  # noqa: E402
from appeals.selectors import stats as stats_selectors  # noqa: E402


class StatsQuerySerializer(serializers.Serializer):
    period = serializers.ChoiceField(choices=["day", "week", "month", "year"], required=False)
    date = serializers.DateField(required=False)
    unit = serializers.IntegerField(required=False)
    area = serializers.IntegerField(required=False)
    category = serializers.IntegerField(required=False)
    by = serializers.ChoiceField(choices=["unit", "area", "category"], required=False)


def _stats_params(request):
    """StatsQuerySerializer documents the query; the pages' StatsQueryForm checks it."""
    data = checked_query(stats_query(request.query_params))
    return stats_params(data), data


def _definitions() -> list[dict]:
    return [{"key": f.key, "label": str(f.label), "definition": str(f.definition), "kind": f.kind} for f in stats_selectors.FIGURES]


class StatsView(APIView):
    """Figures of one slice (city, or ?unit=, ?area=, ?category=) for a period, with their definitions."""

    permission_classes = [AllowAny]

    @extend_schema(parameters=[StatsQuerySerializer], responses=dict)
    def get(self, request):
        params, data = _stats_params(request)
        figures = stats_selectors.figures(start=params.start, end=params.end, unit_id=data.get("unit"),
                                          area_id=params.area_id, category_id=params.category_id)
        return Response({"period": params.period, "start": params.start, "end": params.end,
                         "figures": figures.as_dict(), "definitions": _definitions()})


class BreakdownView(APIView):
    """The same figures per unit, area or category (?by=)."""

    permission_classes = [AllowAny]

    @extend_schema(parameters=[StatsQuerySerializer], responses=dict)
    def get(self, request):
        params, data = _stats_params(request)
        by = data.get("by") or "unit"
        rows = stats_selectors.breakdown(by=by, start=params.start, end=params.end, unit_id=data.get("unit"),
                                         area_id=params.area_id, category_id=params.category_id)
        return Response({"period": params.period, "start": params.start, "end": params.end, "by": by,
                         "rows": [{"id": getattr(r.key, "pk", None), "name": str(r.key) if r.key else None,
                                   "figures": r.figures.as_dict()} for r in rows],
                         "definitions": _definitions()})


class RankingView(APIView):
    """Unit performance ranking by the published formula."""

    permission_classes = [AllowAny]

    @extend_schema(parameters=[StatsQuerySerializer], responses=dict)
    def get(self, request):
        params, _data = _stats_params(request)
        rows = stats_selectors.unit_ranking(start=params.start, end=params.end)
        return Response({"formula": str(stats_selectors.RANKING_FORMULA), "start": params.start, "end": params.end,
                         "rows": [{"rank": r.rank, "unit_id": r.unit.pk, "unit": r.unit.name, "score": str(r.score),
                                   "figures": r.figures.as_dict()} for r in rows]})


class WallAppealSerializer(serializers.Serializer):
    tracking_number = serializers.CharField()
    title = serializers.CharField(source="public_title")
    description = serializers.CharField(source="public_description")
    state = serializers.CharField()
    category = serializers.CharField(source="item.category.name", default=None)
    item = serializers.CharField(source="item.name", default=None)
    area = serializers.CharField(source="area.name")
    unit = serializers.CharField(source="primary_unit.name", default=None)
    submitted_at = serializers.DateTimeField()
    me_too_count = serializers.IntegerField()


class WallView(APIView):
    """Published appeals (redacted), newest first; ?category= ?area= ?unit= ?state= ?q= ?page=."""

    permission_classes = [AllowAny]

    @extend_schema(responses=WallAppealSerializer(many=True))
    def get(self, request):
        filters, page = wall_filters(checked_query(wall_query(request.query_params)))
        rows, has_next = public_selectors.wall_page(filters, page=page)
        return Response({"page": page, "has_next": has_next, "results": WallAppealSerializer(rows, many=True).data})


class WallDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=dict)
    def get(self, request, tracking_number: str):
        with counting_misses(request):
            appeal = public_selectors.published_appeal(tracking_number)
        data = WallAppealSerializer(appeal).data
        data["replies"] = [{"unit": r.unit, "body": r.body, "at": r.created_at} for r in public_selectors.public_replies(appeal)]
        data["ratings"] = [{"round": r.round, "score": r.score, "automatic": r.automatic} for r in public_selectors.ratings_of(appeal)]
        data["timeline"] = PublicEventSerializer(public_selectors.public_wall_timeline(appeal), many=True).data
        return Response(data)


@own_rate_limit
class MeTooView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=dict)
    def post(self, request, tracking_number: str):
        check_rate(request, "appeal.me_too")
        with counting_misses(request):
            appeal = public_selectors.published_appeal(tracking_number)
        appeal, added = services.add_me_too(user=request.user, appeal_id=appeal.pk)
        return Response({"added": added, "me_too_count": appeal.me_too_count},
                        status=status.HTTP_201_CREATED if added else status.HTTP_200_OK)


class RateSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=500)


@own_rate_limit
class RateView(APIView):
    """The owner rates a resolved appeal (the same rules as the page)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=RateSerializer, responses=dict)
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


class RectificationSubmitSerializer(serializers.Serializer):
    report = serializers.CharField(max_length=4000)


class RectificationSubmitView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=RectificationSubmitSerializer, responses=dict)
    def post(self, request, rectification_id: int):
        body = RectificationSubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rectification = services.submit_rectification(actor=request.user, rectification_id=rectification_id,
                                                      report=body.validated_data["report"])
        return Response({"id": rectification.pk, "state": rectification.state,
                         "on_time": rectification.on_time})


class RectificationCheckSerializer(serializers.Serializer):
    verified = serializers.BooleanField()
    note = serializers.CharField(max_length=2000)


class RectificationCheckView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=RectificationCheckSerializer, responses=dict)
    def post(self, request, rectification_id: int):
        body = RectificationCheckSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rectification = services.check_rectification(actor=request.user, rectification_id=rectification_id,
                                                     **body.validated_data)
        return Response({"id": rectification.pk, "state": rectification.state})



# --- Moderation before publication (issue 15) ---------------------------------------

from appeals.enums import ModerationDecision  # noqa: E402
from appeals.selectors import moderation as moderation_selectors  # noqa: E402


def _parts(parts) -> list[dict]:
    return [{"original": original, "public": public, "kind": kind} for original, public, kind in parts]


class ModerationQueueView(APIView):
    """Appeals waiting for a moderator, oldest first (dispatch centre)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="appeals_moderation_queue", responses=dict)
    def get(self, request):
        _require(request, "appeals.moderate_publication")
        rows = moderation_selectors.moderation_queue()[:100]
        return Response({"results": [
            {"id": a.pk, "tracking_number": a.tracking_number, "public_title": a.public_title, "submitted_at": a.submitted_at}
            for a in rows
        ]})


class ModerationSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=ModerationDecision.choices)
    title = serializers.CharField(required=False, allow_blank=True, max_length=80)
    description = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)


class ModerationView(APIView):
    """GET: the original beside the redacted text, span by span; POST: publish (with the
    edited public text) or refuse with a reason."""

    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="appeals_moderation_review", responses=dict)
    def get(self, request, appeal_id: int):
        _require(request, "appeals.moderate_publication")
        review = moderation_selectors.review_of(appeal_id)
        appeal = review.appeal
        return Response({
            "id": appeal.pk, "tracking_number": appeal.tracking_number, "moderation": appeal.moderation,
            "public_title": appeal.public_title, "public_description": appeal.public_description,
            "title_parts": _parts(review.title_parts), "description_parts": _parts(review.description_parts),
        })

    @extend_schema(request=ModerationSerializer, responses=dict)
    def post(self, request, appeal_id: int):
        body = ModerationSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        appeal = services.moderate_appeal(
            actor=request.user, appeal_id=appeal_id, publish=data["decision"] == "publish",
            title=data.get("title", ""), description=data.get("description", ""), reason=data.get("reason", ""),
        )
        return Response({"id": appeal.pk, "moderation": appeal.moderation, "is_public": appeal.is_public})


class WithdrawConsentView(APIView):
    """The resident withdraws consent to publish: the appeal leaves the wall at once."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=dict)
    def post(self, request, tracking_number: str):
        appeal = selectors.appeal_for_owner(request.user, tracking_number)
        appeal = services.withdraw_publish_consent(user=request.user, appeal_id=appeal.pk)
        return Response({"publish_consent": appeal.publish_consent, "is_public": appeal.is_public})
