"""Reads of portal administration. Only staff accounts are ever listed or
looked up here, and their contacts only masked: a portal administrator
cannot find a resident by phone or e-mail through these pages (issue 14)."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from portal import selectors as portal_selectors
from portal.enums import NotificationChannel, Role
from portal.models import AuditEntry, Invitation, Membership, Unit, User

STAFF_ROLES = [Role.UNIT_STAFF, Role.DISPATCHER, Role.ORGANISER, Role.PORTAL_ADMIN, Role.REVIEWER]


def staff_accounts() -> QuerySet[User]:
    """Accounts holding at least one role (residents never)."""
    return User.objects.filter(Exists(Membership.objects.filter(user=OuterRef("pk"))))


def ancestor_ids(unit: Unit) -> list[int]:
    """Ids of the unit's parent, its parent's parent, … (one query)."""
    rows = Unit.objects.raw(
        """WITH RECURSIVE up(id, parent_id) AS (
               SELECT id, parent_id FROM portal_unit WHERE id = %s
               UNION SELECT u.id, u.parent_id FROM portal_unit u JOIN up ON u.id = up.parent_id)
           SELECT id, parent_id FROM up""", [unit.pk])
    return [row.pk for row in rows if row.pk != unit.pk]


def unit_tree() -> list[tuple[Unit, int]]:
    """Every unit in tree order with its depth (0 at the top), each with its
    staff count; one query for the units."""
    units = list(Unit.objects.annotate(
        staff_count=Count("memberships", filter=Q(memberships__role=Role.UNIT_STAFF, memberships__user__is_active=True))
    ).order_by("name"))
    children: dict[int | None, list[Unit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    ordered: list[tuple[Unit, int]] = []
    known = {u.pk for u in units}

    def walk(parent_id, depth):
        for unit in children.get(parent_id, []):
            ordered.append((unit, depth))
            walk(unit.pk, depth + 1)

    walk(None, 0)
    # A unit whose parent is missing (never, with the foreign key) would be left out: keep it at the top.
    listed = {u.pk for u, _depth in ordered}
    ordered += [(u, 0) for u in units if u.pk not in listed and u.parent_id not in known]
    return ordered


def active_units() -> QuerySet[Unit]:
    return Unit.objects.filter(is_active=True).order_by("name")


def unit_staff(unit: Unit) -> QuerySet[Membership]:
    """The unit's staff, with whether each has enrolled a second factor."""
    return (
        Membership.objects.filter(unit=unit, role=Role.UNIT_STAFF)
        .select_related("user")
        .annotate(has_totp=Exists(Authenticator.objects.filter(user=OuterRef("user_id"), type=Authenticator.Type.TOTP)))
        .order_by("user__display_name", "pk")
    )


def centre_staff() -> QuerySet[User]:
    """Staff with a role outside any unit (dispatchers, organisers, portal
    administrators, reviewers), their memberships loaded."""
    return (
        staff_accounts().filter(memberships__unit__isnull=True).distinct()
        .prefetch_related(Prefetch("memberships", queryset=Membership.objects.select_related("unit")))
        .annotate(has_totp=Exists(Authenticator.objects.filter(user=OuterRef("pk"), type=Authenticator.Type.TOTP)))
        .order_by("display_name", "pk")
    )


def staff_member(user_id) -> User | None:
    try:
        return (
            staff_accounts()
            .prefetch_related(Prefetch("memberships", queryset=Membership.objects.select_related("unit").order_by("pk")))
            .annotate(has_totp=Exists(Authenticator.objects.filter(user=OuterRef("pk"), type=Authenticator.Type.TOTP)))
            .get(pk=int(user_id))
        )
    except (TypeError, ValueError, User.DoesNotExist):
        return None


def open_invitations(unit: Unit | None = None) -> QuerySet[Invitation]:
    rows = Invitation.objects.filter(accepted_at__isnull=True, revoked_at__isnull=True).select_related("unit", "invited_by")
    if unit is not None:
        rows = rows.filter(unit=unit)
    return rows.order_by("-created_at", "-pk")


def audit_entries() -> QuerySet[AuditEntry]:
    return AuditEntry.objects.select_related("actor", "user", "unit").order_by("-at", "-pk")


def contact_has_account(invitation: Invitation) -> bool:
    """Whether an account already verified the invited contact (asked only
    for the person holding the invitation's link, never for an administrator)."""
    if invitation.channel == NotificationChannel.SMS:
        return portal_selectors.account_with_verified_phone(invitation.contact) is not None
    return portal_selectors.account_with_verified_email(invitation.contact) is not None
