"""Voting API: cast a vote (same service as the pages) and the leaderboard."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.models import Campaign
from portal.ratelimits import client_ip, own_rate_limit
from portal.schema import refusals
from voting import selectors, services
from voting.ratelimits import check_vote_rate

VoteAnswer = inline_serializer(
    "VoteAnswer",
    {
        "accepted": serializers.BooleanField(),
        "case_id": serializers.IntegerField(),
        "count": serializers.IntegerField(help_text="The case's valid votes including this one."),
        "votes_left": serializers.IntegerField(help_text="The voter's votes left today in this campaign."),
        "per_day": serializers.IntegerField(),
        "replayed": serializers.BooleanField(help_text="True when this is the stored answer to a repeated key."),
    },
)


@own_rate_limit  # voting.ratelimits: per user and per IP, failing closed
class VoteView(APIView):
    """Cast one vote. Refusals: 401 not_signed_in, 403 window_closed,
    not_verified or phone_not_verified (the campaign requires a verified
    phone number: verify one, then vote), 404 not_on_board, 409 daily_quota_used or
    already_voted_today, 429 rate_limited (Retry-After), 503
    voting_unavailable. Send an ``Idempotency-Key`` header to retry safely:
    a repeat gets the first answer back."""

    @extend_schema(
        request=None,
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
        responses={201: VoteAnswer, **refusals(409)},
    )
    def post(self, request, campaign_id: int, case_id: int):
        # A refusal (VotingError) is answered by portal.api.exception_handler,
        # with the votes left and whether the answer is a replay.
        check_vote_rate(request)
        outcome = services.cast_vote(
            voter=request.user if request.user.is_authenticated else None,
            campaign_id=campaign_id,
            case_id=case_id,
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
            idempotency_key=request.headers.get("Idempotency-Key"),
        )
        return Response(
            {"accepted": True, "case_id": outcome.case_id, "count": outcome.count, "votes_left": outcome.votes_left,
             "per_day": outcome.per_day, "replayed": outcome.replayed},
            status=201,
        )


class LeaderboardView(APIView):
    """Cases on the board by valid votes (shared ranks on ties) with totals."""

    @extend_schema(
        responses=inline_serializer(
            "Leaderboard",
            {
                "campaign": serializers.IntegerField(),
                "open": serializers.BooleanField(),
                "total_votes": serializers.IntegerField(),
                "voters": serializers.IntegerField(),
                "voided": serializers.IntegerField(),
                "results": inline_serializer(
                    "LeaderboardRow",
                    {
                        "rank": serializers.IntegerField(),
                        "case_id": serializers.IntegerField(),
                        "title": serializers.CharField(),
                        "unit": serializers.CharField(),
                        "votes": serializers.IntegerField(),
                        "share": serializers.FloatField(),
                    },
                    many=True,
                ),
            },
        )
    )
    def get(self, request, campaign_id: int):
        campaign = get_object_or_404(Campaign, pk=campaign_id)
        totals = selectors.totals(campaign.pk)
        rows = selectors.leaderboard(campaign)
        return Response(
            {
                "campaign": campaign.pk,
                "open": selectors.is_open(campaign),
                "total_votes": totals.votes,
                "voters": totals.voters,
                "voided": totals.voided,
                "results": [
                    {"rank": r.rank, "case_id": r.entry.pk, "title": r.entry.title, "unit": r.entry.unit.localised_name,
                     "votes": r.votes, "share": round(r.share, 2)}
                    for r in rows
                ],
            }
        )
