"""The case registry's API (/api/v1/): campaigns and the board for everyone,
entries for unit staff, screening for organisers. Same services as the pages."""

from __future__ import annotations

from django.core.validators import ProhibitNullCharactersValidator, RegexValidator
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import (
    OpenApiParameter, PolymorphicProxySerializer, extend_schema, extend_schema_field, extend_schema_view,
)
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import selectors, services
from cases.enums import SCREENING_ACTIONS, BoardSort, PhaseKind
from cases.forms import BoardFilterForm, ScreeningFilterForm
from cases.models import SUMMARY_MAX_CHARS, Campaign, CaseEntry, Domain, EntryEvent, EntryImage, Phase, Track
from portal import selectors as portal_selectors
from portal.api import checked_query, text_field
from portal.enums import UnitLevel
from portal.models import Unit
from portal.permissions import require
from portal.schema import refusals


class PhaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Phase
        fields = ["kind", "starts_at", "ends_at"]


# Names in the request's language (Accept-Language or the language switch), Chinese where no English is kept.
class TrackSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="localised_name", read_only=True)
    phases = serializers.SerializerMethodField(
        help_text="The track's own phases, each overriding the campaign's phase of its kind for this track "
        "(empty: the track follows the campaign's timeline)."
    )

    class Meta:
        model = Track
        fields = ["id", "kind", "name", "description", "entry_limit_per_unit", "awards", "phases"]

    @extend_schema_field(PhaseSerializer(many=True))
    def get_phases(self, track) -> list[dict]:
        return PhaseSerializer(selectors.track_phases(track.campaign, track), many=True).data


class DomainSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="localised_name", read_only=True)

    class Meta:
        model = Domain
        fields = ["id", "name"]


class CampaignSerializer(serializers.ModelSerializer):
    phases = serializers.SerializerMethodField()
    tracks = TrackSerializer(many=True, read_only=True)
    domains = DomainSerializer(many=True, read_only=True)
    current_phase = serializers.SerializerMethodField()
    title = serializers.CharField(source="localised_title", read_only=True)

    class Meta:
        model = Campaign
        fields = ["slug", "title", "year", "description", "entry_limit_per_track", "current_phase", "phases", "tracks", "domains"]

    def get_phases(self, campaign) -> list[dict]:
        return PhaseSerializer(selectors.phases_of(campaign), many=True).data

    def get_current_phase(self, campaign) -> str | None:
        found = selectors.current_phase(campaign)
        return found.kind if found else None


class ImageSerializer(serializers.ModelSerializer):
    class Meta:
        model = EntryImage
        fields = ["id", "position", "image", "thumbnail", "width", "height", "caption"]


class BoardCaseSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.localised_name")
    unit_level = serializers.CharField(source="unit.level")
    domain = serializers.CharField(source="domain.localised_name")
    track = serializers.CharField(source="track.localised_name")
    cover = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = CaseEntry
        fields = ["id", "title", "summary", "unit", "unit_level", "domain", "track", "vote_count", "accepted_at", "cover", "url"]

    def get_cover(self, entry) -> str | None:
        covers = getattr(entry, "cover_list", None)
        if covers is None:
            covers = list(entry.images.all())[:1]
        shown = covers[:1] and selectors.photo_present(covers[0].thumbnail)  # no link to a file gone from storage
        return self.context["request"].build_absolute_uri(covers[0].thumbnail.url) if shown else None

    def get_url(self, entry) -> str:
        return self.context["request"].build_absolute_uri(entry.get_absolute_url())


class BoardCaseDetailSerializer(BoardCaseSerializer):
    images = ImageSerializer(many=True, read_only=True)
    campaign = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta(BoardCaseSerializer.Meta):
        fields = [*BoardCaseSerializer.Meta.fields, "campaign", "story", "results", "video_url", "images"]


class CampaignListView(generics.ListAPIView):
    serializer_class = CampaignSerializer

    def get_queryset(self):
        return Campaign.objects.prefetch_related("phases", "tracks", "domains").order_by("-year", "-pk")


class CampaignDetailView(generics.RetrieveAPIView):
    serializer_class = CampaignSerializer
    lookup_field = "slug"

    def get_queryset(self):
        return Campaign.objects.prefetch_related("phases", "tracks", "domains")


class BoardListView(generics.ListAPIView):
    """Accepted cases of a campaign: ?domain=<id>&level=<unit level>&q=<words>&sort=newest|votes"""

    serializer_class = BoardCaseSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("domain", int),
            OpenApiParameter("level", str, enum=["", *UnitLevel.values]),
            OpenApiParameter("q", str),
            OpenApiParameter("sort", str, enum=BoardSort.values),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        campaign = get_object_or_404(Campaign, slug=self.kwargs["slug"])
        allow_votes = selectors.phase_has_started(campaign, PhaseKind.VOTING)
        # The board page's form: a refused filter is a 400 naming it, not a silently wider list.
        filters = checked_query(BoardFilterForm(self.request.query_params, campaign=campaign, allow_votes=allow_votes))
        return selectors.board_entries(
            campaign,
            domain_id=filters["domain"].pk if filters.get("domain") else None,
            level=filters.get("level") or None,
            q=filters.get("q") or "",
            sort=filters.get("sort") or BoardSort.NEWEST,
        )


class BoardCaseView(generics.RetrieveAPIView):
    serializer_class = BoardCaseDetailSerializer

    def get_queryset(self):
        return selectors.board_entries_all()


# --- Unit staff: their own entries ---------------------------------------------


class EntryEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = EntryEvent
        fields = ["action", "from_state", "to_state", "reason", "deadline", "at"]


class _SlugField(serializers.SlugRelatedField):
    """A slug lookup that refuses NUL characters before the query
    (PostgreSQL text cannot hold them; the lookup would fail with 500)."""

    def to_internal_value(self, data):
        ProhibitNullCharactersValidator()(data)
        return super().to_internal_value(data)


# A phone as the service accepts it (digits, spaces, + - brackets, 转), without outer spaces (or blank).
ENTRY_PHONE_PATTERN = r"^[0-9+()（）转-][0-9+\-\s()（）转]{3,30}[0-9+()（）转-]$"
# An http(s) address Django's URLValidator accepts, written so that a schema can state it (or blank).
VIDEO_URL_PATTERN = r"^https?://(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(?:/[A-Za-z0-9._~/?#=&%+-]*)?$"


def _optional_text(maximum: int, **kwargs) -> serializers.CharField:
    """A text that may be blank, at most `maximum` characters as sent, no NUL."""
    return serializers.CharField(required=False, allow_blank=True, max_length=maximum, trim_whitespace=False, **kwargs)


class EntrySerializer(serializers.ModelSerializer):
    """A unit's entry as its own staff (and organisers) see it."""

    campaign = _SlugField(slug_field="slug", queryset=Campaign.objects.all())
    track = serializers.PrimaryKeyRelatedField(queryset=Track.objects.all())
    domain = serializers.PrimaryKeyRelatedField(queryset=Domain.objects.all())
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), required=False)
    images = ImageSerializer(many=True, read_only=True)
    upload_images = serializers.ListField(child=serializers.FileField(), required=False, write_only=True, max_length=9)
    remove_images = serializers.ListField(child=serializers.IntegerField(), required=False, write_only=True)
    submit = serializers.BooleanField(required=False, default=False, write_only=True,
                                      help_text="Submit for screening too: needs every field filled and an image")
    events = EntryEventSerializer(many=True, read_only=True)
    # The texts as cases.services._clean_content checks them, so the schema states them.
    title = text_field(minimum=1, maximum=80)
    summary = _optional_text(SUMMARY_MAX_CHARS)
    story = _optional_text(20000, help_text="HTML or plain text; no script, event handler or javascript: link")
    results = _optional_text(2000)
    contact_name = _optional_text(40)
    contact_phone = serializers.CharField(required=False, allow_blank=True, max_length=32, trim_whitespace=False,
                                          validators=[RegexValidator(ENTRY_PHONE_PATTERN, message=_lazy(
                                              "联系电话只能包含数字、空格、+ 和 -。"))])
    video_url = serializers.CharField(required=False, allow_blank=True, max_length=200, trim_whitespace=False,
                                      validators=[RegexValidator(VIDEO_URL_PATTERN, message=_lazy(
                                          "视频链接必须是以 https:// 开头的完整网址。"))])

    class Meta:
        model = CaseEntry
        fields = [
            "id", "campaign", "track", "domain", "unit", "title", "summary", "story", "results", "video_url",
            "contact_name", "contact_phone", "state", "changes_deadline", "screening_note", "submitted_at",
            "accepted_at", "images", "upload_images", "remove_images", "submit", "events",
        ]
        read_only_fields = ["state", "changes_deadline", "screening_note", "submitted_at", "accepted_at"]


CONTENT_FIELDS = ("track", "domain", "title", "summary", "story", "results", "video_url", "contact_name", "contact_phone")


def _staff_unit(request):
    require(request.user, "cases.enter_cases", message=_("只有单位工作人员可以管理本单位的案例。"))
    return portal_selectors.staff_unit_of(request.user)


# 404: a campaign, track or domain that names nothing.
@extend_schema_view(post=extend_schema(responses={201: EntrySerializer, **refusals(404, 409)}))
class EntryListCreateView(generics.ListCreateAPIView):
    serializer_class = EntrySerializer
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        return selectors.entries_of_unit(_staff_unit(self.request)).prefetch_related("images", "events")

    def create(self, request, *args, **kwargs):
        _staff_unit(request)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        entry = services.create_entry(
            actor=request.user,
            campaign=data["campaign"],
            unit=data.get("unit"),
            images=data.get("upload_images", []),
            submit=data.get("submit", False),
            **{field: data.get(field, "") for field in CONTENT_FIELDS},
        )
        return Response(EntrySerializer(entry, context={"request": request}).data, status=status.HTTP_201_CREATED)


@extend_schema_view(patch=extend_schema(responses={200: EntrySerializer, **refusals(409)}))
class EntryDetailView(generics.RetrieveUpdateAPIView):
    serializer_class = EntrySerializer
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        entry = get_object_or_404(CaseEntry.objects.prefetch_related("images", "events"), pk=self.kwargs["pk"])
        require(self.request.user, "cases.view_entry_history", entry, message=_("只能查看本单位的案例。"))
        return entry

    def update(self, request, *args, **kwargs):
        entry = self.get_object()
        serializer = self.get_serializer(entry, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        entry = services.update_entry(
            actor=request.user,
            entry=entry,
            changes={field: data[field] for field in CONTENT_FIELDS if field in data},
            new_images=data.get("upload_images", []),
            remove_image_ids=data.get("remove_images", []),
            unit=data.get("unit"),
            submit=data.get("submit", False),
        )
        entry = CaseEntry.objects.prefetch_related("images", "events").get(pk=entry.pk)
        return Response(EntrySerializer(entry, context={"request": request}).data)


class EntryActionView(APIView):
    permission_classes = [IsAuthenticated]
    action = ""

    @extend_schema(request=None, responses={200: EntrySerializer, **refusals(409)})
    def post(self, request, pk: int):
        entry = get_object_or_404(CaseEntry, pk=pk)
        if self.action == "submit":
            entry = services.submit_entry(actor=request.user, entry=entry)
        else:
            entry = services.withdraw_entry(actor=request.user, entry=entry, reason=request.data.get("reason", ""))
        entry = CaseEntry.objects.prefetch_related("images", "events").get(pk=entry.pk)
        return Response(EntrySerializer(entry, context={"request": request}).data)


# --- Organisers: screening ------------------------------------------------------


class DecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[a.value for a in SCREENING_ACTIONS])
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)
    deadline = serializers.DateTimeField(required=False, allow_null=True, default=None)


class BulkDecisionSerializer(DecisionSerializer):
    entries = serializers.ListField(child=serializers.IntegerField(), allow_empty=False, min_length=1)


def decision_shapes(base: type[DecisionSerializer], name: str) -> PolymorphicProxySerializer:
    """Documents a screening decision body: a rejection or a request for
    changes carries a reason, a request for changes a deadline (in the
    future, a rule the schema cannot state); `base` checks it."""
    reason = {"reason": text_field(minimum=1, maximum=500)}
    shapes = {
        "accept": {},
        "reject": reason,
        "request_changes": {**reason, "deadline": serializers.DateTimeField(help_text="In the future")},
    }
    return PolymorphicProxySerializer(name, serializers={
        decision: type(f"{name}{decision.title().replace('_', '')}Serializer", (base,),
                       {"decision": serializers.ChoiceField(choices=[decision]), **fields})
        for decision, fields in shapes.items()
    }, resource_type_field_name="decision")


class ScreeningEntrySerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.localised_name")
    domain = serializers.CharField(source="domain.localised_name")
    track = serializers.CharField(source="track.localised_name")

    class Meta:
        model = CaseEntry
        fields = ["id", "title", "unit", "domain", "track", "state", "submitted_at", "changes_deadline", "screening_note"]


class ScreeningListView(generics.ListAPIView):
    """Entries to screen with ?state=&domain=&unit=&track=&q=; the response
    carries the count per state."""

    serializer_class = ScreeningEntrySerializer
    permission_classes = [IsAuthenticated]

    def list(self, request, *args, **kwargs):
        require(request.user, "cases.view_screening", message=_("只有主办方可以筛选案例。"))
        campaign = get_object_or_404(Campaign, slug=kwargs["slug"])
        filters = checked_query(ScreeningFilterForm(
            request.query_params, campaign=campaign, units=selectors.units_with_entries(campaign)))
        base = selectors.screening_entries(
            campaign,
            domain_id=filters["domain"].pk if filters.get("domain") else None,
            unit_id=filters["unit"].pk if filters.get("unit") else None,
            track_id=filters["track"].pk if filters.get("track") else None,
            q=filters.get("q") or "",
        )
        entries = base.filter(state=filters["state"]) if filters.get("state") else base
        page = self.paginate_queryset(entries)
        response = self.get_paginated_response(self.get_serializer(page, many=True).data)
        response.data["counts"] = {value: n for value, _label, n in selectors.state_counts(base)}
        return response


class ScreenEntryView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=decision_shapes(DecisionSerializer, "ScreeningDecision"),
                   responses={200: ScreeningEntrySerializer, **refusals(409)})
    def post(self, request, pk: int):
        require(request.user, "cases.view_screening", message=_("只有主办方可以筛选案例。"))
        entry = get_object_or_404(CaseEntry, pk=pk)
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entry = services.screen_entry(actor=request.user, entry=entry, **serializer.validated_data)
        return Response(ScreeningEntrySerializer(CaseEntry.objects.select_related("unit", "domain", "track").get(pk=entry.pk)).data)


class BulkScreenView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=decision_shapes(BulkDecisionSerializer, "BulkScreeningDecision"),
                   responses={200: ScreeningEntrySerializer(many=True), **refusals(409)})
    def post(self, request, slug: str):
        require(request.user, "cases.view_screening", message=_("只有主办方可以筛选案例。"))
        campaign = get_object_or_404(Campaign, slug=slug)
        serializer = BulkDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        done = services.screen_entries(
            actor=request.user,
            campaign=campaign,
            entry_ids=data["entries"],
            decision=data["decision"],
            reason=data["reason"],
            deadline=data["deadline"],
        )
        rows = CaseEntry.objects.select_related("unit", "domain", "track").filter(pk__in=[e.pk for e in done]).order_by("pk")
        return Response(ScreeningEntrySerializer(rows, many=True).data)
