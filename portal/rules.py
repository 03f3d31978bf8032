"""Roles as django-rules predicates, and the portal-wide named permissions.

Views, the API and templates ask for a permission by name
(``user.has_perm("portal.view_dispatch_centre")``); nothing checks a role
inline. Each app's object rules live in its own ``rules.py``.
"""

import rules
from django.conf import settings

from portal import selectors
from portal.enums import Role


@rules.predicate
def is_organiser(user) -> bool:
    return Role.ORGANISER in selectors.roles_of(user)


@rules.predicate
def is_dispatcher(user) -> bool:
    return Role.DISPATCHER in selectors.roles_of(user)


@rules.predicate
def is_unit_staff(user) -> bool:
    return Role.UNIT_STAFF in selectors.roles_of(user)


@rules.predicate
def is_reviewer(user) -> bool:
    return Role.REVIEWER in selectors.roles_of(user)


@rules.predicate
def is_portal_admin(user) -> bool:
    """平台管理员: invites staff, gives roles, keeps the unit tree. Granted
    by a superuser or another portal administrator (portal.administration)."""
    return Role.PORTAL_ADMIN in selectors.roles_of(user)


@rules.predicate
def is_verified(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.verified_at)


@rules.predicate
def needs_second_factor(user) -> bool:
    return bool(selectors.roles_of(user) & set(settings.PORTAL_SECOND_FACTOR_ROLES))


@rules.predicate
def has_second_factor(user) -> bool:
    return selectors.has_totp(user)


# The one second-factor rule, for pages (StaffSecondFactorMiddleware) and the
# API (portal.authentication) alike: staff without TOTP may only enrol.
must_enrol_second_factor = needs_second_factor & ~has_second_factor


is_signed_in = rules.is_authenticated
is_staff_member = is_organiser | is_dispatcher | is_unit_staff | is_reviewer | is_portal_admin

# Every named permission of the core, in one table (tests walk it).
PERMISSIONS = {
    "portal.view_staff_workspace": is_staff_member,
    # Django admin: superusers only (portal.adminsite); they hold every permission.
    "portal.access_admin": rules.always_deny,
    "portal.view_unit": is_organiser | is_dispatcher | is_portal_admin,
    "portal.add_unit": is_portal_admin,
    "portal.change_unit": is_portal_admin,
    "portal.delete_unit": is_portal_admin,
    "portal.view_membership": is_portal_admin,
    "portal.add_membership": is_portal_admin,
    "portal.change_membership": is_portal_admin,
    "portal.delete_membership": is_portal_admin,
    "portal.view_user": is_organiser,
    "portal.change_user": is_organiser,
    "portal.view_dashboards": is_organiser,
    "portal.view_dispatch_centre": is_dispatcher | is_organiser,
    "portal.view_unit_workspace": is_unit_staff,
    "portal.view_review_panel": is_reviewer,
    "portal.act_as_verified_resident": is_verified,
    "portal.view_task_queue": is_organiser,
    "portal.manage_api_tokens": is_staff_member,
    # The administration pages (portal.administration): accounts, roles, the unit tree, the audit log.
    "portal.manage_accounts": is_portal_admin,
}

for name, predicate in PERMISSIONS.items():
    rules.add_perm(name, predicate)
