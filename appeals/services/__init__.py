"""Every write of the appeals app, one function per business action."""

from appeals.services.calendar import clear_calendar_day, import_calendar, set_calendar_day
from appeals.services.catalogue_io import apply_import, preview_import
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
from appeals.services.clusters import (
    compute_clusters,
    confirm_cluster,
    dismiss_cluster,
    merge_clusters,
    reply_to_cluster,
    split_cluster,
)
from appeals.services.privacy import require_reveal, reveal_contact
from appeals.services.publication import add_me_too, edit_public_text, moderate_appeal, withdraw_publish_consent
from appeals.services.ratings import (
    check_rectification,
    rate_appeal,
    require_rectifier,
    submit_rectification,
    sweep_ratings,
)
from appeals.services.stats import recompute_all, recompute_daily_stats, recompute_recent
from appeals.services.work import (
    accept_part,
    add_internal_note,
    decide_extension,
    reply_to_appeal,
    request_extension,
    require_note,
    require_part,
    resolve_appeal,
    return_part,
)

__all__ = [
    "IntakeResult", "accept_part", "clear_calendar_day", "import_calendar", "set_calendar_day", "add_internal_note", "capture_clue", "convert_clue", "decide_extension",
    "dispatch_appeal", "file_appeal", "file_for_caller", "apply_import", "preview_import",
    "reply_to_appeal", "request_extension", "resolve_appeal", "return_part", "require_note", "require_part", "require_rectifier", "require_reveal", "reveal_contact",
    "sweep_deadlines", "verify_clue",
    "add_me_too", "check_rectification", "compute_clusters", "confirm_cluster", "dismiss_cluster", "edit_public_text",
    "merge_clusters", "moderate_appeal", "rate_appeal", "recompute_all", "recompute_daily_stats", "recompute_recent", "reply_to_cluster",
    "split_cluster", "submit_rectification", "sweep_ratings", "withdraw_publish_consent",
]
