"""The case registry's domain error."""

from portal.exceptions import PermissionDeniedError, PortalError


class CaseError(PortalError):
    """A rule of the case registry refused an action."""


class CasePermissionError(CaseError, PermissionDeniedError):
    status = 403

    def __init__(self, message, *, code: str = "permission_denied", **kwargs):
        super().__init__(message, code=code, **kwargs)
