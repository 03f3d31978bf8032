"""Sensitive actions ask for the password or the second factor again when the
session's last authentication is older than PORTAL_REAUTHENTICATION_SECONDS.

Pages use ``@reauthentication_required``: it raises allauth's
ReauthenticationRequired, which allauth's middleware turns into its
reauthentication page and then replays the suspended request. The API answers
403 ``reauthentication_required`` (``RecentAuthentication``).

allauth's own check counts only reauthentications, so a staff member who has
just signed in with password and TOTP would be asked again at once; here every
authentication step of the session counts (sign-in, second factor, reauthentication).
"""

from __future__ import annotations

import time
from functools import wraps

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.account.internal.flows.reauthentication import suspend_request
from allauth.core.exceptions import ReauthenticationRequired
from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect
from rest_framework import exceptions
from rest_framework.permissions import BasePermission

from portal.enums import TokenScope
from portal.models import ApiToken


def recently_authenticated(request) -> bool:
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return False
    records = get_authentication_records(request, user)
    now = time.time()
    return any(now - record.get("at", 0) < settings.PORTAL_REAUTHENTICATION_SECONDS for record in records)


def require_recent_authentication(request) -> None:
    """For page views: sends the user through allauth's reauthentication,
    which replays the suspended request afterwards."""
    if request.user.is_authenticated and not recently_authenticated(request):
        raise ReauthenticationRequired()


def reauthentication_required(view):
    """For page views of sensitive actions (after ``login_required``)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if getattr(request, "htmx", False) and request.user.is_authenticated and not recently_authenticated(request):
            return _reauthenticate_whole_page(request)
        require_recent_authentication(request)
        return view(request, *args, **kwargs)

    return wrapper


def _reauthenticate_whole_page(request) -> HttpResponse:
    """htmx follows a redirect itself and would put the reauthentication page
    inside the fragment it asked for: the browser is sent there instead, and
    the request is suspended as a plain page request, so that allauth replays
    it as a whole page once the code is given."""
    request.META = {key: value for key, value in request.META.items() if not key.startswith("HTTP_HX_")}
    request.__dict__.pop("headers", None)  # HttpRequest.headers is cached from META
    methods = get_account_adapter().get_reauthentication_methods(request.user)
    target = methods[0]["url"] if methods else reverse("account_login")
    suspended = suspend_request(request, target)
    return HttpResponseClientRedirect(suspended["Location"])


class RecentAuthentication(BasePermission):
    """For API views of sensitive actions.

    A read-write token is exempt: it is itself the credential of a recent
    reauthentication (creating one asks for the second factor again), it is
    hashed, expires within 90 days and can be revoked, and a program cannot
    answer an interactive reauthentication. A read-only token is never enough
    for a sensitive action; a browser session must have authenticated within
    the last 15 minutes.
    """

    def has_permission(self, request, view) -> bool:
        if isinstance(request.auth, ApiToken):
            if request.auth.scope == TokenScope.READ_WRITE:
                return True
            raise exceptions.PermissionDenied(
                _("这个操作需要读写令牌。"), code="read_only_token"
            )
        if not recently_authenticated(request):
            raise exceptions.PermissionDenied(
                _("这个操作需要重新验证身份：请在网页上重新输入密码或动态口令后再试。"),
                code="reauthentication_required",
            )
        return True
