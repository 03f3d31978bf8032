"""API of the expert panel: the same services and selectors as the pages.
Refusals are answered by the API's one exception handler (portal.api)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema, extend_schema_field, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.models import Campaign
from portal.api import text_field
from portal.permissions import require
from portal.reauth import RecentAuthentication
from portal.schema import refusals
from voting.panel import selectors
from voting.panel import services
from voting.panel.models import (
    FINALISTS_MAX,
    FINALISTS_MIN,
    REVIEWS_PER_CASE_MAX,
    REVIEWS_PER_CASE_MIN,
    Criterion,
    Review,
)
from voting.panel.enums import Aggregate, AssignmentMode, ReviewerCategory, VoteMethod


# The API's words for a refused role and for an object that does not exist
# (DRF's), which a finalist that is not the reviewer's answers too.
NOT_YOURS = exceptions.PermissionDenied.default_detail
NOT_FOUND = exceptions.NotFound.default_detail


def _campaign(campaign_id: int) -> Campaign:
    return get_object_or_404(Campaign, pk=campaign_id)


@extend_schema_field({"type": "string", "format": "decimal", "pattern": r"^(?:0(?:\.[0-9]{1,2})?|1(?:\.0{1,2})?|\.[0-9]{1,2})$"})
class WeightField(serializers.DecimalField):
    """A weight from 0 to 1 in hundredths ("0.3")."""


class SettingsSerializer(serializers.Serializer):
    finalists = serializers.IntegerField(min_value=FINALISTS_MIN, max_value=FINALISTS_MAX)
    aggregate = serializers.ChoiceField(choices=Aggregate.choices)
    vote_method = serializers.ChoiceField(choices=VoteMethod.choices)
    vote_weight = WeightField(max_digits=3, decimal_places=2, min_value=0, max_value=1)
    panel_weight = serializers.DecimalField(max_digits=3, decimal_places=2, read_only=True)
    assignment = serializers.ChoiceField(choices=AssignmentMode.choices)
    reviews_per_case = serializers.IntegerField(min_value=REVIEWS_PER_CASE_MIN, max_value=REVIEWS_PER_CASE_MAX)
    show_reviewer_names = serializers.BooleanField()


class PanelSettingsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=SettingsSerializer, summary="Panel settings of a campaign")

    def get(self, request, campaign_id: int):
        campaign = _campaign(campaign_id)
        require(request.user, "voting.manage_panel", campaign, message=NOT_YOURS)
        return Response(SettingsSerializer(selectors.settings_of(campaign)).data)

    @extend_schema(request=SettingsSerializer, responses={200: SettingsSerializer, **refusals(409)}, summary="Set the panel settings")

    def put(self, request, campaign_id: int):
        campaign = _campaign(campaign_id)
        require(request.user, "voting.manage_panel", campaign, message=services.ORGANISERS_ONLY)  # before the body: 403, not 400
        serializer = SettingsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        panel = services.set_panel_settings(actor=request.user, campaign=campaign, **serializer.validated_data)
        return Response(SettingsSerializer(panel).data)


@extend_schema_field({"type": "string", "format": "decimal",
                     "pattern": r"^(?!0*(?:\.0*)?$)(?:[0-9]{1,3}(?:\.[0-9]{1,2})?|\.[0-9]{1,2})$"})
class WeightInput(serializers.DecimalField):
    """Above 0, at most 999.99."""


@extend_schema_field({"type": "string", "format": "decimal",
                     "pattern": r"^(?!0*(?:\.0*)?$)(?:[0-9]{1,3}(?:\.[0-9])?|1000(?:\.0)?|\.[0-9])$"})
class MaxMarkInput(serializers.DecimalField):
    """Above 0, at most 1000."""


class CriterionSerializer(serializers.ModelSerializer):
    """Names unique within a campaign and at least one criterion required
    (rules a JSON schema cannot state; set_criteria refuses with 400)."""

    name = text_field(minimum=1, maximum=30)
    weight = WeightInput(max_digits=5, decimal_places=2)
    max_mark = MaxMarkInput(max_digits=5, decimal_places=1)

    class Meta:
        model = Criterion
        fields = ["id", "name", "guidance", "weight", "max_mark", "required", "position"]
        read_only_fields = ["id", "position"]


class CriteriaInSerializer(serializers.Serializer):
    criteria = CriterionSerializer(many=True, min_length=1)


class CriteriaOutSerializer(serializers.Serializer):
    frozen = serializers.BooleanField(help_text="True once a reviewer has submitted: the criteria are locked.")
    criteria = CriterionSerializer(many=True)


class CriteriaView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=CriteriaOutSerializer, summary="Scoring criteria of a campaign")

    def get(self, request, campaign_id: int):
        campaign = _campaign(campaign_id)
        require(request.user, "voting.view_criteria", campaign, message=NOT_YOURS)
        return Response({"frozen": selectors.criteria_frozen(campaign),
                         "criteria": CriterionSerializer(selectors.criteria_of(campaign), many=True).data})

    @extend_schema(request=CriteriaInSerializer, responses={200: CriteriaOutSerializer, **refusals(409)}, summary="Replace the criteria")

    def put(self, request, campaign_id: int):
        campaign = _campaign(campaign_id)
        require(request.user, "voting.manage_panel", campaign, message=services.ORGANISERS_ONLY)
        serializer = CriteriaInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        criteria = services.set_criteria(actor=request.user, campaign=campaign,
                                         criteria=[dict(c) for c in serializer.validated_data["criteria"]])
        return Response({"frozen": False, "criteria": CriterionSerializer(criteria, many=True).data})


def _cut_data(campaign: Campaign) -> dict:
    cut = selectors.current_cut(campaign)
    if cut is None:
        return {"cut": None, "finalists": []}
    return {
        "cut": {"id": cut.pk, "made_at": cut.made_at, "n": cut.n, "cut_votes": cut.cut_votes, "reason": cut.reason,
                "by_system": cut.actor_id is None, "counts": cut.counts},
        "finalists": [
            {"case_id": f.case_id, "title": f.case.title, "unit": f.case.unit.localised_name, "votes": f.votes,
             "vote_rank": f.vote_rank}
            for f in selectors.finalists(campaign)
        ],
    }


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class FinalistsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=OpenApiTypes.OBJECT, summary="The current finalists and the cut they came from")
    def get(self, request, campaign_id: int):
        campaign = _campaign(campaign_id)
        require(request.user, "voting.manage_panel", campaign, message=NOT_YOURS)
        return Response(_cut_data(campaign))

    @extend_schema(responses={201: OpenApiTypes.OBJECT, **refusals(409)}, request=ReasonSerializer, summary="Select (or, with a reason, recompute) the finalists")
    def post(self, request, campaign_id: int):
        campaign = _campaign(campaign_id)
        require(request.user, "voting.manage_panel", campaign, message=services.ORGANISERS_ONLY)
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.select_finalists(actor=request.user, campaign=campaign, reason=serializer.validated_data["reason"])
        return Response(_cut_data(campaign), status=201)


class InviteSerializer(serializers.Serializer):
    name = text_field(minimum=1, maximum=40)
    title = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    category = serializers.ChoiceField(choices=ReviewerCategory.choices)
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    unit_ids = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)


class InviteByEmailSerializer(InviteSerializer):
    """Documents an invitation by e-mail: the phone left out or blank."""

    email = serializers.EmailField()
    phone = serializers.CharField(required=False, max_length=0, allow_blank=True)


class InviteByPhoneSerializer(InviteSerializer):
    """Documents an invitation by phone (digits, an optional +): the e-mail left out or blank."""

    email = serializers.CharField(required=False, max_length=0, allow_blank=True)
    phone = serializers.RegexField(r"^\+?[0-9]{1,19}$", max_length=20)


class ReviewersView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=inline_serializer("PanelReviewer", {
        "user_id": serializers.IntegerField(), "name": serializers.CharField(), "title": serializers.CharField(),
        "category": serializers.CharField(), "unit_ids": serializers.ListField(child=serializers.IntegerField()),
        "assigned": serializers.IntegerField(), "submitted": serializers.IntegerField(),
    }, many=True), summary="The campaign's panel with progress")
    def get(self, request, campaign_id: int):
        campaign = _campaign(campaign_id)
        require(request.user, "voting.manage_panel", campaign, message=NOT_YOURS)
        return Response([
            {"user_id": seat.reviewer_id, "name": seat.reviewer.reviewer_profile.name,
             "title": seat.reviewer.reviewer_profile.title, "category": seat.reviewer.reviewer_profile.category,
             "unit_ids": sorted(m.unit_id for m in seat.reviewer.memberships.all() if m.unit_id and m.role == "reviewer"),
             "assigned": seat.assigned, "submitted": seat.submitted}
            for seat in selectors.seats(campaign)
        ])

    @extend_schema(responses={201: OpenApiTypes.OBJECT, **refusals(409)}, request=PolymorphicProxySerializer(
        "ReviewerInvitation", serializers=[InviteByEmailSerializer, InviteByPhoneSerializer], resource_type_field_name=None,
    ), summary="Invite a reviewer by email or phone")
    def post(self, request, campaign_id: int):
        campaign = _campaign(campaign_id)
        require(request.user, "voting.manage_panel", campaign, message=services.ORGANISERS_ONLY)
        serializer = InviteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        profile = services.invite_reviewer(actor=request.user, campaign=campaign, **serializer.validated_data)
        return Response({"user_id": profile.user_id, "name": profile.name}, status=201)


class AssignmentsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={201: OpenApiTypes.OBJECT, **refusals(409)}, request=None, summary="Assign the finalists to the panel (all-to-all or balanced)")
    def post(self, request, campaign_id: int):
        campaign = _campaign(campaign_id)
        added = services.assign_finalists(actor=request.user, campaign=campaign)
        skipped = [{"reviewer_id": pair.reviewer.pk, "case_id": pair.case.pk, "reason": pair.reason,
                    "explanation": pair.explanation} for pair in selectors.skipped_for_conflict(campaign)]
        return Response({"added": added, "skipped": skipped}, status=201)


class QueueView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=OpenApiTypes.OBJECT, summary="The signed-in reviewer's finalists and progress")
    def get(self, request, campaign_id: int):
        campaign = _campaign(campaign_id)
        require(request.user, "voting.view_panel", message=NOT_YOURS)
        items = selectors.queue(request.user, campaign)
        return Response({
            "scored": sum(1 for i in items if i.state == "submitted"), "assigned": len(items),
            "items": [{"case_id": i.finalist.case_id, "title": i.finalist.case.title,
                       "unit": i.finalist.case.unit.localised_name, "state": i.state} for i in items],
        })


class MarksSerializer(serializers.Serializer):
    marks = serializers.DictField(child=serializers.CharField(allow_blank=True, allow_null=True), required=False,
                                  default=dict)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


def _review_data(user, campaign: Campaign, case_id: int) -> dict:
    finalist = selectors.case_for_reviewer(user, campaign, case_id, message=NOT_FOUND)
    case = finalist.case
    review = selectors.own_review(user, case)
    others = selectors.marks_after_submitting(user, case)
    return {
        "case": {"id": case.pk, "title": case.title, "unit": case.unit.localised_name, "domain": case.domain.localised_name,
                 "summary": case.summary, "story": case.story, "results": case.results, "video_url": case.video_url,
                 "votes": selectors.valid_vote_counts(campaign).get(case.pk, finalist.votes),
                 "vote_rank": finalist.vote_rank},
        "criteria": CriterionSerializer(selectors.criteria_of(campaign), many=True).data,
        "review": None if review is None else {
            "state": review.state, "submitted_at": review.submitted_at, "comment": review.comment,
            "marks": {str(m.criterion_id): (None if m.value is None else str(m.value)) for m in review.marks.all()},
        },
        "others": None if others is None else [
            {"reviewer": o.label, "own": o.own, "total": None if o.total is None else str(o.total),
             "marks": {str(c.pk): (None if v is None else str(v)) for c, v in o.marks}}
            for o in others
        ],
    }


REVIEW_CONFLICTS = {409: "Outside the campaign's expert-review phase (review_phase_missing, review_not_started, "
                        "review_closed), a submitted review (locked), no criteria yet (no_criteria)."}
PUBLISH_CONFLICTS = {409: "Before the campaign's results phase has started (results_phase_missing, "
                          "results_not_started), also for a correction; no finalists, assignments or missing reviews "
                          "(no_finalists, no_assignments, reviews_missing)."}


class ReviewView(APIView):
    """GET the assigned finalist and one's own review; PUT saves a draft;
    POST submits. A case outside the assignment answers 404."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=OpenApiTypes.OBJECT, summary="An assigned finalist with one's own review (and others' once submitted)")
    def get(self, request, campaign_id: int, case_id: int):
        return Response(_review_data(request.user, _campaign(campaign_id), case_id))

    def _save(self, request, campaign_id: int, case_id: int, submit: bool):
        campaign = _campaign(campaign_id)
        services.require_review_task(request.user, campaign, case_id)  # 404 unless assigned, before the marks are read
        serializer = MarksSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.save_review(actor=request.user, campaign=campaign, case_id=case_id,
                             marks=serializer.validated_data["marks"], comment=serializer.validated_data["comment"],
                             submit=submit)
        return Response(_review_data(request.user, campaign, case_id))

    @extend_schema(responses={200: OpenApiTypes.OBJECT, **refusals(409, notes=REVIEW_CONFLICTS)}, request=MarksSerializer, summary="Save a draft")
    def put(self, request, campaign_id: int, case_id: int):
        return self._save(request, campaign_id, case_id, submit=False)

    @extend_schema(responses={200: OpenApiTypes.OBJECT, **refusals(409, notes=REVIEW_CONFLICTS)}, request=MarksSerializer, summary="Submit (locks the review)")
    def post(self, request, campaign_id: int, case_id: int):
        return self._save(request, campaign_id, case_id, submit=True)


class ReopenView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: OpenApiTypes.OBJECT, **refusals(409)}, request=ReasonSerializer, summary="Reopen a submitted review (organisers, recorded)")
    def post(self, request, review_id: int):
        review = get_object_or_404(Review, pk=review_id)
        require(request.user, "voting.reopen_review", review.campaign, message=services.ORGANISERS_ONLY)
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        review = services.reopen_review(actor=request.user, review=review, reason=serializer.validated_data["reason"])
        return Response({"id": review.pk, "state": review.state})


class StandingsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=OpenApiTypes.OBJECT, summary="Live standings while scoring runs (organisers)")
    def get(self, request, campaign_id: int):
        campaign = _campaign(campaign_id)
        require(request.user, "voting.view_standings", campaign, message=NOT_YOURS)
        result = selectors.standings(campaign)
        submitted, assigned = selectors.completeness(campaign)
        data = selectors.breakdown(campaign, result)
        for row, standing in zip(data["rows"], result.rows):
            row["missing_reviews"] = standing.missing_reviews
        return Response({
            "submitted": submitted, "assigned": assigned, **data,
            "outliers": [
                {"reviewer_id": h.reviewer_id, "mean_deviation": str(h.mean_deviation), "direction": h.direction,
                 "far_reviews": [{"case_id": c, "deviation": str(d)} for c, d in h.far_reviews]}
                for h in selectors.hints(result) if h.flagged
            ],
        })


class PublishSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    override = serializers.BooleanField(required=False, default=False)


def _version_data(version) -> dict:
    return {"version": version.version, "published_at": version.published_at, "reason": version.reason,
            "override": version.override, **version.breakdown}


class ResultsView(APIView):
    def get_permissions(self):
        if self.request.method == "GET":
            return [AllowAny()]
        return [IsAuthenticated(), RecentAuthentication()]

    @extend_schema(responses=OpenApiTypes.OBJECT, summary="The latest published results (public), with every earlier version listed")
    def get(self, request, campaign_id: int):
        campaign = _campaign(campaign_id)
        published = selectors.published(campaign)
        if published is None:
            raise Http404
        return Response({
            **_version_data(published),
            "versions": [{"version": v.version, "published_at": v.published_at, "reason": v.reason}
                         for v in selectors.result_versions(campaign)],
        })

    @extend_schema(responses={201: OpenApiTypes.OBJECT, **refusals(409, notes=PUBLISH_CONFLICTS)}, request=PublishSerializer, summary="Publish the results (or a correction, with a reason)")
    def post(self, request, campaign_id: int):
        campaign = _campaign(campaign_id)
        require(request.user, "voting.publish_results", campaign, message=services.ORGANISERS_ONLY)
        serializer = PublishSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        published = services.publish_results(actor=request.user, campaign=campaign, **serializer.validated_data)
        return Response(_version_data(published), status=201)


class ResultVersionView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=OpenApiTypes.OBJECT, operation_id="v1_campaigns_results_version_retrieve",
                   summary="One published version of the results (public)")
    def get(self, request, campaign_id: int, version: int):
        campaign = _campaign(campaign_id)
        published = selectors.published(campaign, version)
        if published is None:
            raise Http404
        return Response(_version_data(published))
