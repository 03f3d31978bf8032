"""The API's write of an award track's rules (organisers): the same service
as the campaign's admin would call, cases.services.update_track_rules."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import services
from cases.api import TrackSerializer
from cases.models import AWARDS_MAX, ENTRY_LIMIT_MAX, Track
from portal.permissions import require
from portal.ratelimits import check_rate, own_rate_limit
from portal.schema import refusals


class TrackRulesSerializer(serializers.Serializer):
    # The bounds are the service's (cases.services.tracks), stated here for the schema.
    entry_limit_per_unit = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=ENTRY_LIMIT_MAX,
        help_text="Live entries one unit may have in the track; null: the campaign's limit applies.")
    awards = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=AWARDS_MAX,
                                      help_text="How many awards the track gives; null: not set.")


@own_rate_limit
class TrackRulesView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=TrackRulesSerializer,
        responses={200: TrackSerializer, **refusals(409, notes={
            409: "voting_started: the campaign's voting has started, the rules are frozen; limit_below_entries: "
                 "a unit already holds a slot above the new limit."})},
        summary="Change an award track's rules (organisers)",
    )
    def patch(self, request, slug: str, track_id: int):
        check_rate(request, "cases.track_rules")
        require(request.user, "cases.manage_campaign", message=_("只有主办方可以修改奖项规则。"))
        track = get_object_or_404(Track.objects.select_related("campaign"), pk=track_id, campaign__slug=slug)
        serializer = TrackRulesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rules = {"entry_limit_per_unit": track.entry_limit_per_unit, "awards": track.awards} | serializer.validated_data
        track = services.update_track_rules(actor=request.user, track=track, **rules)
        return Response(TrackSerializer(track).data)
