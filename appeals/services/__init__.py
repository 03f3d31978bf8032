"""Every write of the appeals app, one function per business action."""

from appeals.services.catalogue_io import import_items, import_responsibilities
from appeals.services.dispatch import dispatch_appeal
from appeals.services.escalation import sweep_deadlines
from appeals.services.intake import (
    IntakeResult,
    capture_clue,
    convert_clue,
    file_appeal,
    file_for_caller,
    verify_clue,
)
from appeals.services.privacy import reveal_contact
from appeals.services.work import (
    accept_part,
    add_internal_note,
    decide_extension,
    reply_to_appeal,
    request_extension,
    resolve_appeal,
    return_part,
)

__all__ = [
    "IntakeResult", "accept_part", "add_internal_note", "capture_clue", "convert_clue", "decide_extension",
    "dispatch_appeal", "file_appeal", "file_for_caller", "import_items", "import_responsibilities",
    "reply_to_appeal", "request_extension", "resolve_appeal", "return_part", "reveal_contact",
    "sweep_deadlines", "verify_clue",
]
