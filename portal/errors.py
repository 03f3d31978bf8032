"""Error pages in the portal's layout (and JSON under /api/)."""

import sys

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from portal.outages import answer_if_outage


def error_answer(request, status: int, code: str, message) -> HttpResponse:
    """The one shape of a refusal: the API's error body under /api/ (or when
    the client asks for JSON), the portal's error page elsewhere."""
    if request.path.startswith("/api/") or request.headers.get("accept", "").startswith("application/json"):
        return JsonResponse({"error": {"code": code, "message": message, "fields": {}}}, status=status)
    return render(request, "portal/error.html", {"status": status, "message": message}, status=status)


def not_found(request, exception=None):
    return error_answer(request, 404, "not_found", _("找不到这个页面，它可能已被移走或从未存在。"))


def forbidden(request, exception=None):
    return error_answer(request, 403, "permission_denied", _("你没有权限查看此页面。如需帮助，请联系主办方。"))


def server_error(request):
    # A database outage raised outside a view (middleware loading the user)
    # still answers 503 (portal.outages).
    outage = answer_if_outage(request, sys.exc_info()[1])
    if outage is not None:
        return outage
    return error_answer(request, 500, "server_error", _("服务器出错了，请稍后再试。"))
