"""Read side of public voting: rules, live counts, the leaderboard, the chart
and the fraud-review figures. Nothing here counts ballots for a public page:
counts come from the tally shards (cached two seconds) and the distinct
voters from the latest snapshot.

Two modules: ``board`` (what the public and a voter see) and ``review``
(the organisers' fraud review and voters' pseudonyms). Callers import from
``voting.selectors``.
"""

from __future__ import annotations

from voting.selectors.board import (
    COUNTS_CACHE_SECONDS,
    OWN_VOTE_MARGIN,
    LeaderboardRow,
    Totals,
    VoterToday,
    case_window,
    chart_points,
    chart_svg,
    count_of,
    counts_key,
    is_open,
    leaderboard,
    live_counts,
    rules_of,
    totals,
    totals_key,
    voter_today,
    window,
)
from voting.selectors.review import (
    VOTER_LABEL_PREFIX,
    Burst,
    Pattern,
    VoterEvidence,
    new_account_bursts,
    normalise_voter_label,
    review_ballots,
    shared_ips,
    shared_subnets,
    shared_user_agents,
    suspicious_patterns,
    tally_check,
    void_batches,
    voter_label,
    voters_labelled,
    with_voter_evidence,
)

__all__ = [
    "COUNTS_CACHE_SECONDS",
    "OWN_VOTE_MARGIN",
    "VOTER_LABEL_PREFIX",
    "Burst",
    "LeaderboardRow",
    "Pattern",
    "Totals",
    "VoterEvidence",
    "VoterToday",
    "case_window",
    "chart_points",
    "chart_svg",
    "count_of",
    "counts_key",
    "is_open",
    "leaderboard",
    "live_counts",
    "new_account_bursts",
    "normalise_voter_label",
    "review_ballots",
    "rules_of",
    "shared_ips",
    "shared_subnets",
    "shared_user_agents",
    "suspicious_patterns",
    "tally_check",
    "totals",
    "totals_key",
    "void_batches",
    "voter_label",
    "voter_today",
    "voters_labelled",
    "window",
    "with_voter_evidence",
]
