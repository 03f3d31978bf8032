"""The case registry's domain error (permission refusals are the shared
portal.exceptions.PermissionDeniedError, raised by portal.permissions.require)."""

from portal.exceptions import PortalError


class CaseError(PortalError):
    """A rule of the case registry refused an action."""
