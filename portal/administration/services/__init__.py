"""Writes of portal administration: the unit tree, invitations, roles and
accounts. Each checks ``portal.manage_accounts`` (a portal administrator or
a superuser), refuses with the shared refusal kinds and records one audit
row in its own transaction. One module per concept: units, invitations,
staff; common holds the permission and the unit lookup they share."""

from portal.administration.services.common import ADMINS_ONLY, PERM
from portal.administration.services.invitations import (
    accept_invitation, invite_staff, open_invitation, revoke_invitation, token_digest,
)
from portal.administration.services.staff import (
    deactivate_account, grant_staff_role, move_staff, reactivate_account, revoke_staff_role,
)
from portal.administration.services.units import create_unit, delete_unit, move_unit, rename_unit, set_unit_active

__all__ = [
    "ADMINS_ONLY", "PERM", "accept_invitation", "create_unit", "deactivate_account", "delete_unit", "grant_staff_role",
    "invite_staff", "move_staff", "move_unit", "open_invitation", "reactivate_account", "rename_unit",
    "revoke_invitation", "revoke_staff_role", "set_unit_active", "token_digest",
]
