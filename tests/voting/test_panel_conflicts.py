"""Conflict of interest by rule (issue 14, item 4): a reviewer never sees or
scores a case of a unit they belong to (unit staff or a declared
affiliation), nor of that unit's parent or child units. Assignment skips
them and the organiser's desk says why; the database refuses the
assignment too."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from portal.enums import ConflictReason
from portal.selectors import conflicted_units
from tests import factories
from tests.voting.panel_setup import cases_with_votes, closed_campaign, marks, reviewer
from voting.panel import selectors
from voting.panel import services
from voting.panel.models import Review, ReviewAssignment


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def campaign(db):
    return closed_campaign()


@pytest.fixture
def tree(db):
    """A city with two bureaus; the first has a sub-office."""
    city = factories.UnitFactory(name="冲突测试市政府", level="city")
    bureau = factories.UnitFactory(name="冲突测试教育局", parent=city)
    office = factories.UnitFactory(name="冲突测试教育局南城分局", parent=bureau)
    sibling = factories.UnitFactory(name="冲突测试卫健局", parent=city)
    return city, bureau, office, sibling


def staff_reviewer(campaign, unit):
    """A reviewer with no declared affiliation who is also staff of `unit`."""
    user = reviewer(campaign)
    factories.MembershipFactory(user=user, role="unit_staff", unit=unit)  # staff factories carry TOTP already
    return user


@pytest.fixture
def setting(campaign, organiser, tree):
    """The bureau's case is a finalist; reviewers are staff of the bureau
    itself, of its parent (the city), of its child (the sub-office), and of
    an unrelated sibling bureau."""
    city, bureau, office, sibling = tree
    (case,) = cases_with_votes(campaign, [50], unit=bureau)
    services.select_finalists(actor=organiser, campaign=campaign)
    people = {
        "own": staff_reviewer(campaign, bureau),
        "parent": staff_reviewer(campaign, city),
        "child": staff_reviewer(campaign, office),
        "sibling": staff_reviewer(campaign, sibling),
    }
    services.assign_finalists(actor=organiser, campaign=campaign)
    return case, people


def test_staff_of_the_unit_its_parent_and_its_child_are_not_assigned_a_sibling_is(setting):
    case, people = setting
    assigned = set(ReviewAssignment.objects.filter(case=case).values_list("reviewer_id", flat=True))
    assert assigned == {people["sibling"].pk}


def test_conflicts_say_which_unit_and_why(setting, tree):
    city, bureau, office, sibling = tree
    _case, people = setting
    assert (conflicted_units(people["own"])[bureau.pk].reason, conflicted_units(people["own"])[bureau.pk].via) == (
        ConflictReason.OWN_UNIT, bureau)
    assert (conflicted_units(people["parent"])[bureau.pk].reason, conflicted_units(people["parent"])[bureau.pk].via) == (
        ConflictReason.CHILD_UNIT, city)
    assert (conflicted_units(people["child"])[bureau.pk].reason, conflicted_units(people["child"])[bureau.pk].via) == (
        ConflictReason.PARENT_UNIT, office)
    assert bureau.pk not in conflicted_units(people["sibling"])


@pytest.mark.parametrize("who", ["own", "parent", "child"])
def test_conflicted_reviewer_cannot_open_or_score_by_page(client, campaign, setting, who):
    case, people = setting
    user = people[who]
    client.force_login(user)
    url = reverse("voting:panel-case", kwargs={"slug": campaign.slug, "case_id": case.pk})
    data = {f"mark_{k}": str(v) for k, v in marks(campaign, 80).items()} | {"comment": "好", "submit": "1"}
    assert client.get(url).status_code == 404
    assert client.post(url, data).status_code == 404
    queue = client.get(reverse("voting:panel-queue", kwargs={"slug": campaign.slug})).content.decode()
    assert case.title not in queue
    assert not Review.objects.filter(reviewer=user).exists()


@pytest.mark.parametrize("who", ["own", "parent", "child"])
def test_conflicted_reviewer_cannot_open_or_score_by_api(api_client, campaign, setting, who):
    case, people = setting
    user = people[who]
    api_client.force_authenticate(user)
    url = f"/api/v1/campaigns/{campaign.pk}/panel/cases/{case.pk}/review"
    body = {"marks": {str(k): str(v) for k, v in marks(campaign, 80).items()}, "comment": "好"}
    assert api_client.get(url).status_code == 404
    assert api_client.post(url, body, format="json").status_code == 404
    assert api_client.get(f"/api/v1/campaigns/{campaign.pk}/panel/queue").json()["items"] == []
    assert not Review.objects.filter(reviewer=user).exists()


def test_an_assignment_made_before_the_staff_membership_is_blocked_after_it(campaign, organiser, tree):
    city, bureau, office, sibling = tree
    (case,) = cases_with_votes(campaign, [50], unit=bureau)
    services.select_finalists(actor=organiser, campaign=campaign)
    user = reviewer(campaign)
    services.assign_finalists(actor=organiser, campaign=campaign)
    assert user.has_perm("voting.score_case", case)
    factories.MembershipFactory(user=user, role="unit_staff", unit=office)
    assert not user.has_perm("voting.score_case", case)
    assert [item.finalist.case_id for item in selectors.queue(user, campaign)] == []


def test_the_sibling_reviewer_scores_the_case(client, campaign, setting):
    case, people = setting
    client.force_login(people["sibling"])
    url = reverse("voting:panel-case", kwargs={"slug": campaign.slug, "case_id": case.pk})
    assert client.get(url).status_code == 200
    data = {f"mark_{k}": str(v) for k, v in marks(campaign, 80).items()} | {"comment": "好", "submit": "1"}
    client.post(url, data)
    assert Review.objects.filter(reviewer=people["sibling"], case=case).exists()


@pytest.mark.parametrize("who", ["own", "parent", "child"])
def test_database_refuses_an_assignment_to_a_related_unit(campaign, setting, who):
    case, people = setting
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewAssignment.objects.create(campaign=campaign, case=case, reviewer=people[who])
    assert not ReviewAssignment.objects.filter(reviewer=people[who]).exists()


def test_database_allows_an_assignment_to_an_unrelated_unit(campaign, setting):
    case, people = setting
    ReviewAssignment.objects.filter(case=case).delete()
    ReviewAssignment.objects.create(campaign=campaign, case=case, reviewer=people["sibling"])


def test_desk_lists_each_skipped_pair_with_its_reason(client, campaign, organiser, setting, tree):
    case, people = setting
    skipped = {(s.reviewer.pk, s.case.pk): s.reason for s in selectors.skipped_for_conflict(campaign)}
    assert skipped == {
        (people["own"].pk, case.pk): ConflictReason.OWN_UNIT,
        (people["parent"].pk, case.pk): ConflictReason.CHILD_UNIT,
        (people["child"].pk, case.pk): ConflictReason.PARENT_UNIT,
    }
    client.force_login(organiser)
    page = client.get(reverse("voting:panel-manage", kwargs={"slug": campaign.slug})).content.decode()
    assert "因利益冲突未分配" in page
    for who, reason in (("own", "本单位"), ("parent", "下级单位"), ("child", "上级单位")):
        assert people[who].reviewer_profile.name in page
    assert "评委是冲突测试教育局的工作人员" in page
    assert "冲突测试教育局是评委所在单位冲突测试市政府的下级单位" in page
    assert "冲突测试教育局是评委所在单位冲突测试教育局南城分局的上级单位" in page


def test_assigning_says_how_many_pairs_were_skipped(client, campaign, organiser, tree):
    city, bureau, office, sibling = tree
    cases_with_votes(campaign, [50], unit=bureau)
    services.select_finalists(actor=organiser, campaign=campaign)
    staff_reviewer(campaign, bureau)
    staff_reviewer(campaign, sibling)
    client.force_login(organiser)
    response = client.post(reverse("voting:panel-assign", kwargs={"slug": campaign.slug}), follow=True)
    assert "新增 1 项评审任务，1 对评委与案例因利益冲突跳过。" in response.content.decode()
