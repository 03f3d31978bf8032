"""The campaign's phases gate the panel: a reviewer saves or submits marks
only inside the expert-review phase (专家评审), and results, or a correction
of them, are published only once the results phase (结果公布) has started.
Refused alike by the service, the pages and the API, in both languages,
and nothing is written."""

from __future__ import annotations

from html import escape

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from cases.enums import PhaseKind
from cases.models import Phase
from portal import timeutils
from portal.exceptions import ConflictError
from tests import factories
from tests.signin import sign_in
from tests.voting.panel_setup import closed_campaign, marks, open_phase, panel, submit
from voting.panel import services
from voting.panel.models import Mark, PanelEvent, ResultVersion, Review

ZH, EN = "zh-hans", "en"

NO_REVIEW_PHASE = {ZH: "此活动没有设置专家评审阶段，现在不能保存评分。请联系主办方设置评审时间。",
                   EN: "This campaign has no expert review phase, so scores cannot be saved now. Ask the organiser "
                       "to set the review dates."}
NO_RESULTS_PHASE = {ZH: "此活动没有设置结果公布阶段，不能发布结果。请先在活动时间线中设置结果公布阶段。",
                    EN: "This campaign has no results phase, so results cannot be published. Set the results phase "
                        "in the campaign's timeline first."}


def review_not_started(start, language):
    text = timeutils.local_text(start)
    return {ZH: f"专家评审阶段尚未开始（{text} 开始），现在不能保存评分。",
            EN: f"The expert review phase has not started yet (it starts {text}); scores cannot be saved now."}[language]


def review_closed(end, language):
    text = timeutils.local_text(end)
    return {ZH: f"专家评审阶段已于 {text} 结束，评分不能再保存或提交。如需延长，请联系主办方。",
            EN: f"The expert review phase ended {text}; scores can no longer be saved or submitted. To extend it, "
                f"ask the organiser."}[language]


def results_not_started(start, language):
    text = timeutils.local_text(start)
    return {ZH: f"结果公布阶段尚未开始（{text} 开始），现在不能发布结果。如需提前发布，请先调整活动时间线。",
            EN: f"The results phase has not started yet (it starts {text}); results cannot be published now. To "
                f"publish earlier, change the campaign's timeline first."}[language]


@pytest.fixture(autouse=True)
def _default_language_afterwards():
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def scene(db, organiser):
    """Two finalists, three reviewers, every review submitted in the review phase."""
    campaign = closed_campaign()
    cases, people = panel(campaign, organiser, [30, 20])
    for person in people:
        for case in cases:
            submit(campaign, person, case, 80)
    return {"campaign": campaign, "cases": cases, "people": people}


@pytest.fixture
def drafting(db, organiser):
    """Two finalists, three reviewers, nothing scored yet."""
    campaign = closed_campaign()
    cases, people = panel(campaign, organiser, [30, 20])
    return {"campaign": campaign, "cases": cases, "people": people}


def phase(campaign, kind):
    return Phase.objects.get(campaign=campaign, kind=kind)


def snapshot():
    return (list(Review.objects.values_list("pk", "state", "comment").order_by("pk")),
            list(Mark.objects.values_list("pk", "value").order_by("pk")), PanelEvent.objects.count(),
            ResultVersion.objects.count())


# --- reviews: the service ------------------------------------------------------


@pytest.mark.parametrize("kind", ["voting", "results"])
def test_a_reviewer_cannot_save_or_submit_marks_outside_the_review_phase(drafting, kind):
    campaign, case, person = drafting["campaign"], drafting["cases"][0], drafting["people"][0]
    open_phase(campaign, kind)
    before = snapshot()

    for submit_now in (False, True):
        with pytest.raises(ConflictError) as refused:
            services.save_review(actor=person, campaign=campaign, case_id=case.pk, marks=marks(campaign, 80),
                                 comment="好", submit=submit_now)
        assert refused.value.code == ("review_not_started" if kind == "voting" else "review_closed")

    assert snapshot() == before and not Review.objects.exists()


def test_a_campaign_without_a_review_phase_refuses_every_save(drafting):
    campaign, case, person = drafting["campaign"], drafting["cases"][0], drafting["people"][0]
    Phase.objects.filter(campaign=campaign, kind=PhaseKind.REVIEW).delete()

    with pytest.raises(ConflictError) as refused:
        services.save_review(actor=person, campaign=campaign, case_id=case.pk, marks=marks(campaign, 80))

    assert refused.value.code == "review_phase_missing" and not Review.objects.exists()


def test_a_reopened_review_cannot_be_changed_once_the_review_phase_has_ended(scene, organiser):
    campaign, case, person = scene["campaign"], scene["cases"][0], scene["people"][0]
    review = Review.objects.get(reviewer=person, case=case)
    services.reopen_review(actor=organiser, review=review, reason="录入错误")
    open_phase(campaign, "results")
    before = snapshot()

    with pytest.raises(ConflictError):
        services.save_review(actor=person, campaign=campaign, case_id=case.pk, marks=marks(campaign, 20), submit=True)

    assert snapshot() == before


def test_the_review_phase_moved_by_the_organiser_counts_at_once(drafting):
    """The gate reads the phases from the database, not a timeline cached on the campaign."""
    campaign, case, person = drafting["campaign"], drafting["cases"][0], drafting["people"][0]
    list(campaign.phases.all())  # a cached timeline in which the review phase runs now
    Phase.objects.filter(campaign=campaign, kind=PhaseKind.REVIEW).update(ends_at=timeutils.now())

    with pytest.raises(ConflictError):
        services.save_review(actor=person, campaign=campaign, case_id=case.pk, marks=marks(campaign, 80))


def test_a_stranger_outside_the_review_phase_still_learns_nothing_but_404(drafting, resident):
    from portal.exceptions import NotFoundError

    campaign = drafting["campaign"]
    open_phase(campaign, "results")
    with pytest.raises(NotFoundError):
        services.save_review(actor=resident, campaign=campaign, case_id=drafting["cases"][0].pk,
                             marks=marks(campaign, 80))


# --- publication: the service ------------------------------------------------------


def test_results_cannot_be_published_during_the_review_phase(scene, organiser):
    campaign = scene["campaign"]
    before = snapshot()

    with pytest.raises(ConflictError) as refused:
        services.publish_results(actor=organiser, campaign=campaign)

    assert refused.value.code == "results_not_started" and snapshot() == before


def test_results_are_published_once_the_results_phase_has_started_and_corrected_after(scene, organiser):
    campaign = open_phase(scene["campaign"], "results")

    first = services.publish_results(actor=organiser, campaign=campaign)
    Phase.objects.filter(campaign=campaign, kind=PhaseKind.RESULTS).update(
        starts_at=phase(campaign, PhaseKind.RESULTS).starts_at, ends_at=timeutils.now())  # and after it ended
    second = services.publish_results(actor=organiser, campaign=campaign, reason="更正笔误")

    assert (first.version, second.version) == (1, 2)


def test_a_correction_cannot_be_published_when_the_results_phase_was_moved_later(scene, organiser):
    campaign = open_phase(scene["campaign"], "results")
    services.publish_results(actor=organiser, campaign=campaign)
    results = phase(campaign, PhaseKind.RESULTS)
    Phase.objects.filter(pk=results.pk).update(starts_at=results.ends_at, ends_at=results.ends_at + (results.ends_at - results.starts_at))
    before = snapshot()

    with pytest.raises(ConflictError) as refused:
        services.publish_results(actor=organiser, campaign=campaign, reason="更正笔误")

    assert refused.value.code == "results_not_started" and snapshot() == before


def test_a_campaign_without_a_results_phase_cannot_publish(scene, organiser):
    campaign = scene["campaign"]
    Phase.objects.filter(campaign=campaign, kind=PhaseKind.RESULTS).delete()

    with pytest.raises(ConflictError) as refused:
        services.publish_results(actor=organiser, campaign=campaign, override=True, reason="提前")

    assert refused.value.code == "results_phase_missing" and not ResultVersion.objects.exists()


def test_a_resident_publishing_before_the_results_phase_is_refused_for_the_role_first(scene, resident):
    from portal.exceptions import PermissionDeniedError

    with pytest.raises(PermissionDeniedError):
        services.publish_results(actor=resident, campaign=scene["campaign"])


# --- pages ----------------------------------------------------------------------


@pytest.mark.parametrize("language", [ZH, EN])
def test_the_review_page_shows_the_closed_phase_on_the_form_and_saves_nothing(client, drafting, language):
    campaign, case, person = drafting["campaign"], drafting["cases"][0], drafting["people"][0]
    open_phase(campaign, "results")
    client.cookies["portal_language"] = language
    sign_in(client, person)
    data = {f"mark_{k}": str(v) for k, v in marks(campaign, 80).items()} | {"comment": "好", "submit": "1"}

    response = client.post(reverse("voting:panel-case", kwargs={"slug": campaign.slug, "case_id": case.pk}), data)

    assert response.status_code == 200
    assert escape(review_closed(phase(campaign, PhaseKind.REVIEW).ends_at, language)) in response.content.decode()
    assert not Review.objects.exists()


@pytest.mark.parametrize("language", [ZH, EN])
def test_the_publish_button_before_the_results_phase_says_why_and_publishes_nothing(client, scene, organiser, language):
    campaign = scene["campaign"]
    client.cookies["portal_language"] = language
    sign_in(client, organiser)

    response = client.post(reverse("voting:panel-publish", kwargs={"slug": campaign.slug}), {}, follow=True)

    assert escape(results_not_started(phase(campaign, PhaseKind.RESULTS).starts_at, language)) in response.content.decode()
    assert not ResultVersion.objects.exists()


# --- API ----------------------------------------------------------------------


def api_client(user, language: str, **kwargs) -> APIClient:
    api = APIClient()
    api.cookies["portal_language"] = language
    api.force_authenticate(user, **kwargs)
    return api


@pytest.mark.parametrize("language", [ZH, EN])
@pytest.mark.parametrize("method", ["put", "post"])
def test_api_refuses_saving_marks_before_the_review_phase_with_409(drafting, language, method):
    campaign, case, person = drafting["campaign"], drafting["cases"][0], drafting["people"][0]
    open_phase(campaign, "voting")
    body = {"marks": {str(k): str(v) for k, v in marks(campaign, 80).items()}, "comment": "好"}

    response = getattr(api_client(person, language), method)(
        f"/api/v1/campaigns/{campaign.pk}/panel/cases/{case.pk}/review", body, format="json")

    error = response.json()["error"]
    assert (response.status_code, error["code"]) == (409, "review_not_started")
    assert error["message"] == review_not_started(phase(campaign, PhaseKind.REVIEW).starts_at, language)
    assert not Review.objects.exists()


@pytest.mark.parametrize("language", [ZH, EN])
def test_api_refuses_publishing_without_a_results_phase_with_409(scene, organiser, language):
    campaign = scene["campaign"]
    Phase.objects.filter(campaign=campaign, kind=PhaseKind.RESULTS).delete()
    api = api_client(organiser, language, token=factories.ApiTokenFactory(user=organiser))

    response = api.post(f"/api/v1/campaigns/{campaign.pk}/results", {}, format="json")

    error = response.json()["error"]
    assert (response.status_code, error["code"], error["message"]) == (409, "results_phase_missing",
                                                                        NO_RESULTS_PHASE[language])
    assert not ResultVersion.objects.exists()


@pytest.mark.parametrize("language", [ZH, EN])
def test_api_refuses_saving_marks_without_a_review_phase_with_409(drafting, language):
    campaign, case, person = drafting["campaign"], drafting["cases"][0], drafting["people"][0]
    Phase.objects.filter(campaign=campaign, kind=PhaseKind.REVIEW).delete()
    body = {"marks": {str(k): str(v) for k, v in marks(campaign, 80).items()}, "comment": ""}

    response = api_client(person, language).put(
        f"/api/v1/campaigns/{campaign.pk}/panel/cases/{case.pk}/review", body, format="json")

    assert response.status_code == 409 and response.json()["error"]["message"] == NO_REVIEW_PHASE[language]


def test_the_schema_documents_the_phase_refusals_of_saving_and_publishing():
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    review = paths["/api/v1/campaigns/{campaign_id}/panel/cases/{case_id}/review"]
    results = paths["/api/v1/campaigns/{campaign_id}/results"]
    for operation in (review["put"], review["post"], results["post"]):
        assert "409" in operation["responses"]
        assert "phase" in operation["responses"]["409"]["description"]
