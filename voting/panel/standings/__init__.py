"""Final standings and the finalists' cut: pure functions over plain data.

Nothing here reads the database. The selectors turn rows into the inputs
below; every number the organisers' live table, the public results page and
the exports show comes out of ``compute_standings``, so each line of a
published result can be re-done by hand (and the tests do exactly that).

The rules (DESIGN.md, "Expert scoring"):

- A review's total is ``100 × Σ(weight × mark ÷ max mark) ÷ Σ weight`` over
  the criteria it marked. With the default criteria (有效性 40, 创新性 30,
  反响度 30, each marked out of its weight) that is simply the sum of marks.
  An optional criterion left blank drops out of both sums.
- A review missing a required criterion is *incomplete*: it is listed, and
  it is left out of every number; it never counts as 0.
- Panel score of a case: trimmed mean (default: the mean after dropping one
  highest and one lowest total when there are at least 5 complete reviews),
  plain mean, median, or z-score: each reviewer's totals are standardised
  over the cases that reviewer scored (population standard deviation; a
  reviewer with fewer than two totals or with all totals equal gets z = 0),
  then put back on the panel's common 0–100 scale with the mean and
  standard deviation of all complete totals, clamped to 0–100, and averaged.
- Vote score (0–100): max-ratio ``votes ÷ highest finalist's votes × 100``
  (default); log-damped min–max ``(ln(1+v) − ln(1+min)) ÷ (ln(1+max) −
  ln(1+min)) × 100``; or rank points ``(N − vote rank + 1) ÷ N × 100``.
- Final score = vote weight × vote score + panel weight × panel score,
  computed exactly in Decimal and rounded once, to ``places`` decimals
  (half up). Vote, panel and final scores are each rounded once from their
  exact values; ranking uses the published (rounded) figures, so two cases
  that show the same final score are separated by the tie-break chain a
  reader can check: higher panel score, then count-back (more reviewers
  placing the case 1st, then 2nd, …, each reviewer's places among the cases
  they scored), then more valid votes. Still tied means a shared rank
  (1, 2, 2, 4); ids never decide a rank.

The steps, one module each: ``data`` (the records in and out),
``arithmetic`` (exact means, rounding, competition ranks), ``scores``
(review totals, vote scores), ``compute`` (the standings), ``ranking`` (the
tie-break chain), ``finalists`` (the cut), ``hints`` (outlier reviewers).
"""

from voting.panel.standings.arithmetic import competition_ranks, quantize
from voting.panel.standings.compute import TRIM_MIN_REVIEWS, compute_standings
from voting.panel.standings.data import (
    CaseInput,
    Criterion,
    ReviewInput,
    ReviewLine,
    Standing,
    Standings,
    StandingsSettings,
)
from voting.panel.standings.finalists import FinalistCut, select_finalists
from voting.panel.standings.hints import ReviewerHint, outlier_hints
from voting.panel.standings.ranking import TIE_BREAKS
from voting.panel.standings.scores import review_total, vote_scores

__all__ = [
    "TIE_BREAKS",
    "TRIM_MIN_REVIEWS",
    "CaseInput",
    "Criterion",
    "FinalistCut",
    "ReviewInput",
    "ReviewLine",
    "ReviewerHint",
    "Standing",
    "Standings",
    "StandingsSettings",
    "competition_ranks",
    "compute_standings",
    "outlier_hints",
    "quantize",
    "review_total",
    "select_finalists",
    "vote_scores",
]
