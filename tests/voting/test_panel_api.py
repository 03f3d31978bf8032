"""The expert panel's API: the same rules as the pages, in the portal's error shape."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from rest_framework.test import APIClient

from tests import factories
from tests.voting.panel_setup import cases_with_votes, closed_campaign, marks, open_phase, panel, reviewer, submit
from voting.panel import services
from voting.panel.models import FinalistCut, ResultVersion, Review
from voting.panel.enums import ReviewState


@pytest.fixture
def campaign(db):
    return closed_campaign()


@pytest.fixture
def api():
    return APIClient()


def base(campaign):
    return f"/api/v1/campaigns/{campaign.pk}"


def body(campaign, total):
    return {"marks": {str(k): str(v) for k, v in marks(campaign, total).items()}, "comment": "好"}


def test_organiser_runs_the_panel_through_the_api(api, campaign, organiser):
    cases = cases_with_votes(campaign, [300, 200, 200, 100])
    api.force_authenticate(organiser)
    settings = api.get(f"{base(campaign)}/panel/settings").json()
    assert (settings["finalists"], settings["aggregate"], settings["vote_weight"]) == (30, "trimmed_mean", "0.30")
    settings |= {"finalists": 2}
    assert api.put(f"{base(campaign)}/panel/settings", settings, format="json").json()["panel_weight"] == "0.70"
    response = api.post(f"{base(campaign)}/panel/finalists", {}, format="json")
    assert response.status_code == 201
    data = response.json()
    assert data["cut"]["cut_votes"] == 200 and len(data["finalists"]) == 3  # tie at the cut
    refused = api.post(f"{base(campaign)}/panel/finalists", {}, format="json")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "reason_required"
    invited = api.post(f"{base(campaign)}/panel/reviewers", {
        "name": "陈静", "category": "cppcc_member", "email": "chen@example.cn", "unit_ids": [cases[0].unit_id],
    }, format="json")
    assert invited.status_code == 201
    assigned = api.post(f"{base(campaign)}/panel/assignments").json()
    assert assigned["added"] == 2
    assert [(p["case_id"], p["reason"]) for p in assigned["skipped"]] == [(cases[0].pk, "declared")]
    (row,) = api.get(f"{base(campaign)}/panel/reviewers").json()
    assert (row["name"], row["assigned"], row["unit_ids"]) == ("陈静", 2, [cases[0].unit_id])


def test_criteria_can_be_replaced_until_frozen(api, campaign, organiser):
    cases, (person, *_rest) = panel(campaign, organiser, [30])
    api.force_authenticate(organiser)
    new = {"criteria": [{"name": "有效性", "guidance": "看成效", "weight": "60", "max_mark": "10", "required": True},
                        {"name": "创新性", "guidance": "", "weight": "40", "max_mark": "10", "required": True}]}
    assert api.put(f"{base(campaign)}/panel/criteria", new, format="json").status_code == 200
    criteria = api.get(f"{base(campaign)}/panel/criteria").json()["criteria"]
    services.save_review(actor=person, campaign=campaign, case_id=cases[0].pk,
                         marks={c["id"]: D(8) for c in criteria}, submit=True)
    refused = api.put(f"{base(campaign)}/panel/criteria", new, format="json")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "criteria_frozen"


def test_reviewer_scores_through_the_api_and_sees_others_only_after_submitting(api, campaign, organiser):
    cases, (first, second, _third) = panel(campaign, organiser, [30, 20])
    submit(campaign, first, cases[0], 90)
    api.force_authenticate(second)
    queue = api.get(f"{base(campaign)}/panel/queue").json()
    assert (queue["scored"], queue["assigned"]) == (0, 2)
    url = f"{base(campaign)}/panel/cases/{cases[0].pk}/review"
    data = api.get(url).json()
    assert data["others"] is None and data["case"]["vote_rank"] == 1 and data["case"]["votes"] == 30
    assert api.put(url, body(campaign, 60), format="json").json()["review"]["state"] == "draft"
    assert api.get(url).json()["others"] is None  # a draft does not unlock the others' marks
    submitted = api.post(url, body(campaign, 70), format="json").json()
    assert submitted["review"]["state"] == "submitted"
    assert sorted(o["total"] for o in submitted["others"]) == ["70.00", "90.00"]
    locked = api.put(url, body(campaign, 10), format="json")
    assert locked.status_code == 409 and locked.json()["error"]["code"] == "locked"


def test_out_of_range_mark_names_its_field(api, campaign, organiser):
    cases, (person, *_rest) = panel(campaign, organiser, [30])
    api.force_authenticate(person)
    key = next(iter(marks(campaign, 80)))
    payload = body(campaign, 80)
    payload["marks"][str(key)] = "40.5"
    response = api.post(f"{base(campaign)}/panel/cases/{cases[0].pk}/review", payload, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "out_of_range"
    assert f"mark_{key}" in response.json()["error"]["fields"]
    assert not Review.objects.exists()


def test_forged_and_conflicted_ids_are_404_in_the_api(api, campaign, organiser):
    cases, _people = panel(campaign, organiser, [30, 20])
    conflicted = reviewer(campaign, units=[cases[1].unit])
    services.assign_finalists(actor=organiser, campaign=campaign)
    other = closed_campaign()
    (elsewhere,) = cases_with_votes(other, [5])
    api.force_authenticate(conflicted)
    for campaign_id, case_id in ((campaign.pk, cases[1].pk), (campaign.pk, elsewhere.pk), (other.pk, elsewhere.pk),
                                 (campaign.pk, 424242)):
        url = f"/api/v1/campaigns/{campaign_id}/panel/cases/{case_id}/review"
        assert api.get(url).status_code == 404
        assert api.post(url, body(campaign, 99), format="json").status_code == 404
    assert not Review.objects.filter(reviewer=conflicted).exists()
    assert [i["case_id"] for i in api.get(f"{base(campaign)}/panel/queue").json()["items"]] == [cases[0].pk]


def test_organiser_only_endpoints_refuse_reviewers_and_residents(api, campaign, organiser, resident):
    cases, (person, *_rest) = panel(campaign, organiser, [30])
    review = submit(campaign, person, cases[0], 80)
    for user in (person, resident):
        api.force_authenticate(user)
        for url in ("panel/settings", "panel/finalists", "panel/reviewers", "panel/standings"):
            assert api.get(f"{base(campaign)}/{url}").status_code == 403
        assert api.post(f"{base(campaign)}/panel/finalists", {"reason": "x"}, format="json").status_code == 403
        assert api.post(f"/api/v1/panel/reviews/{review.pk}/reopen", {"reason": "x"}, format="json").status_code == 403
        assert api.post(f"{base(campaign)}/results", {}, format="json").status_code == 403
    assert FinalistCut.objects.count() == 1
    review.refresh_from_db()
    assert review.state == ReviewState.SUBMITTED
    assert not ResultVersion.objects.exists()


def test_organiser_writes_refuse_others_before_reading_the_body(api, campaign, organiser, resident):
    """Permission first: a bad body from a caller who may not write is 403, not 400 (schemathesis saw 400)."""
    cases, (person, *_rest) = panel(campaign, organiser, [30])
    review = submit(campaign, person, cases[0], 80)
    bad = {"finalists": "many", "criteria": "x", "reason": ["x"], "override": "perhaps", "email": 1}
    for user in (person, resident):
        api.force_authenticate(user)
        for method, url in (("put", f"{base(campaign)}/panel/settings"), ("put", f"{base(campaign)}/panel/criteria"),
                            ("post", f"{base(campaign)}/panel/finalists"), ("post", f"{base(campaign)}/panel/reviewers"),
                            ("post", f"{base(campaign)}/results"), ("post", f"/api/v1/panel/reviews/{review.pk}/reopen")):
            response = getattr(api, method)(url, bad, format="json")
            assert response.status_code == 403, (user, url, response.json())


def test_marks_for_a_case_not_assigned_are_404_before_they_are_read(api, campaign, organiser, resident):
    panel(campaign, organiser, [30])
    api.force_authenticate(resident)
    response = api.post(f"{base(campaign)}/panel/cases/424242/review", {"marks": "none"}, format="json")
    assert response.status_code == 404


def test_standings_publication_and_correction_through_the_api(api, campaign, organiser):
    cases, people = panel(campaign, organiser, [1000, 800])
    for person, a, b in zip(people, (80, 85, 90), (90, 95, 94)):
        submit(campaign, person, cases[0], a)
    # A program publishes with a read-write token (no interactive reauthentication).
    api.force_authenticate(organiser, token=factories.ApiTokenFactory(user=organiser))
    live = api.get(f"{base(campaign)}/panel/standings").json()
    assert (live["submitted"], live["assigned"]) == (3, 6)
    assert [r["missing_reviews"] for r in live["rows"]] == [0, 3]
    open_phase(campaign, "results")
    refused = api.post(f"{base(campaign)}/results", {}, format="json")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "reviews_missing"
    open_phase(campaign, "review")
    for person, b in zip(people, (90, 95, 94)):
        submit(campaign, person, cases[1], b)
    open_phase(campaign, "results")
    first = api.post(f"{base(campaign)}/results", {}, format="json")
    assert first.status_code == 201
    assert [(r["rank"], r["final_score"]) for r in first.json()["rows"]] == [(1, "89.50"), (2, "89.10")]
    review = Review.objects.get(reviewer=people[0], case=cases[0])
    assert api.post(f"/api/v1/panel/reviews/{review.pk}/reopen", {"reason": "录入错误"}, format="json").json()["state"] == "draft"
    api.force_authenticate(people[0])
    open_phase(campaign, "review")
    api.post(f"{base(campaign)}/panel/cases/{cases[0].pk}/review", body(campaign, 20), format="json")
    open_phase(campaign, "results")
    api.force_authenticate(organiser, token=factories.ApiTokenFactory(user=organiser))
    assert api.post(f"{base(campaign)}/results", {}, format="json").json()["error"]["code"] == "reason_required"
    assert api.post(f"{base(campaign)}/results", {"reason": "更正"}, format="json").status_code == 201
    api.force_authenticate(None)
    public = api.get(f"{base(campaign)}/results").json()
    assert public["version"] == 2 and [v["version"] for v in public["versions"]] == [2, 1]
    old = api.get(f"{base(campaign)}/results/1").json()
    assert old["rows"][0]["final_score"] == "89.50"
    assert old["rows"][0]["reviews"][0]["reviewer"].startswith("评委 ")
