"""How the API knows who is calling: knox tokens and the browser session.

Both classes apply the same second-factor rule as the pages
(``portal.rules.must_enrol_second_factor``) right after DRF has identified the
caller, so no view can forget it (views set their own permission classes;
authentication applies to every view). The token class also enforces the
token's scope: a read-only token may only use safe methods.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import SAFE_METHODS

from portal import rules as portal_rules
from portal import services
from portal.enums import TokenScope


def second_factor_message() -> str:
    return _("你的角色需要启用两步验证（TOTP 动态口令）后才能继续。")


def refuse_without_second_factor(user) -> None:
    if portal_rules.must_enrol_second_factor(user):
        raise exceptions.PermissionDenied(second_factor_message(), code="second_factor_required")


class ApiTokenAuthentication(TokenAuthentication):
    """``Authorization: Token mxb_…``: hashed, expiring, revocable tokens
    (portal.ApiToken). Missing, wrong, expired or revoked tokens answer 401
    with ``WWW-Authenticate: Token``."""

    applies_second_factor_rule = True  # portal.schema documents its 403

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user, token = result
        refuse_without_second_factor(user)
        if token.scope != TokenScope.READ_WRITE and request.method not in SAFE_METHODS:
            raise exceptions.PermissionDenied(
                _("这个令牌只能读取，不能修改数据。请使用读写令牌。"), code="read_only_token"
            )
        services.record_api_token_use(token=token)
        return result


class PortalSessionAuthentication(SessionAuthentication):
    """The signed-in browser (with CSRF), under the staff second-factor rule."""

    applies_second_factor_rule = True

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            refuse_without_second_factor(result[0])
        return result


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes the token header (drf-spectacular)."""

    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token mxb_…`: a token made on the portal's /tokens/ page (hashed, scoped, expiring).",
        }


class PortalSessionScheme(SessionScheme):
    target_class = PortalSessionAuthentication
