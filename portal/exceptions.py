"""The domain error of the core; each app has one of its own like it."""

from __future__ import annotations

from django.utils.translation import gettext as _


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


class RateLimitedError(PortalError):
    """Too many attempts in a rate-limit window: 429, and how many seconds
    until the window ends (the Retry-After header)."""

    status = 429

    def __init__(self, message=None, *, retry_after: int, code: str = "rate_limited", **kwargs):
        if message is None:
            message = _("操作太频繁，请 %(seconds)d 秒后再试。") % {"seconds": retry_after}
        super().__init__(message, code=code, **kwargs)
        self.retry_after = retry_after
