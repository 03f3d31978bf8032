"""The API's shared pieces: the error shape and the core endpoints.

Every error answers ``{"error": {"code", "message", "fields", "request_id"}}``
(portal.errors.error_body) so programs can rely on one shape.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError as DjangoValidationError
from django.core.validators import RegexValidator
from django.http import Http404
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.utils import html
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


def _leaf_codes(codes) -> set[str]:
    if isinstance(codes, dict):
        return set().union(*(_leaf_codes(value) for value in codes.values())) if codes else set()
    if isinstance(codes, list):
        return set().union(*(_leaf_codes(value) for value in codes)) if codes else set()
    return {codes}


def text_field(*, minimum: int, maximum: int, **kwargs) -> serializers.CharField:
    """A text the services strip and measure (at least `minimum` characters
    once stripped, at most `maximum`), checked as sent so that the schema
    (maxLength, and a pattern for the stripped minimum) says exactly which
    texts are accepted. No NUL character: DRF refuses it."""
    inner = r"[^\s\x00]" if minimum <= 1 else rf"[^\s\x00][^\x00]{{{minimum - 2},}}[^\s\x00]"
    pattern = rf"^\s*{inner}[^\x00]*$" if minimum <= 1 else rf"^\s*{inner}\s*$"
    message = lazy(lambda: _("请至少填写 %(minimum)d 个字（首尾空格不算）。") % {"minimum": minimum}, str)()
    return serializers.CharField(max_length=maximum, trim_whitespace=False,
                                 validators=[RegexValidator(pattern, message=message)], **kwargs)


class FormNull:
    """A nullable field in a form body (multipart, the only way to send
    files): a form cannot carry JSON's null, so the text "null" (or nothing)
    means none."""

    def get_value(self, dictionary):
        value = super().get_value(dictionary)
        if self.allow_null and html.is_html_input(dictionary) and value == "null":
            return None
        return value


class FormNullIntegerField(FormNull, serializers.IntegerField):
    pass


class FormNullDecimalField(FormNull, serializers.DecimalField):
    pass


def checked_query(form) -> dict:
    """A query-string form's values, or the API's 400 naming each refused
    filter (the pages show the same form's messages)."""
    if not form.is_valid():
        messages = {name: [str(m) for m in errors] for name, errors in form.errors.items()}
        if all(_names_a_missing_object(form, name) for name in messages):
            # A well-formed id of nothing (a town since removed): 404 naming it, as a path would answer.
            name = next(iter(messages))
            raise PortalError(messages[name][0], code="not_found", status=404, field=name)
        raise exceptions.ValidationError(messages)
    return form.cleaned_data


def _names_a_missing_object(form, name: str) -> bool:
    """The filter refused is an id choice (ModelChoiceField, a listed id)
    given as a whole number: well formed, but there is no such object."""
    field = form.fields.get(name)
    codes = {error.code for error in form.errors.as_data().get(name, [])}
    digits = str(form.data.get(name, "")).strip().removeprefix("-")
    is_id_choice = isinstance(field, forms.ModelChoiceField) or getattr(field, "model", None) is not None
    # Any whole number: the schema says integer, so one too long for an id column is still an id of nothing.
    return is_id_choice and codes == {"invalid_choice"} and digits.isascii() and digits.isdigit()


def exception_handler(exc, context):
    """The API's one translation of refusals (portal.exceptions) and of
    DRF's and Django's errors into the shared error body."""
    if isinstance(exc, PortalError):
        response = Response({**error_body(exc.code, exc.message, refusal_fields(exc), status=exc.status), **exc.body_extras()},
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
        if _leaf_codes(exc.get_codes()) == {"does_not_exist"}:
            # Well formed, naming nothing (a related id or slug): 404, as a path naming nothing answers.
            code = "not_found"
            response.status_code = 404
    else:
        code = getattr(exc, "default_code", "error")
        if isinstance(getattr(exc, "detail", None), exceptions.ErrorDetail):
            code = exc.detail.code or code
    response.data = error_body(code, _first_message(detail), fields, status=response.status_code)
    return response


class UnitSerializer(serializers.ModelSerializer):
    # In the request's language, Chinese where no English is kept.
    name = serializers.CharField(source="localised_name", read_only=True)

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
