"""Read side of the core: who holds which role."""

from __future__ import annotations

from django.db.models import QuerySet

from portal.enums import Role
from portal.models import Membership, Unit, User

_CACHE_ATTR = "_portal_memberships"


def memberships_of(user) -> list[Membership]:
    """The user's memberships, loaded once per request and kept on the user."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = list(Membership.objects.filter(user=user).select_related("unit"))
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_memberships(user) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def roles_of(user) -> frozenset[str]:
    """The user's roles, from the user row itself (no query)."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    return frozenset(user.roles)


def staff_unit_of(user) -> Unit | None:
    """The one unit a unit-staff member works for."""
    for membership in memberships_of(user):
        if membership.role == Role.UNIT_STAFF:
            return membership.unit
    return None


def affiliated_unit_ids(user) -> frozenset[int]:
    """Units a reviewer is affiliated with (conflicts of interest)."""
    return frozenset(
        m.unit_id for m in memberships_of(user) if m.role == Role.REVIEWER and m.unit_id
    )


def users_with_role(role: str) -> QuerySet[User]:
    return User.objects.filter(memberships__role=role).distinct()


def units_tree() -> QuerySet[Unit]:
    return Unit.objects.select_related("parent").order_by("level", "name")
