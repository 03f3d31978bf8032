"""The expert panel's services: finalists, criteria, invitations, assignment,
reviews, reopening and publication — each rule, and that a refusal changes
nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal import outbox
from portal.enums import Role
from portal.exceptions import ConflictError, InvalidError, NotFoundError, PermissionDeniedError
from portal.selectors import affiliated_unit_ids
from tests import factories
from tests.voting.panel_setup import cases_with_votes, closed_campaign, marks, open_phase, panel, reviewer, set_votes, submit
from voting.panel import selectors
from voting.panel import services
from voting.panel.models import (
    Criterion,
    FinalistCut,
    Mark,
    PanelEvent,
    PanelSettings,
    ResultVersion,
    Review,
    ReviewAssignment,
)
from voting.panel.enums import AssignmentMode, PanelAction, ReviewerCategory, ReviewState


@pytest.fixture
def campaign(db):
    return closed_campaign()


def set_finalists(campaign, n):
    PanelSettings.objects.update_or_create(campaign=campaign, defaults={"finalists": n})
    campaign._panel_settings = None


# --- finalists -----------------------------------------------------------------------


def test_finalists_include_every_case_tied_at_the_cut(campaign, organiser):
    cases = cases_with_votes(campaign, [500, 400, 300, 300, 100])
    set_finalists(campaign, 3)
    cut = services.select_finalists(actor=organiser, campaign=campaign)
    assert sorted(selectors.finalist_ids(campaign)) == sorted(c.pk for c in cases[:4])
    assert cut.cut_votes == 300
    assert cut.counts == {str(c.pk): v for c, v in zip(cases, [500, 400, 300, 300, 100])}
    event = PanelEvent.objects.get(campaign=campaign)
    assert event.action == PanelAction.FINALISTS_SELECTED
    assert sorted(event.data["tied_at_cut"]) == sorted([cases[2].pk, cases[3].pk])


def test_default_is_thirty_finalists_and_default_criteria(campaign, organiser):
    cases_with_votes(campaign, list(range(100, 60, -1)))  # 40 cases, distinct counts
    services.select_finalists(actor=organiser, campaign=campaign)
    assert len(selectors.finalist_ids(campaign)) == 30
    assert [(c.name, c.weight, c.max_mark, c.required) for c in selectors.criteria_of(campaign)] == [
        ("有效性", D(40), D(40), True), ("创新性", D(30), D(30), True), ("反响度", D(30), D(30), True),
    ]


def test_later_voiding_does_not_change_the_cut_until_an_organiser_recomputes(campaign, organiser):
    cases = cases_with_votes(campaign, [500, 400, 300, 200])
    set_finalists(campaign, 2)
    first = services.select_finalists(actor=None, campaign=campaign)
    set_votes(cases[1], 100)  # ballots voided after the cut
    assert services.select_finalists(actor=None, campaign=campaign).pk == first.pk  # the system never recuts
    assert sorted(selectors.finalist_ids(campaign)) == sorted([cases[0].pk, cases[1].pk])

    with pytest.raises(InvalidError) as refused:
        services.select_finalists(actor=organiser, campaign=campaign)
    assert refused.value.code == "reason_required"
    assert FinalistCut.objects.filter(campaign=campaign).count() == 1

    second = services.select_finalists(actor=organiser, campaign=campaign, reason="作废刷票后重算")
    assert sorted(selectors.finalist_ids(campaign)) == sorted([cases[0].pk, cases[2].pk])
    first.refresh_from_db()
    assert (first.is_current, second.is_current, second.reason, second.actor) == (False, True, "作废刷票后重算", organiser)
    assert list(PanelEvent.objects.filter(campaign=campaign).values_list("action", flat=True).order_by("pk")) == [
        PanelAction.FINALISTS_SELECTED, PanelAction.FINALISTS_RECOMPUTED,
    ]


def test_finalists_wait_for_voting_to_close(db, organiser):
    open_campaign = factories.CampaignFactory(timeline=factories.campaign_timeline(open_phase="voting"))
    cases_with_votes(open_campaign, [10, 5])
    with pytest.raises(ConflictError) as refused:
        services.select_finalists(actor=organiser, campaign=open_campaign)
    assert refused.value.code == "voting_open"
    assert not FinalistCut.objects.exists()


def test_only_organisers_select_finalists(campaign, reviewer):
    cases_with_votes(campaign, [10])
    with pytest.raises(PermissionDeniedError) as refused:
        services.select_finalists(actor=reviewer, campaign=campaign)
    assert refused.value.status == 403
    assert not FinalistCut.objects.exists()


def test_periodic_task_selects_finalists_of_closed_votes_once(campaign):
    from voting import tasks

    cases_with_votes(campaign, [3, 2, 1])
    tasks.select_due_finalists(timestamp=0)
    tasks.select_due_finalists(timestamp=60)
    cut = FinalistCut.objects.get(campaign=campaign)
    assert cut.actor is None and cut.finalists.count() == 3


# --- criteria -------------------------------------------------------------------------


def test_criteria_are_frozen_once_the_first_review_is_submitted(campaign, organiser):
    cases, people = panel(campaign, organiser, [10, 5], reviewers=1)
    services.set_criteria(actor=organiser, campaign=campaign, criteria=[
        {"name": "有效性", "weight": 50, "max_mark": 10, "guidance": "看成效"},
        {"name": "创新性", "weight": 50, "max_mark": 10, "required": False},
    ])
    criteria = selectors.criteria_of(campaign)
    services.save_review(actor=people[0], campaign=campaign, case_id=cases[0].pk,
                         marks={criteria[0].pk: D(8)}, submit=True)
    with pytest.raises(ConflictError) as refused:
        services.set_criteria(actor=organiser, campaign=campaign, criteria=[{"name": "新标准", "weight": 100}])
    assert refused.value.code == "criteria_frozen"
    assert [c.name for c in selectors.criteria_of(campaign)] == ["有效性", "创新性"]
    # The database refuses too, whoever writes.
    with pytest.raises(IntegrityError), transaction.atomic():
        Criterion.objects.filter(pk=criteria[0].pk).update(weight=90)
    with pytest.raises(IntegrityError), transaction.atomic():
        Criterion.objects.create(campaign=campaign, name="后加的", weight=10, max_mark=10)


def test_criteria_need_a_required_one_and_unique_names(campaign, organiser):
    with pytest.raises(InvalidError):
        services.set_criteria(actor=organiser, campaign=campaign, criteria=[{"name": "A", "weight": 1, "required": False}])
    with pytest.raises(InvalidError):
        services.set_criteria(actor=organiser, campaign=campaign, criteria=[{"name": "A", "weight": 1}, {"name": "A", "weight": 2}])
    assert not Criterion.objects.filter(campaign=campaign).exists()


# --- invitations ------------------------------------------------------------------------


def test_invitation_by_email_creates_the_reviewer_and_sends_a_sign_in_link(campaign, organiser, deliver_notifications):
    unit = factories.UnitFactory(name="南城街道")
    profile = services.invite_reviewer(
        actor=organiser, campaign=campaign, name="李华", title="市人大代表", category=ReviewerCategory.NPC_DEPUTY,
        email="LiHua@Example.cn", unit_ids=[unit.pk],
    )
    assert deliver_notifications() == 1
    user = profile.user
    assert user.email == "lihua@example.cn"
    assert Role.REVIEWER in user.roles
    assert affiliated_unit_ids(user) == {unit.pk}
    assert campaign.panel_seats.filter(reviewer=user).exists()
    (message,) = outbox.read_messages(to="lihua@example.cn")
    assert "/accounts/login/code/" in message["body"]
    assert f"/panel/{campaign.slug}/" in message["body"]


def test_invitation_by_phone_sends_an_sms(campaign, organiser, deliver_notifications):
    profile = services.invite_reviewer(actor=organiser, campaign=campaign, name="王芳",
                                       category=ReviewerCategory.RESIDENT_REP, phone="13800138000")
    assert deliver_notifications() == 1
    assert profile.user.phone == "13800138000"
    (sms,) = outbox.read_messages(to="13800138000", channel="sms")
    assert "/accounts/login/code/" in sms["body"]


def test_invitation_needs_exactly_one_of_email_or_phone(campaign, organiser):
    with pytest.raises(InvalidError):
        services.invite_reviewer(actor=organiser, campaign=campaign, name="某", category=ReviewerCategory.DOMAIN_EXPERT)
    assert not campaign.panel_seats.exists()


# --- assignment and conflicts of interest -----------------------------------------------------


def test_all_to_all_assignment_skips_conflicts_of_interest(campaign, organiser):
    cases = cases_with_votes(campaign, [30, 20, 10])
    services.select_finalists(actor=organiser, campaign=campaign)
    plain = reviewer(campaign)
    conflicted = reviewer(campaign, units=[cases[1].unit])
    services.assign_finalists(actor=organiser, campaign=campaign)
    assert set(ReviewAssignment.objects.filter(reviewer=plain).values_list("case_id", flat=True)) == {c.pk for c in cases}
    assert set(ReviewAssignment.objects.filter(reviewer=conflicted).values_list("case_id", flat=True)) == {cases[0].pk, cases[2].pk}
    assert services.assign_finalists(actor=organiser, campaign=campaign) == 0  # idempotent


def test_database_refuses_a_conflicting_assignment(campaign, organiser):
    (case,) = cases_with_votes(campaign, [5])
    conflicted = reviewer(campaign, units=[case.unit])
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewAssignment.objects.create(campaign=campaign, case=case, reviewer=conflicted)
    assert not ReviewAssignment.objects.exists()


def test_balanced_assignment_gives_every_finalist_k_reviews_evenly(campaign, organiser):
    cases = cases_with_votes(campaign, [60, 50, 40, 30, 20, 10])
    services.select_finalists(actor=organiser, campaign=campaign)
    people = [reviewer(campaign) for _n in range(4)]
    conflicted = people[0]
    factories.MembershipFactory(user=conflicted, role="reviewer", unit=cases[0].unit)
    services.set_panel_settings(actor=organiser, campaign=campaign, finalists=30, aggregate="trimmed_mean",
                                vote_method="max_ratio", vote_weight=D("0.3"), assignment=AssignmentMode.BALANCED,
                                reviews_per_case=2, show_reviewer_names=False)
    assert services.assign_finalists(actor=organiser, campaign=campaign) == 12
    per_case = {c.pk: ReviewAssignment.objects.filter(case=c).count() for c in cases}
    assert set(per_case.values()) == {2}
    loads = sorted(ReviewAssignment.objects.filter(reviewer=p).count() for p in people)
    assert loads == [3, 3, 3, 3]
    assert not ReviewAssignment.objects.filter(reviewer=conflicted, case=cases[0]).exists()


def test_balanced_assignment_refuses_when_too_few_reviewers_are_free_of_conflicts(campaign, organiser):
    (case,) = cases_with_votes(campaign, [5])
    services.select_finalists(actor=organiser, campaign=campaign)
    reviewer(campaign)
    reviewer(campaign, units=[case.unit])
    PanelSettings.objects.update_or_create(campaign=campaign, defaults={"assignment": AssignmentMode.BALANCED,
                                                                        "reviews_per_case": 2})
    campaign._panel_settings = None
    with pytest.raises(ConflictError) as refused:
        services.assign_finalists(actor=organiser, campaign=campaign)
    assert refused.value.code == "not_enough_reviewers"
    assert not ReviewAssignment.objects.exists()


def test_reviewer_cannot_score_a_case_outside_the_assignment_or_of_an_affiliated_unit(campaign, organiser):
    cases, (first, second, _third) = panel(campaign, organiser, [30, 20, 10])
    outsider = factories.CaseEntryFactory(campaign=campaign)
    for case_id in (outsider.pk, 999999):
        with pytest.raises(NotFoundError) as refused:
            services.save_review(actor=first, campaign=campaign, case_id=case_id, marks=marks(campaign, 80))
        assert refused.value.status == 404
    # An affiliation added after assignment blocks the case too.
    factories.MembershipFactory(user=second, role="reviewer", unit=cases[0].unit)
    second.refresh_from_db()
    with pytest.raises(NotFoundError):
        services.save_review(actor=second, campaign=campaign, case_id=cases[0].pk, marks=marks(campaign, 80))
    assert not Review.objects.exists()


# --- reviews -----------------------------------------------------------------------------


def test_draft_then_submit_with_range_checks(campaign, organiser):
    cases, (person, *_rest) = panel(campaign, organiser, [30, 20])
    eff, inn, res = selectors.criteria_of(campaign)
    review = services.save_review(actor=person, campaign=campaign, case_id=cases[0].pk, marks={eff.pk: D("35.5")},
                                  comment="初评")
    assert (review.state, review.comment) == (ReviewState.DRAFT, "初评")
    with pytest.raises(InvalidError) as refused:
        services.save_review(actor=person, campaign=campaign, case_id=cases[0].pk, marks={inn.pk: D(31)})
    assert (refused.value.code, refused.value.field) == ("out_of_range", f"mark_{inn.pk}")
    with pytest.raises(InvalidError) as refused:
        services.save_review(actor=person, campaign=campaign, case_id=cases[0].pk, marks={inn.pk: D(20)}, submit=True)
    assert refused.value.code == "incomplete"
    assert "反响度" in refused.value.message
    review.refresh_from_db()
    assert review.state == ReviewState.DRAFT
    services.save_review(actor=person, campaign=campaign, case_id=cases[0].pk, marks={inn.pk: D(20), res.pk: D(25)},
                         submit=True)
    review.refresh_from_db()
    assert review.state == ReviewState.SUBMITTED and review.submitted_at is not None
    assert {m.criterion_id: m.value for m in review.marks.all()} == {eff.pk: D("35.5"), inn.pk: D(20), res.pk: D(25)}


def test_submitted_marks_are_locked_in_the_service_and_the_database(campaign, organiser):
    cases, (person, *_rest) = panel(campaign, organiser, [30, 20])
    review = submit(campaign, person, cases[0], 80)
    with pytest.raises(ConflictError) as refused:
        services.save_review(actor=person, campaign=campaign, case_id=cases[0].pk, marks=marks(campaign, 95), submit=True)
    assert refused.value.code == "locked"
    with pytest.raises(IntegrityError), transaction.atomic():
        Mark.objects.filter(review=review).update(value=1)
    assert sum(m.value for m in review.marks.all()) == D(80)


def test_organiser_reopens_a_review_with_a_recorded_reason(campaign, organiser):
    cases, (person, other, _third) = panel(campaign, organiser, [30, 20])
    review = submit(campaign, person, cases[0], 80)
    with pytest.raises(PermissionDeniedError):
        services.reopen_review(actor=other, review=review, reason="想改")
    with pytest.raises(InvalidError):
        services.reopen_review(actor=organiser, review=review, reason=" ")
    review.refresh_from_db()
    assert review.state == ReviewState.SUBMITTED
    services.reopen_review(actor=organiser, review=review, reason="评委误填创新性")
    event = PanelEvent.objects.get(action=PanelAction.REVIEW_REOPENED)
    assert (event.actor, event.reason, event.review_id) == (organiser, "评委误填创新性", review.pk)
    services.save_review(actor=person, campaign=campaign, case_id=cases[0].pk, marks=marks(campaign, 70), submit=True)
    assert selectors.standings(campaign).row(cases[0].pk).reviews[0].total == D(70)


def test_other_marks_are_hidden_until_ones_own_is_submitted(campaign, organiser):
    cases, (first, second, _third) = panel(campaign, organiser, [30, 20])
    submit(campaign, first, cases[0], 90)
    services.save_review(actor=second, campaign=campaign, case_id=cases[0].pk, marks=marks(campaign, 60))
    assert selectors.marks_after_submitting(second, cases[0]) is None
    submit(campaign, second, cases[0], 70)
    seen = selectors.marks_after_submitting(second, cases[0])
    assert sorted((o.total, o.own) for o in seen) == [(D("70.00"), True), (D("90.00"), False)]
    assert {o.label for o in seen} <= {"评委 1", "评委 2", "评委 3"}  # names hidden by default


def test_standings_from_the_database_match_the_hand_computation(campaign, organiser):
    # Votes 1000, 800 → 100, 80. Case A totals 80, 85, 90 → 85; B 90, 95, 94 → 93 (3 reviews: no trim).
    # A: 30 + 59.5 = 89.5; B: 24 + 65.1 = 89.1. A draft never counts.
    cases, people = panel(campaign, organiser, [1000, 800])
    for person, a, b in zip(people, (80, 85, 90), (90, 95, 94)):
        submit(campaign, person, cases[0], a)
        submit(campaign, person, cases[1], b)
    extra = reviewer(campaign)
    services.assign_finalists(actor=organiser, campaign=campaign)
    services.save_review(actor=extra, campaign=campaign, case_id=cases[0].pk, marks=marks(campaign, 10))
    result = selectors.standings(campaign)
    assert [(r.case_id, r.rank, r.final_score, r.missing_reviews) for r in result.rows] == [
        (cases[0].pk, 1, D("89.50"), 1), (cases[1].pk, 2, D("89.10"), 1),
    ]


# --- publication -----------------------------------------------------------------------------


def _all_marks_in(campaign, cases, people):
    for n, person in enumerate(people):
        for m, case in enumerate(cases):
            submit(campaign, person, case, 70 + n * 3 + m)


def test_publishing_needs_every_review_or_an_override_with_a_reason(campaign, organiser):
    cases, people = panel(campaign, organiser, [30, 20])
    submit(campaign, people[0], cases[0], 80)
    open_phase(campaign, "results")
    with pytest.raises(ConflictError) as refused:
        services.publish_results(actor=organiser, campaign=campaign)
    assert refused.value.code == "reviews_missing"
    with pytest.raises(InvalidError) as refused:
        services.publish_results(actor=organiser, campaign=campaign, override=True)
    assert refused.value.code == "reason_required"
    assert not ResultVersion.objects.exists()
    version = services.publish_results(actor=organiser, campaign=campaign, override=True, reason="两位评委因病缺席")
    assert (version.version, version.override) == (1, True)


def test_published_results_are_frozen_and_a_correction_is_a_new_version(campaign, organiser):
    cases, people = panel(campaign, organiser, [30, 20])
    _all_marks_in(campaign, cases, people)
    open_phase(campaign, "results")
    first = services.publish_results(actor=organiser, campaign=campaign)
    assert first.breakdown["rows"][0]["rank"] == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        ResultVersion.objects.filter(pk=first.pk).update(reason="偷偷改")
    with pytest.raises(IntegrityError), transaction.atomic():
        ResultVersion.objects.filter(pk=first.pk).delete()

    with pytest.raises(InvalidError) as refused:
        services.publish_results(actor=organiser, campaign=campaign)
    assert refused.value.code == "reason_required"

    review = Review.objects.get(reviewer=people[0], case=cases[0])
    services.reopen_review(actor=organiser, review=review, reason="录入错误")
    open_phase(campaign, "review")  # the organiser reopens the review phase for the fix
    services.save_review(actor=people[0], campaign=campaign, case_id=cases[0].pk, marks=marks(campaign, 20), submit=True)
    open_phase(campaign, "results")
    second = services.publish_results(actor=organiser, campaign=campaign, reason="更正评委 1 的录入错误")
    first.refresh_from_db()
    assert [v.version for v in selectors.result_versions(campaign)] == [2, 1]
    assert first.breakdown != second.breakdown
    assert first.breakdown["rows"][0]["reviews"][0]["total"] != second.breakdown["rows"][0]["reviews"][0]["total"] \
        or first.breakdown["rows"][1]["reviews"][0]["total"] != second.breakdown["rows"][1]["reviews"][0]["total"]
    assert PanelEvent.objects.filter(action=PanelAction.RESULTS_CORRECTED, reason="更正评委 1 的录入错误").exists()


def test_only_organisers_publish(campaign, organiser):
    cases, people = panel(campaign, organiser, [30, 20])
    _all_marks_in(campaign, cases, people)
    with pytest.raises(PermissionDeniedError):
        services.publish_results(actor=people[0], campaign=campaign)
    assert not ResultVersion.objects.exists()


def test_weights_must_add_up_to_one_in_the_database(campaign):
    with pytest.raises(IntegrityError), transaction.atomic():
        PanelSettings.objects.create(campaign=campaign, vote_weight=D("0.5"), panel_weight=D("0.7"))


def test_campaigns_due_for_finalists_are_those_whose_vote_closed(db):
    closed = closed_campaign()
    factories.CampaignFactory(timeline=factories.campaign_timeline(open_phase="voting"))
    assert services.campaigns_due_for_finalists() == [closed.pk]
    assert timezone.now() - dt.timedelta(days=1) > closed.phases.get(kind="voting").ends_at


@pytest.mark.parametrize("field, low, high", [("finalists", "FINALISTS_MIN", "FINALISTS_MAX"),
                                              ("reviews_per_case", "REVIEWS_PER_CASE_MIN", "REVIEWS_PER_CASE_MAX")])
def test_the_table_the_service_the_form_and_the_api_hold_one_pair_of_panel_bounds(campaign, organiser, field, low, high):
    """Each bound of the panel's settings is one definition: the form, the
    API serializer, set_panel_settings and the table's constraint accept it
    and refuse one past it."""
    from voting.panel import models as panel_models
    from voting.panel.api import SettingsSerializer
    from voting.panel.forms import PanelSettingsForm
    from voting.panel.models import PanelSettings

    low, high = getattr(panel_models, low), getattr(panel_models, high)
    base = {"finalists": 30, "aggregate": "trimmed_mean", "vote_method": "max_ratio", "vote_weight": D("0.3"),
            "assignment": AssignmentMode.BALANCED, "reviews_per_case": 2, "show_reviewer_names": False}
    for value in (low, high):
        data = {**base, field: value}
        assert PanelSettingsForm(data).is_valid() and SettingsSerializer(data=data).is_valid()
        services.set_panel_settings(actor=organiser, campaign=campaign, **data)
        PanelSettings.objects.filter(campaign=campaign).update(**{field: value})
    for value in (low - 1, high + 1):
        data = {**base, field: value}
        assert field in PanelSettingsForm(data).errors
        serializer = SettingsSerializer(data=data)
        assert not serializer.is_valid() and field in serializer.errors
        with pytest.raises(InvalidError):
            services.set_panel_settings(actor=organiser, campaign=campaign, **data)
        with pytest.raises(IntegrityError), transaction.atomic():
            PanelSettings.objects.filter(campaign=campaign).update(**{field: value})
    assert getattr(PanelSettings.objects.get(campaign=campaign), field) == high
