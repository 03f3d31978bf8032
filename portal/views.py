"""Pages of the core: home, health, visitor preferences."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.shortcuts import redirect

from portal import health, ratelimits
from portal.context_processors import ELDER_COOKIE
from portal.exceptions import RateLimitedError

RETRY_AFTER_SECONDS = 60


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html")


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, body = health.report()
    return JsonResponse(body, status=200 if healthy else 503)


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness for a load balancer or an orchestrator: 200 or 503."""
    ready, body = health.readiness()
    return JsonResponse(body, status=200 if ready else 503)


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.headers.get("referer") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return target


@require_POST
def set_elder_mode(request: HttpRequest) -> HttpResponse:
    """长辈版: large type and high contrast, remembered for a year."""
    response = redirect(_back(request))
    if request.POST.get("elder") == "1":
        response.set_cookie(ELDER_COOKIE, "1", max_age=365 * 24 * 3600, samesite="Lax")
    else:
        response.delete_cookie(ELDER_COOKIE)
    return response


def rate_limited(request: HttpRequest, exception=None) -> HttpResponse:
    """The 429 answer of limits that do not say when their window ends
    (allauth's, through handler429): as JSON or a page, with Retry-After."""
    return ratelimits.refusal_response(
        request, RateLimitedError(_("操作太频繁，请稍后再试。"), retry_after=RETRY_AFTER_SECONDS))


# Baselines for the load benchmarks (bench/): routed only when the setting
# PORTAL_BENCH_ENDPOINTS is on. They pass through the same middleware as
# every page.
def bench_bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


def bench_signed_in(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return HttpResponse("anonymous", status=403, content_type="text/plain")
    return HttpResponse(str(request.user.pk), content_type="text/plain")
