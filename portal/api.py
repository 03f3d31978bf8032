"""The API's shared pieces: the error shape and the core endpoints.

Every error answers ``{"error": {"code", "message", "fields"}}`` so programs
can rely on one shape.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from portal import selectors
from portal.errors import error_body, refusal_fields
from portal.exceptions import PortalError
from portal.models import Unit


def _first_message(detail) -> str:
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    if isinstance(detail, dict) and detail:
        return _first_message(next(iter(detail.values())))
    return str(detail)


def checked_query(form) -> dict:
    """A query-string form's values, or the API's 400 naming each refused
    filter (the pages show the same form's messages)."""
    if not form.is_valid():
        raise exceptions.ValidationError({name: [str(m) for m in messages] for name, messages in form.errors.items()})
    return form.cleaned_data


def exception_handler(exc, context):
    """The API's one translation of refusals (portal.exceptions) and of
    DRF's and Django's errors into the shared error body."""
    if isinstance(exc, PortalError):
        response = Response({**error_body(exc.code, exc.message, refusal_fields(exc)), **exc.body_extras()},
                            status=exc.status)
        if exc.retry_after:
            response["Retry-After"] = str(exc.retry_after)
        return response
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.messages)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    fields = {}
    if isinstance(exc, exceptions.ValidationError) and isinstance(detail, dict):
        fields = {key: [str(item) for item in (value if isinstance(value, list) else [value])] for key, value in detail.items()}
        code = "invalid"
    else:
        code = getattr(exc, "default_code", "error")
        if isinstance(getattr(exc, "detail", None), exceptions.ErrorDetail):
            code = exc.detail.code or code
    response.data = error_body(code, _first_message(detail), fields)
    return response


class UnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "name", "short_name", "level", "kind", "parent"]


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses=inline_serializer(
            "Me",
            {
                "id": serializers.IntegerField(),
                "display_name": serializers.CharField(),
                "verified": serializers.BooleanField(),
                "roles": serializers.ListField(child=serializers.CharField()),
                "unit": UnitSerializer(allow_null=True),
            },
        )
    )
    def get(self, request):
        user = request.user
        unit = selectors.staff_unit_of(user)
        return Response(
            {
                "id": user.pk,
                "display_name": str(user),
                "verified": user.is_verified,
                "roles": sorted(selectors.roles_of(user)),
                "unit": UnitSerializer(unit).data if unit else None,
            },
            status=status.HTTP_200_OK,
        )


class UnitListView(generics.ListAPIView):
    serializer_class = UnitSerializer

    def get_queryset(self):
        return selectors.units_tree()
