"""The expert panel's pages: reviewers see only their assignment, cannot peek,
cannot change a submitted mark; organisers run the panel and publish; the
public results page shows the breakdown and every version."""

from __future__ import annotations

import csv
import io
from decimal import Decimal as D

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cases.models import CaseEntry
from tests import factories
from tests.voting.panel_setup import closed_campaign, marks, open_phase, panel, reviewer, submit
from tests.signin import sign_in
from voting.panel import services
from voting.panel.models import PanelSettings, ResultVersion, Review
from voting.panel.enums import ReviewState


@pytest.fixture
def campaign(db):
    return closed_campaign()


def case_url(campaign, case_id):
    return reverse("voting:panel-case", kwargs={"slug": campaign.slug, "case_id": case_id})


def form_data(campaign, total, **extra):
    return {f"mark_{k}": str(v) for k, v in marks(campaign, total).items()} | {"comment": "好"} | extra


@pytest.mark.parametrize("n", [2, 8])
def test_queue_shows_progress_with_a_constant_number_of_queries(client, campaign, organiser, n,
                                                                django_assert_max_num_queries):
    cases, (person, *_rest) = panel(campaign, organiser, list(range(100, 100 - n, -1)))
    submit(campaign, person, cases[0], 80)
    client.force_login(person)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("voting:panel-queue", kwargs={"slug": campaign.slug}))
    body = response.content.decode()
    assert f"已提交 <strong>1</strong> / {n} 个案例" in body
    assert all(c.title in body for c in cases)


def test_reviewer_scores_a_case_draft_then_submit(client, campaign, organiser):
    cases, (person, *_rest) = panel(campaign, organiser, [30, 20])
    client.force_login(person)
    url = case_url(campaign, cases[0].pk)
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert cases[0].title in body and "有效性（0–40）" in body and "案例是否切实解决" in body  # guidance shown
    assert "第 1 名" in body  # vote rank
    client.post(url, form_data(campaign, 70, draft="1"))
    assert Review.objects.get(reviewer=person).state == ReviewState.DRAFT
    response = client.post(url, form_data(campaign, 80, submit="1"), follow=True)
    assert "评分已提交" in response.content.decode()
    review = Review.objects.get(reviewer=person)
    assert review.state == ReviewState.SUBMITTED
    assert sum(m.value for m in review.marks.all()) == D(80)


def test_out_of_range_mark_is_shown_in_the_form_and_saves_nothing(client, campaign, organiser):
    cases, (person, *_rest) = panel(campaign, organiser, [30])
    client.force_login(person)
    key = next(iter(marks(campaign, 80)))
    response = client.post(case_url(campaign, cases[0].pk), form_data(campaign, 80, submit="1") | {f"mark_{key}": "41"})
    assert response.status_code == 200
    assert "40" in response.content.decode() and "errorlist" in response.content.decode()
    assert not Review.objects.exists()


def test_forged_and_conflicted_case_ids_are_not_found(client, campaign, organiser):
    cases, (person, *_rest) = panel(campaign, organiser, [30, 20])
    other_campaign = closed_campaign()
    elsewhere = factories.CaseEntryFactory(campaign=other_campaign)
    not_finalist = factories.CaseEntryFactory(campaign=campaign)
    conflicted = reviewer(campaign, units=[cases[1].unit])
    services.assign_finalists(actor=organiser, campaign=campaign)
    client.force_login(conflicted)
    for case_id in (cases[1].pk, elsewhere.pk, not_finalist.pk, 987654):
        assert client.get(case_url(campaign, case_id)).status_code == 404
        assert client.post(case_url(campaign, case_id), form_data(campaign, 99, submit="1")).status_code == 404
    assert client.get(case_url(campaign, cases[0].pk)).status_code == 200
    queue = client.get(reverse("voting:panel-queue", kwargs={"slug": campaign.slug})).content.decode()
    assert cases[1].title not in queue
    assert not Review.objects.filter(reviewer=conflicted).exists()


def test_residents_and_unit_staff_cannot_open_panel_pages(client, campaign, organiser, resident, unit_staff):
    cases, _people = panel(campaign, organiser, [30])
    for user in (resident, unit_staff):
        client.force_login(user)
        assert client.get(case_url(campaign, cases[0].pk)).status_code == 404
        assert client.get(reverse("voting:panel-queue", kwargs={"slug": campaign.slug})).status_code == 403
        assert client.get(reverse("voting:panel-manage", kwargs={"slug": campaign.slug})).status_code == 403
        assert client.get(reverse("voting:panel-standings", kwargs={"slug": campaign.slug})).status_code == 403


def test_no_peeking_before_submitting_then_names_hidden_unless_shown(client, campaign, organiser):
    cases, (first, second, _third) = panel(campaign, organiser, [30, 20])
    submit(campaign, first, cases[0], 93)
    client.force_login(second)
    before = client.get(case_url(campaign, cases[0].pk)).content.decode()
    assert "提交自己的评分后才能查看" in before
    assert "93.00" not in before
    client.post(case_url(campaign, cases[0].pk), form_data(campaign, 71, submit="1"))
    after = client.get(case_url(campaign, cases[0].pk)).content.decode()
    assert "93.00" in after and "71.00" in after
    first_name = first.reviewer_profile.name
    assert first_name not in after and "评委 1" in after
    PanelSettings.objects.update_or_create(campaign=campaign, defaults={"show_reviewer_names": True})
    assert first_name in client.get(case_url(campaign, cases[0].pk)).content.decode()


def test_submitted_mark_cannot_be_changed_by_posting_again(client, campaign, organiser):
    cases, (person, *_rest) = panel(campaign, organiser, [30])
    submit(campaign, person, cases[0], 80)
    client.force_login(person)
    page = client.get(case_url(campaign, cases[0].pk)).content.decode()
    assert "评分已锁定" in page and 'name="submit"' not in page
    response = client.post(case_url(campaign, cases[0].pk), form_data(campaign, 20, submit="1"))
    assert "重新开放" in response.content.decode()
    assert sum(m.value for m in Review.objects.get(reviewer=person).marks.all()) == D(80)


def test_organiser_desk_selects_invites_assigns_reopens_and_publishes(client, campaign, organiser):
    from tests.voting.panel_setup import cases_with_votes

    cases = cases_with_votes(campaign, [30, 20, 10])
    sign_in(client, organiser)
    slug = campaign.slug
    assert client.get(reverse("voting:panel-manage", kwargs={"slug": slug})).status_code == 200
    client.post(reverse("voting:panel-finalists", kwargs={"slug": slug}))
    client.post(reverse("voting:panel-invite", kwargs={"slug": slug}),
                {"name": "赵敏", "category": "npc_deputy", "email": "zhao@example.cn", "units": [cases[2].unit_id]})
    client.post(reverse("voting:panel-assign", kwargs={"slug": slug}))
    page = client.get(reverse("voting:panel-manage", kwargs={"slug": slug})).content.decode()
    assert "赵敏" in page and "0 / 2" in page  # conflict of interest: 2 of 3 finalists
    zhao = factories.ReviewerProfileFactory._meta.model.objects.get(name="赵敏").user
    for case in cases[:2]:
        submit(campaign, zhao, case, 80)
    review = Review.objects.filter(reviewer=zhao).first()
    client.post(reverse("voting:panel-reopen", kwargs={"slug": slug, "review_id": review.pk}), {"reason": "误填"})
    review.refresh_from_db()
    assert review.state == ReviewState.DRAFT
    open_phase(campaign, "results")
    response = client.post(reverse("voting:panel-publish", kwargs={"slug": slug}), {"reason": ""}, follow=True)
    assert "份评分未提交" in response.content.decode()
    assert not ResultVersion.objects.exists()
    open_phase(campaign, "review")
    client.post(case_url(campaign, review.case_id), form_data(campaign, 80, submit="1"))  # organiser is not a reviewer
    submit(campaign, zhao, review.case, 82)
    open_phase(campaign, "results")
    response = client.post(reverse("voting:panel-publish", kwargs={"slug": slug}), {}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("voting:results", kwargs={"slug": slug})
    assert ResultVersion.objects.get().version == 1


def test_live_standings_show_completeness_and_outliers(client, campaign, organiser):
    cases, people = panel(campaign, organiser, [30, 20])
    for person, total in zip(people, (80, 80, 98)):
        submit(campaign, person, cases[0], total)
        submit(campaign, person, cases[1], total - 20 if total != 98 else 98)
    client.force_login(organiser)
    body = client.get(reverse("voting:panel-standings", kwargs={"slug": campaign.slug})).content.decode()
    assert "3 / 3" in body
    assert people[2].reviewer_profile.name in body and "平均比其他评委高" in body


def _published(campaign, organiser, names=False):
    cases, people = panel(campaign, organiser, [1000, 800])
    PanelSettings.objects.update_or_create(campaign=campaign, defaults={"show_reviewer_names": names})
    campaign._panel_settings = None  # the settings cached on this instance are stale
    for person, a, b in zip(people, (80, 85, 90), (90, 95, 94)):
        submit(campaign, person, cases[0], a)
        submit(campaign, person, cases[1], b)
    open_phase(campaign, "results")
    services.publish_results(actor=organiser, campaign=campaign)
    return cases, people


@pytest.mark.parametrize("n", [2, 6])
def test_results_page_shows_the_breakdown_and_methodology(client, campaign, organiser, n, django_assert_max_num_queries):
    cases, people = panel(campaign, organiser, [1000, 800] + [100] * (n - 2))
    for person in people:
        for case, total in zip(cases, [80, 85, 90, 90, 90, 90]):
            submit(campaign, person, case, total)
    open_phase(campaign, "results")
    services.publish_results(actor=organiser, campaign=campaign)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("voting:results", kwargs={"slug": campaign.slug}))
    body = response.content.decode()
    # Case 1: vote score 100, panel 80 → 30 + 56 = 86.00; case 2: 80 → 24 + 59.5 = 83.50
    for text in ("86.00", "100.00", "80.00", "83.50", "计分方法", "去掉一个最高分和一个最低分", "票数分 × 30% + 专家分 × 70%",
                 "有效性均分", cases[0].title, cases[0].unit.name):
        assert text in body, text


def test_exports_are_anonymised_or_named_per_setting(client, campaign, organiser):
    cases, people = _published(campaign, organiser, names=False)
    url = reverse("voting:results-export", kwargs={"slug": campaign.slug, "version": 1, "fmt": "csv"})
    rows = list(csv.reader(io.StringIO(client.get(url).content.decode("utf-8-sig"))))
    header, lines = rows[0], rows[1:]
    assert header[:3] == ["名次", "案例", "单位"] and "评委总分" in header
    assert len(lines) == 6  # one line per review
    reviewer_column = header.index("评委")
    assert {line[reviewer_column] for line in lines} == {"评委 1", "评委 2", "评委 3"}
    assert all(p.reviewer_profile.name not in client.get(url).content.decode("utf-8-sig") for p in people)
    xlsx = client.get(reverse("voting:results-export", kwargs={"slug": campaign.slug, "version": 1, "fmt": "xlsx"}))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row == 7


def test_results_export_of_a_formula_like_title_does_not_run_it(client, campaign, organiser):
    cases, people = panel(campaign, organiser, [1000, 800])
    CaseEntry.objects.filter(pk=cases[0].pk).update(title="=cmd|' /C calc'!A0")
    for person, a, b in zip(people, (80, 85, 90), (90, 95, 94)):
        submit(campaign, person, cases[0], a)
        submit(campaign, person, cases[1], b)
    open_phase(campaign, "results")
    services.publish_results(actor=organiser, campaign=campaign)
    url = reverse("voting:results-export", kwargs={"slug": campaign.slug, "version": 1, "fmt": "csv"})
    rows = list(csv.reader(io.StringIO(client.get(url).content.decode("utf-8-sig"))))
    assert "'=cmd|' /C calc'!A0" in {line[1] for line in rows[1:]}
    xlsx = client.get(reverse("voting:results-export", kwargs={"slug": campaign.slug, "version": 1, "fmt": "xlsx"}))
    titles = [cell for cell in load_workbook(io.BytesIO(xlsx.content)).active["B"] if cell.value == "=cmd|' /C calc'!A0"]
    assert titles and all(cell.data_type == "s" and cell.quotePrefix for cell in titles)


def test_named_export_when_the_campaign_shows_names(client, campaign, organiser):
    cases, people = _published(campaign, organiser, names=True)
    url = reverse("voting:results-export", kwargs={"slug": campaign.slug, "version": 1, "fmt": "csv"})
    body = client.get(url).content.decode("utf-8-sig")
    assert all(p.reviewer_profile.name in body for p in people)


def test_a_correction_keeps_the_old_version_visible(client, campaign, organiser):
    cases, people = _published(campaign, organiser)
    review = Review.objects.get(reviewer=people[0], case=cases[0])
    services.reopen_review(actor=organiser, review=review, reason="录入错误")
    open_phase(campaign, "review")
    services.save_review(actor=people[0], campaign=campaign, case_id=cases[0].pk, marks=marks(campaign, 60), submit=True)
    open_phase(campaign, "results")
    services.publish_results(actor=organiser, campaign=campaign, reason="更正录入错误")
    latest = client.get(reverse("voting:results", kwargs={"slug": campaign.slug})).content.decode()
    assert "第 2 版" in latest and "更正录入错误" in latest
    old = client.get(reverse("voting:results-version", kwargs={"slug": campaign.slug, "version": 1})).content.decode()
    assert "这是旧版本" in old and "89.50" in old
    assert client.get(reverse("voting:results-version", kwargs={"slug": campaign.slug, "version": 3})).status_code == 404


def test_results_page_before_publication_says_so(client, campaign):
    response = client.get(reverse("voting:results", kwargs={"slug": campaign.slug}))
    assert "结果尚未发布" in response.content.decode()
