"""Writes of public voting: casting a vote, voiding ballots, the campaign's
rules, tallies and snapshots. Why the data is shaped as it is: see the
docstring of voting/models.py.

``cast_vote`` is the one way a vote is counted (pages and API call it). It
never reads and then writes: the per-case quota is the ballot's unique key,
the daily quota an atomic upsert on the voter's day row, the tally a sharded
counter bumped in the same statement, all in one transaction that commits
before the caller is told "accepted".

One module per concept: ``casting`` (the vote and its refusals), ``tallies``
(vote counts, rollups and snapshots), ``voting_rules`` (a campaign's quotas
and account rules) and ``voiding``. Callers import from ``voting.services``.
"""

from __future__ import annotations

from voting.services.casting import (
    IDEMPOTENCY_KEY_MAX,
    VOTE_RACE_SQLSTATE,
    VoteAccepted,
    cast_vote,
    client_ip,
    purge_vote_requests,
    refusal_message,
    refuse,
    shard_of,
)
from voting.services.voting_rules import check_quotas, set_rules
from voting.services.tallies import (
    ROLLUP_EVERY_SECONDS,
    ROLLUP_TASK,
    defer_rollup,
    recount_tallies,
    rollup_and_defer,
    rollup_due,
    rollup_vote_counts,
    take_snapshot,
    voting_open_campaign_ids,
)
from voting.services.voiding import void_ballots

__all__ = [
    "IDEMPOTENCY_KEY_MAX", "ROLLUP_EVERY_SECONDS", "ROLLUP_TASK", "VOTE_RACE_SQLSTATE", "VoteAccepted", "cast_vote",
    "check_quotas",
    "client_ip", "defer_rollup", "purge_vote_requests", "recount_tallies", "refusal_message", "refuse",
    "rollup_and_defer", "rollup_due", "rollup_vote_counts", "set_rules", "shard_of", "take_snapshot",
    "void_ballots", "voting_open_campaign_ids",
]
