"""The expert panel's refusals, page and API, in both languages: who is
refused what, with which status, code and message. They reach people only
through the portal's one refusal path (RefusalMiddleware, the API's
exception handler, form_refusal / flash_refusal); a finalist that is not
the reviewer's answers exactly as an id of nothing does."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from tests import factories
from tests.signin import sign_in
from tests.voting.panel_setup import closed_campaign, panel, reviewer, submit
from voting.panel.models import Review

ZH, EN = "zh-hans", "en"

API_FORBIDDEN = {ZH: "您没有执行该操作的权限。", EN: "You do not have permission to perform this action."}
API_NOT_FOUND = {ZH: "未找到。", EN: "Not found."}
ORGANISERS_ONLY = {ZH: "只有主办方可以执行此操作。", EN: "Only the organiser can do this."}
NO_SUCH_TASK = {ZH: "找不到这个评审任务。", EN: "Review task not found."}
PAGE_FORBIDDEN = {ZH: "你没有权限查看此页面。如需帮助，请联系主办方。",
                  EN: "You do not have permission to view this page. For help, contact the organiser."}
PAGE_NOT_FOUND = {ZH: "找不到这个页面，它可能已被移走或从未存在。",
                  EN: "This page cannot be found. It may have been moved, or it never existed."}
LOCKED = {ZH: "评分已提交并锁定；如需修改，请联系主办方重新开放。",
          EN: "The scores have been submitted and locked; to change them, ask the organiser to reopen them."}
REASON_REQUIRED = {ZH: "重新计算入围名单需要填写原因。", EN: "Recalculating the finalist list needs a reason."}
NOT_SUBMITTED = {ZH: "只有已提交的评分可以重新开放。", EN: "Only submitted scores can be reopened."}
NO_SUCH_UNIT = {ZH: "所选单位不存在。", EN: "The chosen unit does not exist."}
VOTING_OPEN = {ZH: "公众投票尚未结束，投票结束后才能确定入围名单。",
               EN: "Public voting has not closed yet; the finalist list can be decided only after it closes."}

SETTINGS = {"finalists": 2, "aggregate": "mean", "vote_method": "max_ratio", "vote_weight": "0.3",
            "assignment": "all", "reviews_per_case": 3, "show_reviewer_names": False}
CRITERIA = {"criteria": [{"name": "有效性", "guidance": "", "weight": "10", "max_mark": "10", "required": True}]}
INVITE = {"name": "陈静", "category": "domain_expert", "email": "chen@example.cn"}


@pytest.fixture(autouse=True)
def _default_language_afterwards():
    """A request in English leaves English active in the test's thread (the
    locale middleware activates each request's language and never resets it)."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def scene(db, organiser):
    """A panel of three on two finalists, the first reviewer's mark on the
    first case submitted, and a fourth reviewer in conflict with the second."""
    campaign = closed_campaign()
    cases, people = panel(campaign, organiser, [30, 20])
    conflicted = reviewer(campaign, units=[cases[1].unit])
    submit(campaign, people[0], cases[0], 80)
    return {"campaign": campaign, "cases": cases, "people": people, "conflicted": conflicted,
            "submitted": Review.objects.get(reviewer=people[0])}


def api_client(user, language: str) -> APIClient:
    api = APIClient()
    api.cookies["portal_language"] = language
    api.force_authenticate(user)
    return api


def answer(response) -> tuple[int, str, str]:
    error = response.json()["error"]
    return response.status_code, error["code"], error["message"]


@pytest.mark.parametrize("language", [ZH, EN])
@pytest.mark.parametrize(("method", "path", "data", "message"), [
    ("get", "panel/settings", None, API_FORBIDDEN),
    ("put", "panel/settings", SETTINGS, ORGANISERS_ONLY),
    ("get", "panel/criteria", None, API_FORBIDDEN),
    ("put", "panel/criteria", CRITERIA, ORGANISERS_ONLY),
    ("get", "panel/finalists", None, API_FORBIDDEN),
    ("post", "panel/finalists", {}, ORGANISERS_ONLY),
    ("get", "panel/reviewers", None, API_FORBIDDEN),
    ("post", "panel/reviewers", INVITE, ORGANISERS_ONLY),
    ("post", "panel/assignments", None, ORGANISERS_ONLY),
    ("get", "panel/queue", None, API_FORBIDDEN),
    ("get", "panel/standings", None, API_FORBIDDEN),
])
def test_api_refuses_a_resident_every_panel_endpoint_with_403(scene, resident, language, method, path, data, message):
    api = api_client(resident, language)

    response = getattr(api, method)(f"/api/v1/campaigns/{scene['campaign'].pk}/{path}", data, format="json")

    assert answer(response) == (403, "permission_denied", message[language])


@pytest.mark.parametrize("language", [ZH, EN])
def test_api_refuses_a_resident_reopening_a_review_with_403(scene, resident, language):
    response = api_client(resident, language).post(
        f"/api/v1/panel/reviews/{scene['submitted'].pk}/reopen", {"reason": "误填"}, format="json")

    assert answer(response) == (403, "permission_denied", ORGANISERS_ONLY[language])
    assert Review.objects.get(pk=scene["submitted"].pk).is_submitted


@pytest.mark.parametrize("language", [ZH, EN])
def test_api_refuses_reviewers_the_organisers_reads_with_403(scene, language):
    api = api_client(scene["people"][0], language)

    for path in ("settings", "finalists", "reviewers", "standings"):
        response = api.get(f"/api/v1/campaigns/{scene['campaign'].pk}/panel/{path}")
        assert answer(response) == (403, "permission_denied", API_FORBIDDEN[language])
    assert api.get(f"/api/v1/campaigns/{scene['campaign'].pk}/panel/criteria").status_code == 200


@pytest.mark.parametrize("language", [ZH, EN])
def test_api_answers_a_conflicted_finalist_exactly_as_an_id_of_nothing(scene, language):
    api = api_client(scene["conflicted"], language)
    url = f"/api/v1/campaigns/{scene['campaign'].pk}/panel/cases/%s/review"

    for case_id in (scene["cases"][1].pk, 987654):
        assert answer(api.get(url % case_id)) == (404, "not_found", API_NOT_FOUND[language])
        for method in ("put", "post"):
            response = getattr(api, method)(url % case_id, {"marks": {}}, format="json")
            assert answer(response) == (404, "not_found", NO_SUCH_TASK[language])
    assert not Review.objects.filter(reviewer=scene["conflicted"]).exists()


@pytest.mark.parametrize("language", [ZH, EN])
def test_api_answers_the_panels_business_refusals_with_their_status_and_code(scene, organiser, language):
    campaign = scene["campaign"]
    base = f"/api/v1/campaigns/{campaign.pk}"
    locked = api_client(scene["people"][0], language).put(
        f"{base}/panel/cases/{scene['cases'][0].pk}/review", {"marks": {}}, format="json")
    assert answer(locked) == (409, "locked", LOCKED[language])
    api = api_client(organiser, language)
    assert answer(api.post(f"{base}/panel/finalists", {}, format="json")) == (
        400, "reason_required", REASON_REQUIRED[language])
    missing_unit = api.post(f"{base}/panel/reviewers", INVITE | {"unit_ids": [987654]}, format="json")
    assert answer(missing_unit) == (404, "not_found", NO_SUCH_UNIT[language])
    assert missing_unit.json()["error"]["fields"] == {"unit_ids": [NO_SUCH_UNIT[language]]}
    draft = Review.objects.create(campaign=campaign, case=scene["cases"][1], reviewer=scene["people"][1])
    assert answer(api.post(f"/api/v1/panel/reviews/{draft.pk}/reopen", {"reason": "误填"}, format="json")) == (
        409, "not_submitted", NOT_SUBMITTED[language])


def page_urls(scene) -> list[tuple[str, str]]:
    slug = scene["campaign"].slug
    gets = [("get", reverse("voting:panel-home"))] + [
        ("get", reverse(f"voting:{name}", kwargs={"slug": slug}))
        for name in ("panel-queue", "panel-manage", "panel-standings")
    ]
    posts = [("post", reverse(f"voting:{name}", kwargs={"slug": slug}))
             for name in ("panel-settings", "panel-criteria", "panel-finalists", "panel-invite", "panel-assign",
                          "panel-publish")]
    reopen = reverse("voting:panel-reopen", kwargs={"slug": slug, "review_id": scene["submitted"].pk})
    return gets + posts + [("post", reopen)]


@pytest.mark.parametrize("language", [ZH, EN])
def test_pages_refuse_a_resident_with_the_403_error_page(client, scene, resident, language):
    sign_in(client, resident)
    client.cookies["portal_language"] = language

    for method, url in page_urls(scene):
        response = getattr(client, method)(url, {"reason": "误填"} if method == "post" else None)
        assert response.status_code == 403, url
        assert response.templates[0].name == "portal/error.html", url
        assert PAGE_FORBIDDEN[language] in response.content.decode(), url
    assert Review.objects.get(pk=scene["submitted"].pk).is_submitted


@pytest.mark.parametrize("language", [ZH, EN])
def test_a_refused_panel_page_answers_htmx_and_json_clients_in_their_shape(client, scene, resident, language):
    sign_in(client, resident)
    client.cookies["portal_language"] = language
    queue = reverse("voting:panel-queue", kwargs={"slug": scene["campaign"].slug})

    fragment = client.get(queue, headers={"HX-Request": "true"})
    as_json = client.get(queue, headers={"Accept": "application/json"})

    assert fragment.status_code == 403 and [t.name for t in fragment.templates] == ["portal/_refusal.html"]
    assert PAGE_FORBIDDEN[language] in fragment.content.decode()
    assert answer(as_json) == (403, "permission_denied", PAGE_FORBIDDEN[language])


@pytest.mark.parametrize("language", [ZH, EN])
def test_case_page_answers_a_conflicted_finalist_exactly_as_an_id_of_nothing(client, scene, language):
    sign_in(client, scene["conflicted"])
    client.cookies["portal_language"] = language
    slug = scene["campaign"].slug

    for case_id in (scene["cases"][1].pk, 987654):
        url = reverse("voting:panel-case", kwargs={"slug": slug, "case_id": case_id})
        for response in (client.get(url), client.post(url, {"comment": "好", "submit": "1"})):
            assert response.status_code == 404 and response.templates[0].name == "portal/error.html"
            assert PAGE_NOT_FOUND[language] in response.content.decode()
        assert answer(client.get(url, headers={"Accept": "application/json"})) == (
            404, "not_found", PAGE_NOT_FOUND[language])
    assert not Review.objects.filter(reviewer=scene["conflicted"]).exists()


@pytest.mark.parametrize("language", [ZH, EN])
def test_desk_shows_a_refused_action_as_a_message_on_its_section(client, organiser, language):
    campaign = factories.CampaignFactory(timeline=factories.campaign_timeline(open_phase="voting"))
    factories.CaseEntryFactory(campaign=campaign)
    sign_in(client, organiser)
    client.cookies["portal_language"] = language

    response = client.post(reverse("voting:panel-finalists", kwargs={"slug": campaign.slug}), {})

    assert response.status_code == 302
    assert response["Location"] == reverse("voting:panel-manage", kwargs={"slug": campaign.slug}) + "#finalists"
    desk = client.get(response["Location"]).content.decode()
    assert VOTING_OPEN[language] in desk
    assert not campaign.finalist_cuts.exists()


@pytest.mark.parametrize("language", [ZH, EN])
def test_case_form_shows_a_locked_review_as_a_form_error(client, scene, language):
    person, case = scene["people"][0], scene["cases"][0]
    sign_in(client, person)
    client.cookies["portal_language"] = language

    response = client.post(reverse("voting:panel-case", kwargs={"slug": scene["campaign"].slug, "case_id": case.pk}),
                           {"comment": "改", "submit": "1"})

    assert response.status_code == 200
    assert [str(e) for e in response.context["form"].non_field_errors()] == [LOCKED[language]]
    assert Review.objects.get(pk=scene["submitted"].pk).comment != "改"
