"""Django admin for superusers only (issue 21).

Every role does its daily work in the portal's own pages, with their rules,
audit and refusals; the admin site stays for superusers, the portal's
technical administrators. It is the default admin site
(``PortalAdminConfig``), so every app's ``admin.py`` registers on it.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.auth.decorators import login_required
from django.utils.translation import gettext as _

from portal.exceptions import PermissionDeniedError


class SuperuserAdminSite(admin.AdminSite):
    def has_permission(self, request) -> bool:
        user = request.user
        return bool(user.is_active and user.is_superuser)

    def login(self, request, extra_context=None):
        # Staff sign in through allauth (codes, TOTP), never through the
        # admin's own form; a signed-in user who is no superuser is refused
        # rather than offered a form to sign in as someone else.
        if request.user.is_authenticated and not self.has_permission(request):
            raise PermissionDeniedError(_("管理后台仅供超级管理员使用，请在门户的工作台中办理。"), code="admin_superusers_only")
        return login_required(super().login)(request, extra_context)


class PortalAdminConfig(AdminConfig):
    default_site = "portal.adminsite.SuperuserAdminSite"
