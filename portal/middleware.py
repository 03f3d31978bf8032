"""Portal middleware: language choice, addresses with NUL characters, and the staff second factor."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from portal import rules as portal_rules


class PortalLocaleMiddleware:
    """Chinese unless the visitor chose otherwise (language cookie).

    Browsers' Accept-Language is ignored on purpose: this is a Chinese city's
    portal and its pages should not switch language by the device's setting.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, settings.LANGUAGE_CODE)
        if language not in self.supported:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response


def has_nul_character(request) -> bool:
    """A NUL character (%00) in the path or the query: PostgreSQL text cannot
    hold one, so no lookup may be given it (forms refuse it in their fields)."""
    return "\x00" in request.path or any(
        "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
    )


class RejectNulCharacterMiddleware:
    """Answers an address holding a NUL character with 400, in the API's
    format under /api/ and as a page elsewhere. Open311 answers in its own
    error format (appeals.open311)."""

    OWN_ERRORS = ("/open311/",)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not has_nul_character(request) or request.path.startswith(self.OWN_ERRORS):
            return self.get_response(request)
        message = _("地址中含有不能使用的字符（%00）。")
        if request.path.startswith("/api/"):
            return JsonResponse({"error": {"code": "invalid", "message": message, "fields": {}}}, status=400)
        return render(request, "portal/error.html", {"status": 400, "message": message}, status=400)


class StaffSecondFactorMiddleware:
    """Organisers and dispatchers must hold a TOTP authenticator: until they
    set one up, every page sends them to the set-up page."""

    ALLOWED_PREFIXES = ("/accounts/", "/static/", "/media/", "/healthz", "/i18n/", "/prefs/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(self.ALLOWED_PREFIXES)
            and portal_rules.needs_second_factor(user)
            and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        ):
            message = _("你的角色需要启用两步验证（TOTP 动态口令）后才能继续。")
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"error": {"code": "second_factor_required", "message": message, "fields": {}}},
                    status=403,
                )
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)


class PermissionsPolicyMiddleware:
    """The Permissions-Policy header (settings.PERMISSIONS_POLICY) on every answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class CodeRateLimitMiddleware:
    """allauth raises RateLimited when a flow sends a code past its limits
    (a sign-up or phone change asking for one more SMS to a number): the
    resident gets the portal's 429 with Retry-After, not a server error.
    A refusal of an account flow's final step (another account verified the
    same number a moment earlier) is shown as a page with its status too."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from allauth.core.exceptions import RateLimited

        if isinstance(exception, RateLimited):
            from portal.views import rate_limited

            return rate_limited(request, exception)
        from portal.exceptions import PortalError

        if isinstance(exception, PortalError) and request.path.startswith("/accounts/"):
            return render(request, "portal/error.html", {"message": exception.message, "status": exception.status},
                          status=exception.status)
        return None


class RequestSizeLimitMiddleware:
    """Refuses a request whose body is larger than PORTAL_REQUEST_MAX_BYTES
    with 413, from its Content-Length, before any of the body is read.
    (Django reads no more than Content-Length, and nothing without one.)
    The front server should cap bodies too (README, Production)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.PORTAL_REQUEST_MAX_BYTES
        if length <= limit:
            return self.get_response(request)
        message = _("提交的内容太大（%(size).1f MB），一次最多 %(limit)d MB：请减少照片张数或压缩后再传。") % {
            "size": length / 1_048_576, "limit": limit // 1_048_576}
        if request.path.startswith("/api/"):
            return JsonResponse({"error": {"code": "request_too_large", "message": message, "fields": {}}}, status=413)
        return render(request, "portal/error.html", {"status": 413, "message": message}, status=413)
