"""Django's error handlers (handler400, handler404, handler403 and handler500 in
portal.urls): the portal's error page, or the API's error body, through
portal.errors; a database outage met outside a view answers 503 through
portal.outages. A module of their own because both of those are needed
here, and portal.outages answers with portal.errors' shapes."""

import sys

from django.utils.translation import gettext as _

from portal.errors import error_answer
from portal.outages import answer_if_outage


def bad_request(request, exception=None):
    """Django's own refusals before any view (too many files or fields in a
    form, a malformed multipart body): the API's error body under /api/."""
    return error_answer(request, 400, "invalid", _("请求无法读取：文件或字段太多，或请求体格式不正确。"))


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
