"""The standings function against hand-computed examples.

Every expected number below was worked out by hand; the working is written
next to it so a reader can check the rule, not just the code.
"""

from __future__ import annotations

from decimal import Decimal as D
from decimal import localcontext

import pytest

from voting.panel.enums import Aggregate, VoteMethod
from voting.panel.standings import (
    CaseInput,
    Criterion,
    ReviewInput,
    StandingsSettings,
    compute_standings,
    outlier_hints,
    review_total,
    select_finalists,
)

# The defaults: each criterion marked out of its weight, so a total is the sum.
DEFAULT_CRITERIA = (
    Criterion("eff", "有效性", D(40), D(40)),
    Criterion("inn", "创新性", D(30), D(30)),
    Criterion("res", "反响度", D(30), D(30)),
)


def marks_for(total: int) -> dict:
    """Default-criteria marks adding up to ``total`` (40/30/30 split, rest on 有效性)."""
    inn = res = total * 3 // 10
    return {"eff": D(total - inn - res), "inn": D(inn), "res": D(res)}


def reviews_of(case_id: int, totals: dict[int, int]) -> list[ReviewInput]:
    return [ReviewInput(reviewer, case_id, marks_for(total)) for reviewer, total in totals.items()]


def standings(cases, reviews, criteria=DEFAULT_CRITERIA, **settings):
    return compute_standings(cases=cases, reviews=reviews, criteria=criteria, settings=StandingsSettings(**settings))


# --- a review's total ----------------------------------------------------------


def test_default_criteria_total_is_the_sum_of_marks():
    # 35 + 27 + 26 = 88; each weight equals its maximum, so nothing is rescaled.
    total, missing = review_total({"eff": D(35), "inn": D(27), "res": D(26)}, DEFAULT_CRITERIA)
    assert total == D(88)
    assert missing == ()


def test_total_weighs_marks_against_their_maximum():
    # Marked out of 10 each, weights 40/30/30:
    # 100 × (40 × 8/10 + 30 × 9/10 + 30 × 7/10) ÷ 100 = 32 + 27 + 21 = 80.
    criteria = (Criterion("a", "有效性", D(40), D(10)), Criterion("b", "创新性", D(30), D(10)),
                Criterion("c", "反响度", D(30), D(10)))
    total, _ = review_total({"a": D(8), "b": D(9), "c": D(7)}, criteria)
    assert total == D(80)


def test_blank_optional_criterion_drops_out_of_both_sums():
    # 反响度 optional and left blank: 100 × (40 × 32/40 + 30 × 24/30) ÷ (40 + 30) = 100 × 56 ÷ 70 = 80.
    criteria = (DEFAULT_CRITERIA[0], DEFAULT_CRITERIA[1], Criterion("res", "反响度", D(30), D(30), required=False))
    total, missing = review_total({"eff": D(32), "inn": D(24), "res": None}, criteria)
    assert total == D(80)
    assert missing == ()


def test_blank_required_criterion_makes_the_review_incomplete_not_zero():
    total, missing = review_total({"eff": D(32), "inn": None, "res": D(20)}, DEFAULT_CRITERIA)
    assert total is None
    assert missing == ("inn",)


def test_mark_above_the_maximum_is_refused():
    with pytest.raises(ValueError, match="outside"):
        standings([CaseInput(1, 10)], [ReviewInput(1, 1, {"eff": D(41), "inn": D(1), "res": D(1)})])


# --- panel score: each aggregate ---------------------------------------------------


def test_trimmed_mean_drops_one_highest_and_one_lowest_at_five_reviews():
    # 92, 88, 75, 95, 60 → drop 95 and 60 → (92 + 88 + 75) ÷ 3 = 255 ÷ 3 = 85.0
    result = standings([CaseInput(1, 1000)], reviews_of(1, {1: 92, 2: 88, 3: 75, 4: 95, 5: 60}))
    row = result.row(1)
    assert row.panel_score == D("85.00")
    assert row.panel_score_exact == D(85)
    dropped = {line.reviewer_id: line.dropped for line in row.reviews}
    assert dropped == {1: "", 2: "", 3: "", 4: "highest", 5: "lowest"}
    # Final: 0.3 × 100 (the only finalist has the most votes) + 0.7 × 85 = 30 + 59.5 = 89.5
    assert row.vote_score == D("100.00")
    assert row.vote_part == D(30)
    assert row.panel_part == D("59.5")
    assert row.final_score == D("89.50")


def test_trimmed_mean_keeps_every_total_below_five_reviews():
    # Four reviews 92, 88, 75, 95 → nothing dropped → 350 ÷ 4 = 87.5
    row = standings([CaseInput(1, 1000)], reviews_of(1, {1: 92, 2: 88, 3: 75, 4: 95})).row(1)
    assert row.panel_score == D("87.50")
    assert all(line.used for line in row.reviews)


def test_mean_uses_every_complete_total():
    # (92 + 88 + 75 + 95 + 60) ÷ 5 = 410 ÷ 5 = 82
    row = standings([CaseInput(1, 1000)], reviews_of(1, {1: 92, 2: 88, 3: 75, 4: 95, 5: 60}),
                    aggregate=Aggregate.MEAN).row(1)
    assert row.panel_score == D("82.00")


def test_median_of_odd_and_even_counts():
    # 60, 75, 88, 92, 95 → 88; 75, 88, 92, 95 → (88 + 92) ÷ 2 = 90
    odd = standings([CaseInput(1, 1)], reviews_of(1, {1: 92, 2: 88, 3: 75, 4: 95, 5: 60}), aggregate=Aggregate.MEDIAN)
    even = standings([CaseInput(1, 1)], reviews_of(1, {1: 92, 2: 88, 3: 75, 4: 95}), aggregate=Aggregate.MEDIAN)
    assert odd.row(1).panel_score == D("88.00")
    assert even.row(1).panel_score == D("90.00")


def test_zscore_corrects_a_strict_and_a_lenient_reviewer():
    # Reviewer 1 gives A 79 and B 81 (mean 80, sd 1); reviewer 2 gives A 73 and
    # B 87 (mean 80, sd 7). Both put A one sd below their mean (z = −1) and B one
    # above (z = +1). All four totals 79, 81, 73, 87: mean 80, deviations −1, 1,
    # −7, 7, variance (1 + 1 + 49 + 49) ÷ 4 = 25, sd 5. On that common scale
    # A → 80 − 5 = 75 for both reviewers, B → 85. (Plain means: 76 and 84.)
    reviews = [ReviewInput(1, 1, marks_for(79)), ReviewInput(1, 2, marks_for(81)),
               ReviewInput(2, 1, marks_for(73)), ReviewInput(2, 2, marks_for(87))]
    result = standings([CaseInput(1, 100), CaseInput(2, 100)], reviews, aggregate=Aggregate.ZSCORE)
    assert result.panel_mean == D(80)
    assert result.panel_sd == D(5)
    assert result.reviewer_scales == {1: (D(80), D(1)), 2: (D(80), D(7))}
    assert [line.adjusted for line in result.row(1).reviews] == [D(75), D(75)]
    assert result.row(1).panel_score == D("75.00")
    assert result.row(2).panel_score == D("85.00")


def test_zscore_reviewer_with_equal_totals_sits_at_the_panel_mean():
    # Reviewer 1: A 70, B 90 (z −1, +1); reviewer 2: A 80, B 80 (sd 0 → z 0).
    # Totals 70, 90, 80, 80: mean 80, variance (100 + 100 + 0 + 0) ÷ 4 = 50, sd √50 = 7.0710678…
    # A = (80 − 7.0710678 + 80) ÷ 2 = 76.4644661… → 76.46; B = 83.5355339… → 83.54
    reviews = [ReviewInput(1, 1, marks_for(70)), ReviewInput(1, 2, marks_for(90)),
               ReviewInput(2, 1, marks_for(80)), ReviewInput(2, 2, marks_for(80))]
    result = standings([CaseInput(1, 100), CaseInput(2, 100)], reviews, aggregate=Aggregate.ZSCORE)
    assert result.row(1).reviews[1].adjusted == D(80)
    assert result.row(1).panel_score == D("76.46")
    assert result.row(2).panel_score == D("83.54")


def test_zscore_adjusted_totals_stay_within_0_and_100():
    # Reviewer 1: 50, 50, 50, 100 (the 100 is z = √3 ≈ 1.73); reviewer 2 gives 95 to
    # all four. Totals (250 + 380) ÷ 8 = 78.75, sd ≈ 22.33; 78.75 + 22.33 × 1.73 ≈ 117 → clamped
    # to 100. Reviewer 2's totals are all equal (z = 0) → 78.75. Case 4: (100 + 78.75) ÷ 2 = 89.375 → 89.38.
    reviews = [ReviewInput(1, case, marks_for(total)) for case, total in {1: 50, 2: 50, 3: 50, 4: 100}.items()]
    reviews += [ReviewInput(2, case, marks_for(95)) for case in (1, 2, 3, 4)]
    result = standings([CaseInput(c, 10) for c in (1, 2, 3, 4)], reviews, aggregate=Aggregate.ZSCORE)
    assert result.row(4).reviews[0].adjusted == D(100)
    assert result.row(4).reviews[1].adjusted == D("78.75")
    assert result.row(4).panel_score == D("89.38")


# --- vote score: each method -------------------------------------------------------


def test_vote_score_max_ratio():
    # 1000 → 100; 800 → 80; 250 → 25
    result = standings([CaseInput(1, 1000), CaseInput(2, 800), CaseInput(3, 250)], [])
    assert [result.row(c).vote_score for c in (1, 2, 3)] == [D("100.00"), D("80.00"), D("25.00")]


def test_vote_score_log_damped_min_max():
    # ln(1+99) = ln 100, ln(1+9) = ln 10, ln(1+0) = 0:
    # 99 → 100; 9 → ln 10 ÷ ln 100 × 100 = 50; 0 → 0
    result = standings([CaseInput(1, 99), CaseInput(2, 9), CaseInput(3, 0)], [], vote_method=VoteMethod.LOG_MINMAX)
    assert [result.row(c).vote_score for c in (1, 2, 3)] == [D("100.00"), D("50.00"), D("0.00")]


def test_vote_score_rank_points_share_tied_ranks():
    # 500, 300, 300, 100 → vote ranks 1, 2, 2, 4 of N = 4 →
    # (4 − 1 + 1) ÷ 4 = 100; (4 − 2 + 1) ÷ 4 = 75 twice; (4 − 4 + 1) ÷ 4 = 25
    cases = [CaseInput(1, 500), CaseInput(2, 300), CaseInput(3, 300), CaseInput(4, 100)]
    result = standings(cases, [], vote_method=VoteMethod.RANK_POINTS)
    assert [result.row(c).vote_rank for c in (1, 2, 3, 4)] == [1, 2, 2, 4]
    assert [result.row(c).vote_score for c in (1, 2, 3, 4)] == [D("100.00"), D("75.00"), D("75.00"), D("25.00")]


def test_no_votes_at_all_gives_zero_vote_scores():
    result = standings([CaseInput(1, 0), CaseInput(2, 0)], [])
    assert {r.vote_score for r in result.rows} == {D("0.00")}


# --- final score -----------------------------------------------------------------


def test_worked_example_of_three_finalists():
    # Votes 1000, 800, 250 → vote scores 100, 80, 25.
    # Panels (3 reviews, plain mean): A 80, 85, 90 → 85; B 90, 95, 94 → 93; C 70, 72, 74 → 72.
    # Final = 0.3 × vote + 0.7 × panel:
    #   A 30 + 59.5 = 89.5;  B 24 + 65.1 = 89.1;  C 7.5 + 50.4 = 57.9
    reviews = (reviews_of(1, {1: 80, 2: 85, 3: 90}) + reviews_of(2, {1: 90, 2: 95, 3: 94})
               + reviews_of(3, {1: 70, 2: 72, 3: 74}))
    result = standings([CaseInput(1, 1000, "A"), CaseInput(2, 800, "B"), CaseInput(3, 250, "C")], reviews)
    assert [(r.title, r.rank, r.final_score) for r in result.rows] == [
        ("A", 1, D("89.50")), ("B", 2, D("89.10")), ("C", 3, D("57.90")),
    ]
    b = result.row(2)
    assert (b.votes, b.vote_score, b.vote_part, b.panel_score, b.panel_part) == (800, D("80.00"), D(24), D("93.00"), D("65.1"))
    # Per-criterion averages of B: marks_for(90) = 36/27/27, 95 = 39/28/28, 94 = 38/28/28
    # → 有效性 (36 + 39 + 38) ÷ 3 = 37.67, 创新性 and 反响度 (27 + 28 + 28) ÷ 3 = 27.67
    assert b.criterion_averages == {"eff": D("37.67"), "inn": D("27.67"), "res": D("27.67")}


def test_weights_are_campaign_settings():
    # 0.5 / 0.5: A 50 + 42.5 = 92.5; B 40 + 46.5 = 86.5
    reviews = reviews_of(1, {1: 80, 2: 85, 3: 90}) + reviews_of(2, {1: 90, 2: 95, 3: 94})
    result = standings([CaseInput(1, 1000), CaseInput(2, 800)], reviews,
                       vote_weight=D("0.5"), panel_weight=D("0.5"))
    assert [result.row(c).final_score for c in (1, 2)] == [D("92.50"), D("86.50")]


def test_weights_must_add_up_to_one():
    with pytest.raises(ValueError, match="add up to 1"):
        standings([CaseInput(1, 1)], [], vote_weight=D("0.4"), panel_weight=D("0.7"))


def test_final_score_is_rounded_once_from_exact_parts():
    # Votes 600 of the top 1100: vote score 600 ÷ 1100 × 100 = 54.5454… (shown 54.55).
    # Panel 80. Exact final 0.3 × 54.5454… + 56 = 72.3636… → 72.36.
    # Rounding the vote score first would give 0.3 × 54.55 + 56 = 72.365 → 72.37 (wrong).
    reviews = reviews_of(1, {1: 80}) + reviews_of(2, {1: 80})
    row = standings([CaseInput(1, 600), CaseInput(2, 1100)], reviews).row(1)
    assert row.vote_score == D("54.55")
    assert row.final_score == D("72.36")
    with localcontext(prec=40):  # the precision the function computes in
        assert row.final_score_exact == row.vote_part + row.panel_part


# --- incomplete reviews --------------------------------------------------------------


def test_incomplete_review_is_left_out_never_counted_as_zero():
    # Five reviews, one of them missing 创新性: four complete 92, 88, 75, 95 → fewer than
    # five, nothing trimmed → 350 ÷ 4 = 87.5. (As a 0 it would have been
    # (92 + 88 + 75) ÷ 3 = 85 trimmed, or 350 ÷ 5 = 70 as a mean.)
    reviews = reviews_of(1, {1: 92, 2: 88, 3: 75, 4: 95})
    reviews.append(ReviewInput(5, 1, {"eff": D(20), "inn": None, "res": D(10)}))
    row = standings([CaseInput(1, 1000)], reviews).row(1)
    assert row.panel_score == D("87.50")
    assert (row.complete_reviews, row.incomplete_reviews) == (4, 1)
    incomplete = row.reviews[4]
    assert (incomplete.total, incomplete.missing, incomplete.dropped, incomplete.used) == (None, ("inn",), "incomplete", False)


def test_case_with_only_incomplete_reviews_has_no_panel_score_and_no_rank():
    reviews = reviews_of(1, {1: 80}) + [ReviewInput(1, 2, {"eff": D(30)})]
    result = standings([CaseInput(1, 10, "A", assigned=2), CaseInput(2, 1000, "B", assigned=2)], reviews)
    assert [(r.title, r.rank) for r in result.rows] == [("A", 1), ("B", None)]
    b = result.row(2)
    assert (b.panel_score, b.final_score, b.missing_reviews) == (None, None, 2)
    assert result.row(1).missing_reviews == 1


# --- ties in the final ranking ------------------------------------------------------------


def test_equal_final_scores_go_to_the_higher_panel_score():
    # A: votes 1000 → 100, panel 80: 30 + 56 = 86.0
    # B: votes 930 → 93, panel 83: 27.9 + 58.1 = 86.0 → B first on panel score
    reviews = reviews_of(1, {1: 80, 2: 80, 3: 80}) + reviews_of(2, {1: 83, 2: 83, 3: 83})
    result = standings([CaseInput(1, 1000, "A"), CaseInput(2, 930, "B")], reviews)
    assert [(r.title, r.rank, r.final_score, r.tie_break) for r in result.rows] == [
        ("B", 1, D("86.00"), "panel_score"), ("A", 2, D("86.00"), "panel_score"),
    ]


def test_equal_final_and_panel_scores_go_to_the_count_back():
    # A and B: 500 votes each, panel (90 + 79 + 86) ÷ 3 = (80 + 91 + 84) ÷ 3 = 85.
    # Places: reviewer 1 puts A 1st, B 2nd; reviewer 2 B 1st, A 2nd; reviewer 3 A 1st, B 2nd.
    # A has two 1st places, B one → A ranks above B. C is 3rd for everyone.
    reviews = (reviews_of(1, {1: 90, 2: 79, 3: 86}) + reviews_of(2, {1: 80, 2: 91, 3: 84})
               + reviews_of(3, {1: 70, 2: 70, 3: 70}))
    result = standings([CaseInput(2, 500, "B"), CaseInput(1, 500, "A"), CaseInput(3, 100, "C")], reviews)
    assert [(r.title, r.rank, r.countback, r.tie_break) for r in result.rows] == [
        ("A", 1, (2, 1, 0), "countback"), ("B", 2, (1, 2, 0), "countback"), ("C", 3, (0, 0, 3), ""),
    ]
    assert result.row(1).final_score == result.row(2).final_score


def test_equal_scores_and_count_back_go_to_more_valid_votes():
    # 10000 and 9999 votes → vote scores 100 and 99.99; panel 80 for both:
    # 30 + 56 = 86.000 and 29.997 + 56 = 85.997 → both shown 86.00.
    # Same panel, both placed 1st by both reviewers → more votes decides: A.
    reviews = reviews_of(1, {1: 80, 2: 80}) + reviews_of(2, {1: 80, 2: 80})
    result = standings([CaseInput(2, 9999, "B"), CaseInput(1, 10000, "A")], reviews)
    assert [(r.title, r.rank, r.final_score, r.tie_break) for r in result.rows] == [
        ("A", 1, D("86.00"), "votes"), ("B", 2, D("86.00"), "votes"),
    ]


def test_complete_tie_is_a_shared_rank_whatever_the_ids_or_order():
    # W 1000 votes, panel 90; X and Y 500 votes each with identical marks (80);
    # Z 100 votes, panel 60 → ranks 1, 2, 2, 4.
    reviews = []
    for case_id, total in ((10, 90), (20, 80), (30, 80), (40, 60)):
        reviews += reviews_of(case_id, {1: total, 2: total})
    cases = [CaseInput(10, 1000, "W"), CaseInput(20, 500, "X"), CaseInput(30, 500, "Y"), CaseInput(40, 100, "Z")]
    forward = standings(cases, reviews)
    backward = standings(list(reversed(cases)), list(reversed(reviews)))
    for result in (forward, backward):
        assert [(r.title, r.rank, r.tie_break) for r in result.rows] == [
            ("W", 1, ""), ("X", 2, "shared"), ("Y", 2, "shared"), ("Z", 4, ""),
        ]
    # Swapping which case has the lower id changes nothing either.
    swapped = [CaseInput(30, 500, "X"), CaseInput(20, 500, "Y"), cases[0], cases[3]]
    assert [(r.title, r.rank) for r in standings(swapped, reviews).rows] == [("W", 1), ("X", 2), ("Y", 2), ("Z", 4)]


# --- finalists -----------------------------------------------------------------------


def test_finalists_are_the_top_n_by_votes():
    cut = select_finalists({1: 100, 2: 90, 3: 80, 4: 70}, 2)
    assert cut.case_ids == [1, 2]
    assert cut.cut_votes == 90
    assert cut.tied_at_cut == ()


def test_every_case_tied_at_the_cut_is_a_finalist():
    # Third place is shared by cases 3 and 4 (80 votes each): N = 3 gives four finalists.
    cut = select_finalists({1: 100, 2: 90, 3: 80, 4: 80, 5: 70}, 3)
    assert cut.case_ids == [1, 2, 3, 4]
    assert cut.cut_votes == 80
    assert cut.tied_at_cut == (3, 4)
    assert [rank for _, _, rank in cut.finalists] == [1, 2, 3, 3]


def test_a_tie_spanning_the_whole_cut_takes_everyone_tied():
    cut = select_finalists([(7, 50), (8, 50), (9, 50), (10, 10)], 1)
    assert cut.case_ids == [7, 8, 9]
    assert cut.tied_at_cut == (7, 8, 9)


def test_fewer_cases_than_n_are_all_finalists():
    assert select_finalists({1: 5, 2: 0}, 30).case_ids == [1, 2]
    assert select_finalists({}, 30).finalists == ()


def test_n_below_one_is_refused():
    with pytest.raises(ValueError):
        select_finalists({1: 5}, 0)


# --- outlier hints ----------------------------------------------------------------------


def test_lenient_reviewer_is_flagged():
    # Case A: 80, 80, 95 → reviewer 3 is 95 − 80 = +15 from the others' mean;
    # reviewer 1 is 80 − (80 + 95) ÷ 2 = −7.5. Case B: 70, 70, 85, the same gaps.
    reviews = reviews_of(1, {1: 80, 2: 80, 3: 95}) + reviews_of(2, {1: 70, 2: 70, 3: 85})
    hints = {h.reviewer_id: h for h in outlier_hints(standings([CaseInput(1, 1), CaseInput(2, 1)], reviews))}
    assert (hints[3].mean_deviation, hints[3].flagged, hints[3].direction) == (D("15.00"), True, "lenient")
    assert (hints[1].mean_deviation, hints[1].flagged, hints[1].direction) == (D("-7.50"), False, "")
