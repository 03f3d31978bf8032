"""Public voting's domain error (permission refusals are the shared
portal.exceptions.PermissionDeniedError, raised by portal.permissions.require)."""

from __future__ import annotations

from portal.exceptions import PortalError
from voting.enums import REFUSAL_STATUS


class VotingError(PortalError):
    """A voting rule refused an action. Refusals of a vote carry their
    code's status (voting.enums.REFUSAL_STATUS) and, when known, what the
    voter has left today."""

    def __init__(self, message, *, code: str = "invalid", status: int | None = None, field: str | None = None,
                 votes_left: int | None = None, retry_after: int | None = None, case_id: int | None = None,
                 count: int | None = None, replayed: bool = False, title: str = ""):
        super().__init__(message, code=code, status=status or REFUSAL_STATUS.get(code), field=field)
        self.votes_left = votes_left
        self.retry_after = retry_after
        self.case_id = case_id
        self.count = count
        self.replayed = replayed
        self.title = title  # the case's title when the refusal is about one

    def body_extras(self) -> dict:
        extras = {}
        if self.votes_left is not None:
            extras["votes_left"] = self.votes_left
        if self.replayed:
            extras["replayed"] = True
        return extras
