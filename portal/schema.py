"""The API's refusals in the OpenAPI schema, in one place.

``PortalAutoSchema`` (REST_FRAMEWORK's DEFAULT_SCHEMA_CLASS) adds to every
operation the refusals the portal's shared machinery really answers, read
from the operation itself:

- 400 where the caller sends something to check: a body or parameters (an
  address with a NUL byte is refused with 400 before any view runs);
- 401 where an authentication class can challenge (a wrong, expired or
  revoked token answers 401 on every path, public ones too);
- 403 where a permission class other than AllowAny applies, on unsafe
  methods (a read-only token, CSRF) and where the authentication classes
  apply the staff second-factor rule (portal.authentication);
- 404 where the path names an object;
- 413 where there is a body (portal.middleware.RequestSizeLimitMiddleware);
- 429 with Retry-After on unsafe methods (portal.ratelimits: every write
  counts against a limit);
- 503 with Retry-After everywhere (portal.outages).

A view declares only its extras with ``extend_schema(responses={...,
**refusals(409)})``: conflicts, rate-limited reads, unknown filter ids. Every
refusal has one body, ``Error``: what ``portal.api.exception_handler`` and
``portal.errors.error_answer`` answer.
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import force_instance, is_serializer
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, inline_serializer
from rest_framework import permissions, serializers

ErrorBody = inline_serializer(
    "Error",
    {
        "error": inline_serializer(
            "ErrorDetail",
            {
                "code": serializers.CharField(help_text="Stable for programs: invalid, not_authenticated, "
                                              "permission_denied, not_found, rate_limited, …"),
                "message": serializers.CharField(help_text="For people, in the request's language."),
                "fields": serializers.DictField(
                    child=serializers.ListField(child=serializers.CharField()),
                    help_text="Messages per refused field or parameter (empty when the refusal is not about one)."),
                "request_id": serializers.CharField(
                    help_text="The request's id (its X-Request-ID header): quote it to find the request in the "
                              "logs and error reports."),
            },
        ),
    },
)

DESCRIPTIONS = {
    400: "Refused input: `fields` names each refused field or parameter.",
    401: "No valid credentials: a missing, wrong, expired or revoked token (WWW-Authenticate: Token).",
    403: "Not allowed: the role or object rule, a read-only token on a write, a staff account without its "
         "second factor (second_factor_required), or a sensitive action without a recent authentication.",
    404: "Not found, or not visible to this caller.",
    409: "Conflicts with the current state (a transition not allowed now, a repeat, a quota used).",
    413: "The request body is larger than the portal accepts.",
    429: "Too many requests: wait Retry-After seconds.",
    503: "Temporarily unavailable (a database or queue outage): retry after Retry-After seconds.",
}

RETRY_AFTER = {
    "Retry-After": {"schema": {"type": "integer", "minimum": 1}, "required": True,
                    "description": "Seconds to wait before trying again."},
}


def refusals(*codes: int, notes: dict[int, str] | None = None) -> dict:
    """Extra refusals of one view, for its ``extend_schema(responses=...)``;
    ``notes`` adds what this operation in particular refuses with a code."""
    notes = notes or {}
    return {code: OpenApiResponse(ErrorBody, description=" ".join(filter(None, (DESCRIPTIONS[code], notes.get(code)))))
            for code in codes}


def _decimal_pattern(field: serializers.DecimalField) -> str:
    """The decimals the field accepts, as a pattern: drf-spectacular's lets
    "", "-" and "." through, and a minus sign where min_value forbids one."""
    whole, places = field.max_whole_digits, field.decimal_places
    sign = "" if field.min_value is not None and field.min_value >= 0 else "-?"
    digits = "0" if whole == 0 else rf"[0-9]{{1,{whole}}}"
    if places:
        return rf"^{sign}(?:{digits}(?:\.[0-9]{{1,{places}}})?|\.[0-9]{{1,{places}}})$"
    return rf"^{sign}{digits}$"


def _text_rules(field) -> dict:
    """What DRF's CharField refuses that drf-spectacular leaves unsaid: a NUL
    character (PostgreSQL text cannot hold one), and a text that is only
    spaces where a blank is not allowed (it is stripped first). Fields with
    a pattern or a format of their own (slugs, e-mail, URLs) state theirs."""
    if isinstance(field, serializers.SlugRelatedField):
        return {"pattern": r"^[^\x00]+$"}
    if type(field) is not serializers.CharField or any(isinstance(v, RegexValidator) for v in field.validators):
        return {}  # a pattern of its own (drf-spectacular states it) excludes NUL already
    if field.trim_whitespace and not field.allow_blank:
        return {"pattern": r"^\s*[^\s\x00][^\x00]*$"}
    # Not matching "": a blank is the other shape drf-spectacular gives the field (oneOf: exactly one).
    return {"pattern": r"^[^\x00]+$"}


def _applies_second_factor_rule(authenticator) -> bool:
    return getattr(authenticator, "applies_second_factor_rule", False)


def _carries_files(serializer) -> bool:
    serializer = force_instance(serializer)
    if not is_serializer(serializer) or not hasattr(serializer, "fields"):
        return False
    return any(isinstance(field, serializers.FileField)
               or isinstance(getattr(field, "child", None), serializers.FileField)
               for field in serializer.fields.values() if not field.read_only)


class PortalAutoSchema(AutoSchema):
    def map_parsers(self):
        """A body is documented as JSON, or as multipart/form-data where it
        carries files (the only way to send them). Forms (urlencoded) are
        accepted for browsers but cannot say null, lists of objects or files,
        so a client generated from the schema should not use them."""
        media_types = super().map_parsers()
        wanted = "multipart/form-data" if _carries_files(self.get_request_serializer()) else "application/json"
        return [wanted] if wanted in media_types else media_types

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if direction == "request" and schema.get("type") == "string" and "pattern" not in schema:
            schema.update(_text_rules(field))
        if isinstance(field, serializers.FileField) and not field.allow_empty_file and direction == "request":
            schema["minLength"] = 1  # an empty file is refused
        if isinstance(field, serializers.DecimalField) and r"\d{0," in schema.get("pattern", "") and direction == "request":
            schema["pattern"] = _decimal_pattern(field)
        if isinstance(field, serializers.ListSerializer) and schema.get("type") == "array":
            if field.min_length is not None:  # drf-spectacular states it for ListField only
                schema["minItems"] = field.min_length
            if field.max_length is not None:
                schema["maxItems"] = field.max_length
        return schema

    def _get_request_for_media_type(self, serializer, direction="request"):
        """A body of several shapes (a decision to publish or refuse) is
        required: drf-spectacular cannot see the required fields inside."""
        schema, required = super()._get_request_for_media_type(serializer, direction)
        return schema, required or isinstance(force_instance(serializer), PolymorphicProxySerializer)

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in sorted(self.shared_refusals()):
            responses.setdefault(str(code), self._refusal(code))
        for code, response in responses.items():
            if code in ("429", "503"):
                response.setdefault("headers", {}).update(RETRY_AFTER)
        return responses

    def _refusal(self, code: int) -> dict:
        response = self._get_response_for_code(ErrorBody, str(code), media_types=["application/json"])
        response["description"] = DESCRIPTIONS[code]
        return response

    def shared_refusals(self) -> set[int]:
        codes = {503}
        unsafe = self.method not in permissions.SAFE_METHODS
        parameters = self._get_parameters()
        has_body = bool(self._get_request_body())
        if has_body or parameters:
            codes.add(400)
        authenticators = self.view.get_authenticators()
        if any(a.authenticate_header(None) for a in authenticators):
            codes.add(401)
        restricted = any(not isinstance(p, permissions.AllowAny) for p in self.view.get_permissions())
        if restricted or unsafe or any(_applies_second_factor_rule(a) for a in authenticators):
            codes.add(403)
        if any(p["in"] == "path" for p in parameters):
            codes.add(404)
        if has_body:
            codes.add(413)
        if unsafe:
            codes.add(429)
        return codes
