"""The one refusal hierarchy of the portal.

A service refuses by raising one of these; each carries the HTTP `status`,
a `code` stable for programs and a `message` shown to the user as it is
(translated), and `field` when the refusal is about one input. One place
turns a refusal into an answer: ``portal.errors.RefusalMiddleware`` for
pages (the error page, or an htmx fragment) and ``portal.api.exception_handler``
for the API (the shared error body). Views only turn refusals about the input
into form errors (``portal.errors.form_refusal``).

Some apps keep one error class of their own for their business-rule
refusals (``CaseError``, ``VotingError``); appeals raises the shared classes
below directly (its ``CatalogueImportError`` is an InvalidError listing bad
rows). Permission, not-found, rate-limit and outage refusals are always the
shared classes.
"""

from __future__ import annotations

from django.utils.translation import gettext as _


class PortalError(Exception):
    """A business rule refused an action; nothing was changed. `status`
    defaults to the class's (400 here) and may be given per refusal (409 for
    a state that does not allow the action, for example)."""

    status = 400
    default_code = "invalid"

    def __init__(self, message, *, code: str | None = None, status: int | None = None, field: str | None = None,
                 retry_after: int | None = None):
        super().__init__(str(message))
        self.message = message
        self.code = code or self.default_code
        self.field = field
        self.retry_after = retry_after
        if status is not None:
            self.status = status

    def body_extras(self) -> dict:
        """Top-level keys the API's error body carries besides ``error``
        (a vote's refusal says how many votes are left)."""
        return {}

    @property
    def about_input(self) -> bool:
        """A refusal of what was entered (400, 409, 413, 422): a form shows it
        beside its field. Anything else (403, 404, 429, 503) refuses the
        request itself and is answered with the error page."""
        return self.status in (400, 409, 413, 422)


class InvalidError(PortalError):
    status = 400
    default_code = "invalid"


class ConflictError(PortalError):
    """The object's state does not allow the action now."""

    status = 409
    default_code = "conflict"


class PermissionDeniedError(PortalError):
    status = 403
    default_code = "permission_denied"


class NotFoundError(PortalError):
    """The object does not exist, or the actor may not learn that it does
    (portal.permissions.require(..., conceal=True))."""

    status = 404
    default_code = "not_found"


class RateLimitedError(PortalError):
    """Too many attempts in a rate-limit window: 429, and how many seconds
    until the window ends (the Retry-After header)."""

    status = 429
    default_code = "rate_limited"

    def __init__(self, message=None, *, retry_after: int, **kwargs):
        if message is None:
            message = _("操作太频繁，请 %(seconds)d 秒后再试。") % {"seconds": retry_after}
        super().__init__(message, retry_after=retry_after, **kwargs)


class UnavailableError(PortalError):
    """A service the action needs is down: 503 with Retry-After, never 500."""

    status = 503
    default_code = "service_unavailable"

    def __init__(self, message, *, retry_after: int, **kwargs):
        super().__init__(message, retry_after=retry_after, **kwargs)
