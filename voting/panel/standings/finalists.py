"""The finalists' cut: the top n by valid votes, ties at the cut included."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from voting.panel.standings.arithmetic import competition_ranks


@dataclass(frozen=True)
class FinalistCut:
    n: int
    cut_votes: int | None  # votes of the last place inside the cut
    finalists: tuple[tuple[int, int, int], ...]  # (case id, votes, rank by votes)
    tied_at_cut: tuple[int, ...]  # case ids sharing the cut's vote count

    @property
    def case_ids(self) -> list[int]:
        return [case_id for case_id, _, _ in self.finalists]


def select_finalists(counts: Mapping[int, int] | Iterable[tuple[int, int]], n: int) -> FinalistCut:
    """The top ``n`` cases by valid votes, with every case tied at the cut
    included (so there may be more than ``n``)."""
    if n < 1:
        raise ValueError("the number of finalists must be at least 1")
    votes = dict(counts.items() if isinstance(counts, Mapping) else counts)
    if not votes:
        return FinalistCut(n=n, cut_votes=None, finalists=(), tied_at_cut=())
    ranks = competition_ranks(votes)
    ordered = sorted(votes.items(), key=lambda item: (-item[1], item[0]))
    cut_votes = ordered[min(n, len(ordered)) - 1][1]
    finalists = tuple((case_id, v, ranks[case_id]) for case_id, v in ordered if v >= cut_votes)
    at_cut = tuple(case_id for case_id, v, _ in finalists if v == cut_votes)
    tied = at_cut if len(at_cut) > 1 else ()
    return FinalistCut(n=n, cut_votes=cut_votes, finalists=finalists, tied_at_cut=tied)
