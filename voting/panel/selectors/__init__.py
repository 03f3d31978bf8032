"""Read side of the expert panel, by concept: the set-up (settings, the cut,
finalists, criteria, seats), reviewing (progress, queues, a reviewer's case)
and results (standings, published versions). Callers use
``voting.panel.selectors.<name>``."""

from voting.panel.selectors.setup import (  # noqa: F401
    settings_of,
    valid_vote_counts,
    current_cut,
    cuts,
    finalists,
    finalist_ids,
    criteria_of,
    criteria_frozen,
    seats,
    seat_prefetch,
    DEFAULT_CRITERIA,
)
from voting.panel.selectors.reviewing import (  # noqa: F401
    panel_campaigns,
    CaseProgress,
    ReviewerProgress,
    PanelProgress,
    panel_progress,
    QueueItem,
    queue,
    SkippedPair,
    skipped_for_conflict,
    case_for_reviewer,
    own_review,
    reviewer_labels,
    OtherMark,
    marks_after_submitting,
)
from voting.panel.selectors.results import (  # noqa: F401
    standings_settings,
    standings,
    breakdown,
    completeness,
    hints,
    reviews_to_reopen,
    reviewer_profiles,
    result_versions,
    published_editions,
    published,
)
