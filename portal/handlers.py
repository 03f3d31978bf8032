"""Django's error handlers (handler404, handler403 and handler500 in
portal.urls): the portal's error page, or the API's error body, through
portal.errors; a database outage met outside a view answers 503 through
portal.outages. A module of their own because both of those are needed
here, and portal.outages answers with portal.errors' shapes."""

import sys

from django.utils.translation import gettext as _

from portal.errors import error_answer
from portal.outages import answer_if_outage


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
