"""The domain error of the core; each app has one of its own like it."""

from __future__ import annotations


class PortalError(Exception):
    """A business rule refused an action. `message` is shown to the user as
    it is (translated); `code` is stable for programs; `status` is the HTTP
    status the API answers with."""

    status = 400

    def __init__(self, message, *, code: str = "invalid", status: int | None = None, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.code = code
        self.field = field
        if status is not None:
            self.status = status


class PermissionDeniedError(PortalError):
    status = 403

    def __init__(self, message, *, code: str = "permission_denied", **kwargs):
        super().__init__(message, code=code, **kwargs)
