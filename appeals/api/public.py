"""The public part of the appeals API: the catalogue and areas, statistics
and the unit ranking, the published appeals (问政墙) and "me too"."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from appeals import selectors, services
from appeals.api.common import PublicEventSerializer
from appeals.forms import WALL_LAST_PAGE
from appeals.queries import stats_params, stats_query, wall_filters, wall_query
from appeals.selectors import public as public_selectors
from appeals.selectors import stats as stats_selectors
from portal.api import checked_query
from portal.ratelimits import check_rate, counting_misses, own_rate_limit
from portal.schema import refusals


class ItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField(source="localised_name")  # the request's language, Chinese where no English is kept
    default_urgency = serializers.CharField()
    deadline_value = serializers.IntegerField()
    deadline_unit = serializers.CharField()
    publishable = serializers.BooleanField()


class CategorySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField(source="localised_name")  # the request's language, Chinese where no English is kept
    items = ItemSerializer(many=True, source="items.all")


class AreaSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField(source="localised_name")  # the request's language, Chinese where no English is kept


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


@extend_schema_field({"anyOf": [{"type": "string", "format": "date", "pattern": "^20[0-9]{2}-"},
                                 {"type": "string", "maxLength": 0}]})
class StatsDateField(serializers.DateField):
    """A day of 2000 to 2099, or nothing (today)."""


class StatsQuerySerializer(serializers.Serializer):
    period = serializers.ChoiceField(choices=["day", "week", "month", "year"], required=False, allow_blank=True)
    date = StatsDateField(required=False)
    unit = serializers.IntegerField(required=False)
    area = serializers.IntegerField(required=False)
    category = serializers.IntegerField(required=False)
    by = serializers.ChoiceField(choices=["unit", "area", "category"], required=False, allow_blank=True)


def _stats_params(request):
    """StatsQuerySerializer documents the query; the pages' StatsQueryForm checks it."""
    data = checked_query(stats_query(request.query_params))
    return stats_params(data), data


def _definitions() -> list[dict]:
    return [{"key": f.key, "label": str(f.label), "definition": str(f.definition), "kind": f.kind} for f in stats_selectors.FIGURES]


class StatsView(APIView):
    """Figures of one slice (city, or ?unit=, ?area=, ?category=) for a period, with their definitions."""

    permission_classes = [AllowAny]

    @extend_schema(parameters=[StatsQuerySerializer], responses={200: dict, **refusals(404)})
    def get(self, request):
        params, data = _stats_params(request)
        figures = stats_selectors.figures(start=params.start, end=params.end, unit_id=data.get("unit"),
                                          area_id=params.area_id, category_id=params.category_id)
        return Response({"period": params.period, "start": params.start, "end": params.end,
                         "figures": figures.as_dict(), "definitions": _definitions()})


class BreakdownView(APIView):
    """The same figures per unit, area or category (?by=)."""

    permission_classes = [AllowAny]

    @extend_schema(parameters=[StatsQuerySerializer], responses={200: dict, **refusals(404)})
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

    @extend_schema(parameters=[StatsQuerySerializer], responses={200: dict, **refusals(404)})
    def get(self, request):
        params, _data = _stats_params(request)
        rows = stats_selectors.unit_ranking(start=params.start, end=params.end)
        return Response({"formula": str(stats_selectors.RANKING_FORMULA), "start": params.start, "end": params.end,
                         "rows": [{"rank": r.rank, "unit_id": r.unit.pk, "unit": r.unit.localised_name, "score": str(r.score),
                                   "figures": r.figures.as_dict()} for r in rows]})


class WallAppealSerializer(serializers.Serializer):
    tracking_number = serializers.CharField()
    title = serializers.CharField(source="public_title")
    description = serializers.CharField(source="public_description")
    state = serializers.CharField()
    category = serializers.CharField(source="item.category.localised_name", default=None)
    item = serializers.CharField(source="item.localised_name", default=None)
    area = serializers.CharField(source="area.localised_name")
    unit = serializers.CharField(source="primary_unit.localised_name", default=None)
    submitted_at = serializers.DateTimeField()
    me_too_count = serializers.IntegerField()


class WallQuerySerializer(serializers.Serializer):
    """Documents the wall's query; the pages' WallQueryForm checks it."""

    category = serializers.IntegerField(required=False)
    area = serializers.IntegerField(required=False)
    unit = serializers.IntegerField(required=False)
    state = serializers.ChoiceField(choices=list(public_selectors.PUBLIC_STATES), required=False, allow_blank=True)
    q = serializers.CharField(required=False, allow_blank=True, help_text="Search words (the first 40 characters)")
    page = serializers.IntegerField(required=False, min_value=1, max_value=WALL_LAST_PAGE)


class WallPageSerializer(serializers.Serializer):
    page = serializers.IntegerField()
    has_next = serializers.BooleanField()
    results = WallAppealSerializer(many=True)


class WallView(APIView):
    """Published appeals (redacted), newest first, 20 a page; ?category= ?area= ?unit= ?state= ?q= ?page=."""

    permission_classes = [AllowAny]

    @extend_schema(operation_id="v1_appeals_public_list", parameters=[WallQuerySerializer],
                   responses={200: WallPageSerializer, **refusals(404)})
    def get(self, request):
        filters, page = wall_filters(checked_query(wall_query(request.query_params)))
        rows, has_next = public_selectors.wall_page(filters, page=page)
        return Response({"page": page, "has_next": has_next, "results": WallAppealSerializer(rows, many=True).data})


class WallDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses={200: dict, **refusals(429)})  # guessed numbers are counted
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

    @extend_schema(request=None, responses={201: dict, 200: dict, **refusals(409)})
    def post(self, request, tracking_number: str):
        check_rate(request, "appeal.me_too")
        with counting_misses(request):
            appeal = public_selectors.published_appeal(tracking_number)
        appeal, added = services.add_me_too(user=request.user, appeal_id=appeal.pk)
        return Response({"added": added, "me_too_count": appeal.me_too_count},
                        status=status.HTTP_201_CREATED if added else status.HTTP_200_OK)
