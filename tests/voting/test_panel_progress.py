"""The organiser's view of the panel at /panel/ (issue 21): who has scored
what, never the marks themselves (the standings page is for those)."""

import pytest
from django.urls import reverse

from tests.signin import sign_in
from tests.voting.panel_setup import closed_campaign, panel, submit
from voting.panel import services
from voting.panel.models import Review

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(db):
    return closed_campaign(title="第二届东莞市民点赞榜")


def test_the_organiser_sees_who_has_scored_what_at_panel(client, campaign, organiser):
    cases, (first, second, third) = panel(campaign, organiser, [12000, 9000])
    submit(campaign, first, cases[0], 91, comment="成效扎实，群众满意")
    submit(campaign, first, cases[1], 77)
    services.save_review(actor=second, campaign=campaign, case_id=cases[0].pk,
                         marks={}, comment="草稿评语", submit=False)
    sign_in(client, organiser)
    response = client.get(reverse("voting:panel-home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "第二届东莞市民点赞榜" in body and "评审进度" in body
    assert "已提交 2 / 6 份评分" in body
    for person, line in ((first, "已提交 2 / 2"), (second, "已提交 0 / 2 · 草稿 1"), (third, "已提交 0 / 2")):
        assert person.reviewer_profile.name in body
        assert line in body, line
    assert body.count('class="progress-state submitted"') == 2
    assert body.count('class="progress-state draft"') == 1
    assert body.count('class="progress-state todo"') == 3


def test_the_progress_shows_no_marks_nor_comments(client, campaign, organiser):
    cases, people = panel(campaign, organiser, [12000, 9000])
    submit(campaign, people[0], cases[0], 91, comment="成效扎实，群众满意")
    sign_in(client, organiser)
    body = client.get(reverse("voting:panel-home")).content.decode()
    assert "91.0" not in body and "成效扎实" not in body
    review = Review.objects.get(reviewer=people[0], case=cases[0])
    for mark in review.marks.all():
        assert f">{mark.value}<" not in body


def test_the_progress_reads_a_constant_number_of_queries(client, campaign, organiser, django_assert_max_num_queries):
    cases, people = panel(campaign, organiser, [12000, 9000], reviewers=2)
    sign_in(client, organiser)
    client.get(reverse("voting:panel-home"))
    with django_assert_max_num_queries(30) as few:
        client.get(reverse("voting:panel-home"))
    counted = len(few)
    more = closed_campaign(title="第三届")
    more_cases, more_people = panel(more, organiser, [500, 400, 300], reviewers=4)
    for person in more_people:
        submit(more, person, more_cases[0], 80)
    with django_assert_max_num_queries(counted):
        client.get(reverse("voting:panel-home"))


def test_a_reviewer_still_goes_straight_to_their_queue(client, campaign, organiser):
    _cases, people = panel(campaign, organiser, [12000, 9000])
    sign_in(client, people[0])
    response = client.get(reverse("voting:panel-home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("voting:panel-queue", kwargs={"slug": campaign.slug})


def test_the_progress_reads_in_english(client, campaign, organiser, settings):
    panel(campaign, organiser, [12000, 9000])
    sign_in(client, organiser)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(reverse("voting:panel-home")).content.decode()
    assert "0 of 6 reviews submitted" in body and "0 of 2 submitted" in body and "Not started" in body
