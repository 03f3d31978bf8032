"""Portal middleware: language choice, addresses with NUL characters, the staff second factor and staff session limits."""

from __future__ import annotations

import time

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.contrib import auth, messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from portal import rules as portal_rules
from portal.errors import error_answer


class PortalLocaleMiddleware:
    """Chinese unless the visitor chose otherwise (language cookie).

    Browsers' Accept-Language is ignored on pages on purpose: this is a
    Chinese city's portal and its pages should not switch language by the
    device's setting. The API and Open311 heed it where no cookie chose:
    their clients are programs that ask for a language on purpose.
    """

    MACHINE_PATHS = ("/api/", "/open311/")

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        asked = language is None and request.path.startswith(self.MACHINE_PATHS)
        if asked:
            language = translation.get_language_from_request(request)
        if language not in self.supported:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie", "Accept-Language") if asked else ("Cookie",))
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
        return error_answer(request, 400, "invalid", message)


class StaffSecondFactorMiddleware:
    """Every staff role must hold a TOTP authenticator: until they set one
    up, every page sends them to the set-up page. The API applies the same
    rule after DRF has authenticated the session or the token
    (portal.authentication), so /api/ is left to it."""

    ALLOWED_PREFIXES = ("/accounts/", "/static/", "/media/", "/healthz", "/i18n/", "/prefs/", "/api/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.user.is_authenticated
            and not request.path.startswith(self.ALLOWED_PREFIXES)
            and portal_rules.must_enrol_second_factor(request.user)
        ):
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)


class StaffSessionMiddleware:
    """Staff sessions end 8 hours after sign-in or after 30 minutes without a
    request; residents keep their remembered session.

    The times are kept in the session itself and checked here, so the limit
    holds whatever the session store does with its own expiry; the store's
    expiry follows the idle limit so that abandoned sessions are dropped.
    """

    SIGNED_IN_KEY = "portal_staff_signed_in_at"
    SEEN_KEY = "portal_staff_seen_at"
    # The last-seen time is written at most once a minute (a session write
    # per request is not needed for a 30-minute limit).
    SEEN_RESOLUTION = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and portal_rules.is_staff_member(user):
            self.check(request)
        return self.get_response(request)

    def check(self, request) -> None:
        session = request.session
        now = time.time()
        signed_in_at = session.get(self.SIGNED_IN_KEY)
        seen_at = session.get(self.SEEN_KEY)
        if signed_in_at is None or seen_at is None:
            session[self.SIGNED_IN_KEY] = now
            self.seen(session, now)
            return
        if (
            now - signed_in_at > settings.PORTAL_STAFF_SESSION_SECONDS
            or now - seen_at > settings.PORTAL_STAFF_IDLE_SECONDS
        ):
            auth.logout(request)
            messages.info(request, _("为了安全，工作人员的登录在 8 小时后或 30 分钟无操作后失效，请重新登录。"))
            return
        if now - seen_at >= self.SEEN_RESOLUTION:
            self.seen(session, now)

    @classmethod
    def forget(cls, session) -> None:
        session.pop(cls.SIGNED_IN_KEY, None)
        session.pop(cls.SEEN_KEY, None)

    def seen(self, session, now: float) -> None:
        session[self.SEEN_KEY] = now
        session.set_expiry(settings.PORTAL_STAFF_IDLE_SECONDS + self.SEEN_RESOLUTION)


class CachedCSPMiddleware(CSPMiddleware):
    """django-csp 4's middleware with the header string kept per process.

    django-csp builds the Content-Security-Policy from the settings again for
    every answer (about 4 % of a request's CPU, issue 17). An answer with no
    policy of its own (csp_update, csp_replace, csp_exempt) and no nonce asked
    for gets the same string every time, so it is built once and reused while
    the settings hold the same policy objects (override_settings replaces
    them). Anything else goes through django-csp unchanged."""

    _PER_VIEW = ("_csp_config", "_csp_update", "_csp_replace", "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro")
    _kept: tuple = (None, None, "", "")  # (policy, report-only policy, their headers)

    def process_response(self, request, response):
        if (getattr(request, "_csp_nonce", None) is not None or (settings.DEBUG and response.status_code in (404, 500))
                or any(hasattr(response, name) for name in self._PER_VIEW)):
            return super().process_response(request, response)
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", None)
        policy_ro = getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
        kept = CachedCSPMiddleware._kept
        if kept[0] is not policy or kept[1] is not policy_ro:
            kept = CachedCSPMiddleware._kept = (policy, policy_ro, build_policy(), build_policy(report_only=True))
        for name, header, config, exempt in ((HEADER, kept[2], policy, "_csp_exempt"),
                                             (HEADER_REPORT_ONLY, kept[3], policy_ro, "_csp_exempt_ro")):
            prefixes = tuple((config or {}).get("EXCLUDE_URL_PREFIXES", None) or ())
            if header and name not in response and getattr(response, exempt, False) is False \
                    and not (prefixes and request.path_info.startswith(prefixes)):
                response[name] = header
        # As django-csp: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


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
    (Refusals of the portal's own services, in account flows too, are
    answered by portal.errors.RefusalMiddleware.)"""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from allauth.core.exceptions import RateLimited

        if isinstance(exception, RateLimited):
            from portal.views import rate_limited

            return rate_limited(request, exception)
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
        return error_answer(request, 413, "request_too_large", message)
