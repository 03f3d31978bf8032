"""Read side of the core: who holds which role, and the notifications sent about a record."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.mfa.models import Authenticator
from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.utils import timezone

from portal.enums import ConflictReason, Role
from portal.models import ApiToken, Membership, Notification, Unit, User

_CACHE_ATTR = "_portal_memberships"
_CONFLICTS_ATTR = "_portal_conflicts"


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
    for attr in (_CACHE_ATTR, _CONFLICTS_ATTR):
        if hasattr(user, attr):
            delattr(user, attr)


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
    """Units a reviewer declared an affiliation with (one input of conflicted_units)."""
    return frozenset(
        m.unit_id for m in memberships_of(user) if m.role == Role.REVIEWER and m.unit_id
    )


@dataclass(frozen=True)
class Conflict:
    """A unit whose cases the user may not review, and why: `via` is the
    unit the user belongs to that makes the conflict (the same unit, its
    child or its parent)."""

    reason: str
    via: Unit


def _conflicts(memberships: list[Membership], children: dict[int, list[int]]) -> dict[int, Conflict]:
    own: dict[int, Conflict] = {}
    related: dict[int, Conflict] = {}
    for m in memberships:
        if m.unit_id is None:
            continue
        reason = ConflictReason.DECLARED if m.role == Role.REVIEWER else ConflictReason.OWN_UNIT
        if m.unit_id not in own or reason == ConflictReason.OWN_UNIT:
            own[m.unit_id] = Conflict(reason=reason, via=m.unit)
        if m.unit.parent_id:
            related.setdefault(m.unit.parent_id, Conflict(reason=ConflictReason.PARENT_UNIT, via=m.unit))
        for child_id in children.get(m.unit_id, ()):
            related.setdefault(child_id, Conflict(reason=ConflictReason.CHILD_UNIT, via=m.unit))
    return related | own  # belonging to the unit itself is the reason shown


def conflicted_units_of(users) -> dict[int, dict[int, Conflict]]:
    """conflicted_units for many users in two queries (assignment, the desk)."""
    users = list(users)
    memberships: dict[int, list[Membership]] = {u.pk: [] for u in users}
    for m in Membership.objects.filter(user__in=users, unit__isnull=False).select_related("unit").order_by("pk"):
        memberships[m.user_id].append(m)
    unit_ids = {m.unit_id for rows in memberships.values() for m in rows}
    children: dict[int, list[int]] = {}
    for pk, parent_id in Unit.objects.filter(parent_id__in=unit_ids).values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    return {user_id: _conflicts(rows, children) for user_id, rows in memberships.items()}


def conflicted_units(user) -> dict[int, Conflict]:
    """Units whose cases the user may not see or score as a reviewer: every
    unit they belong to (unit staff, a declared reviewer affiliation, any
    membership with a unit), and each of those units' parent and child
    units. Keyed by unit id; kept on the user for the request."""
    if not getattr(user, "is_authenticated", False):
        return {}
    cached = getattr(user, _CONFLICTS_ATTR, None)
    if cached is None:
        rows = [m for m in memberships_of(user) if m.unit_id]
        children: dict[int, list[int]] = {}
        if rows:
            for pk, parent_id in Unit.objects.filter(parent_id__in={m.unit_id for m in rows}).values_list("pk", "parent_id"):
                children.setdefault(parent_id, []).append(pk)
        cached = _conflicts(rows, children)
        setattr(user, _CONFLICTS_ATTR, cached)
    return cached


def has_totp(user) -> bool:
    """Whether the user holds a TOTP authenticator (allauth MFA)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def api_tokens_of(user) -> QuerySet[ApiToken]:
    """The user's unexpired API tokens, newest first (never their secret)."""
    return ApiToken.objects.filter(user=user, expiry__gt=timezone.now()).order_by("-created")


def users_with_role(role: str) -> QuerySet[User]:
    return User.objects.filter(memberships__role=role).distinct()


def units_tree() -> QuerySet[Unit]:
    return Unit.objects.select_related("parent").order_by("level", "name")


def notifications_about(obj) -> QuerySet[Notification]:
    """The e-mails and SMS queued about `obj` (an appeal), oldest first."""
    return Notification.objects.filter(
        about_type=ContentType.objects.get_for_model(obj), about_id=obj.pk
    ).order_by("created_at", "pk")


def account_with_verified_email(email: str) -> User | None:
    """The one account that verified this address (allauth's EmailAddress
    keeps verified addresses unique)."""
    from allauth.account.models import EmailAddress

    found = EmailAddress.objects.filter(email__iexact=email, verified=True).select_related("user").first()
    return found.user if found else None


def unclaimed_email_signup(email: str) -> User | None:
    """An account whose only way in is this still unverified address (a
    sign-up abandoned before its code, a reviewer invited by e-mail): the
    code goes to the address, so whoever receives it owns the account. One
    with a phone number or a password is never one (a squatter could have
    typed someone else's address next to their own number)."""
    return (
        User.objects.filter(email__iexact=email, phone__isnull=True, is_active=True, password__startswith="!")
        .exclude(emailaddress__verified=True)
        .order_by("pk")
        .first()
    )


def account_with_verified_phone(phone: str) -> User | None:
    """The one account that verified this number (the database keeps it one)."""
    return User.objects.filter(phone=phone, phone_verified=True).first()


def unclaimed_phone_signup(phone: str) -> User | None:
    """An account whose only way in is this still unverified number (a sign-up
    abandoned before its code, a reviewer invited by phone): whoever receives
    a code at the number owns it, so signing in by code may verify it. An
    account with an email address or a password is never one. The sign-in
    forms fall back on it when no account verified the number."""
    return (
        User.objects.filter(phone=phone, phone_verified=False, email__isnull=True, is_active=True,
                            password__startswith="!", emailaddress__isnull=True)
        .order_by("pk")
        .first()
    )
