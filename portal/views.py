"""Pages of the core: home, health, visitor preferences."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from portal import health, metrics, ratelimits, selectors, services
from portal.context_processors import ELDER_COOKIE
from portal.errors import error_answer, flash_refusal, form_refusal, refusal_answer
from portal.exceptions import PortalError, RateLimitedError
from portal.forms import ApiTokenForm
from portal.permissions import require
from portal.reauth import require_recent_authentication

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


@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus' scrape target, for the monitoring network only
    (portal.metrics.may_read_metrics)."""
    if not metrics.may_read_metrics(request):
        return error_answer(request, 403, "permission_denied", _("你没有权限查看此页面。如需帮助，请联系主办方。"))
    return HttpResponse(metrics.exposition(), content_type=metrics.CONTENT_TYPE)


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
    return refusal_answer(
        request, RateLimitedError(_("操作太频繁，请稍后再试。"), retry_after=RETRY_AFTER_SECONDS))


def _token_page(request: HttpRequest, form: ApiTokenForm, *, created=None, secret: str = "", status: int = 200):
    response = render(request, "portal/api_tokens.html", {
        "form": form, "tokens": selectors.api_tokens_of(request.user), "created": created, "secret": secret,
    }, status=status)
    return response


@never_cache
@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    """The staff member's API tokens: created, expiry, last use; revoke one."""
    require(request.user, "portal.manage_api_tokens")
    return _token_page(request, ApiTokenForm())


@never_cache
@login_required
@require_POST
def create_api_token(request: HttpRequest) -> HttpResponse:
    """A new token, shown once in this answer (only its digest is kept);
    asks for the second factor again when the last one is not recent."""
    require(request.user, "portal.manage_api_tokens")
    require_recent_authentication(request)
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            token, secret = services.create_api_token(
                actor=request.user, name=data["name"], scope=data["scope"],
                lifetime=datetime.timedelta(days=data["expiry_days"]),
            )
        except PortalError as exc:
            form_refusal(form, exc)
        else:
            return _token_page(request, ApiTokenForm(), created=token, secret=secret, status=201)
    return _token_page(request, form, status=400)


@login_required
@require_POST
def revoke_api_token(request: HttpRequest) -> HttpResponse:
    require(request.user, "portal.manage_api_tokens")
    try:
        services.revoke_api_token(actor=request.user, token_id=request.POST.get("token", ""))
    except PortalError as exc:
        flash_refusal(request, exc)
    else:
        messages.success(request, _("令牌已撤销，使用它的程序将无法再访问。"))
    return redirect("api-tokens")


# Baselines for the load benchmarks (bench/): routed only when the setting
# PORTAL_BENCH_ENDPOINTS is on. They pass through the same middleware as
# every page.
def bench_bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


def bench_signed_in(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return HttpResponse("anonymous", status=403, content_type="text/plain")
    return HttpResponse(str(request.user.pk), content_type="text/plain")
