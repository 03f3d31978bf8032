"""Ranks from the published (rounded) final scores and the tie-break chain a
reader can check: panel score, count-back, votes; still tied is a shared rank."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from decimal import Decimal

from voting.panel.standings.arithmetic import competition_ranks
from voting.panel.standings.data import Standing

# The tie-break chain, in order, after the (published) final score.
TIE_BREAKS = ("panel_score", "countback", "votes")


def tie_chain(row: Standing) -> tuple:
    return (row.final_score, row.panel_score, row.countback, row.votes)


def rank_rows(rows: list[Standing]) -> list[Standing]:
    scored = [r for r in rows if r.final_score is not None]
    unscored = sorted((r for r in rows if r.final_score is None), key=lambda r: (-r.votes, r.title))
    ranks = competition_ranks({r.case_id: r for r in scored}, key=tie_chain)
    # Order inside a shared rank is by title only so the list reads the same
    # every time; the rank itself is shared.
    scored.sort(key=lambda r: (ranks[r.case_id], r.title))

    same_final: dict[Decimal, list[Standing]] = defaultdict(list)
    for row in scored:
        same_final[row.final_score].append(row)
    levels = (*TIE_BREAKS, "shared")
    ranked = []
    for row in scored:
        # The deepest link of the chain needed to place this case among the
        # cases showing the same final score.
        needed = [separating_level(row, other) for other in same_final[row.final_score] if other is not row]
        tie_break = max(needed, key=levels.index) if needed else ""
        ranked.append(replace(row, rank=ranks[row.case_id], tie_break=tie_break))
    return ranked + unscored


def separating_level(a: Standing, b: Standing) -> str:
    """The first link of the tie-break chain that tells two cases with the
    same final score apart, or "shared"."""
    for name, left, right in zip(TIE_BREAKS, tie_chain(a)[1:], tie_chain(b)[1:]):
        if left != right:
            return name
    return "shared"
