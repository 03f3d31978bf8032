"""/api/v1/: public campaigns and board; unit staff entries; organiser screening."""

import datetime as dt

import pytest
from django.utils import timezone
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from cases.enums import EntryAction, EntryState, PhaseKind
from cases.models import CaseEntry, EntryEvent
from tests import factories
from tests.cases.conftest import jpeg_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def payload(campaign, **overrides):
    data = {
        "campaign": campaign.slug,
        "track": campaign.tracks.first().pk,
        "domain": campaign.domains.first().pk,
        "title": "为城市美容师延长亮灯20分钟",
        "summary": "清晨路灯延时关闭。",
        "story": "保障环卫工人作业安全。",
        "results": "覆盖主干道 46 条。",
        "contact_name": "李工",
        "contact_phone": "0769-81234567",
    }
    data.update(overrides)
    return data


def test_campaigns_and_board_are_public(api, campaign, django_assert_max_num_queries):
    for i in range(5):
        factories.CaseEntryFactory(campaign=campaign, title=f"加装电梯{i}" if i < 2 else f"其他{i}")
    factories.CaseEntryFactory(campaign=campaign, state=EntryState.SUBMITTED, title="未上榜电梯")
    listing = api.get("/api/v1/campaigns").json()
    assert listing["results"][0]["slug"] == campaign.slug
    assert listing["results"][0]["current_phase"] == PhaseKind.CALL
    assert len(listing["results"][0]["domains"]) == 9
    detail = api.get(f"/api/v1/campaigns/{campaign.slug}").json()
    assert [p["kind"] for p in detail["phases"]] == ["call", "screening", "voting", "review", "results"]
    with django_assert_max_num_queries(5):  # constant; one of them asks whether voting has started (the sort)
        board = api.get(f"/api/v1/campaigns/{campaign.slug}/board", {"q": "电梯"}).json()
    assert sorted(item["title"] for item in board["results"]) == ["加装电梯0", "加装电梯1"]
    case = api.get(f"/api/v1/board-cases/{board['results'][0]['id']}").json()
    assert case["story"] == "<p>正文</p>" and "contact_phone" not in case


@pytest.mark.parametrize("query, field", [
    ({"domain": "abc"}, "domain"), ({"domain": "²"}, "domain"),  # "²": a server error before
    ({"level": "galaxy"}, "level"), ({"sort": "loudest"}, "sort"), ({"sort": "votes"}, "sort"),  # no vote order before voting
])
def test_a_refused_board_filter_is_named_not_widened(api, campaign, query, field):
    factories.CaseEntryFactory(campaign=campaign)
    response = api.get(f"/api/v1/campaigns/{campaign.slug}/board", query)
    assert response.status_code == 400 and list(response.json()["error"]["fields"]) == [field]


def test_a_refused_screening_filter_is_named_not_widened(api, organiser, campaign):
    api.force_authenticate(organiser)
    for query, field in (({"state": "lost"}, "state"), ({"unit": "²"}, "unit")):
        response = api.get(f"/api/v1/campaigns/{campaign.slug}/screening", query)
        assert response.status_code == 400 and list(response.json()["error"]["fields"]) == [field]


def test_a_filter_naming_no_object_is_404_however_long_its_number(api, organiser, campaign):
    # Found by schemathesis: the schema says integer, so a 21-digit id is well formed and names nothing.
    factories.CaseEntryFactory(campaign=campaign)
    for number in ("999999", "755339343539771146240", "9" * 5000):
        board = api.get(f"/api/v1/campaigns/{campaign.slug}/board", {"domain": number})
        assert board.status_code == 404 and list(board.json()["error"]["fields"]) == ["domain"]
    api.force_authenticate(organiser)
    screening = api.get(f"/api/v1/campaigns/{campaign.slug}/screening", {"track": "9" * 5000})
    assert screening.status_code == 404 and list(screening.json()["error"]["fields"]) == ["track"]


def test_board_case_not_on_the_board_is_404(api, campaign):
    entry = factories.CaseEntryFactory(campaign=campaign, state=EntryState.SUBMITTED)
    response = api.get(f"/api/v1/board-cases/{entry.pk}")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_unit_staff_create_update_submit_withdraw(api, unit_staff, campaign):
    api.force_authenticate(unit_staff)
    created = api.post("/api/v1/case-entries", payload(campaign, upload_images=[jpeg_upload()]), format="multipart")
    assert created.status_code == 201, created.json()
    entry_id = created.json()["id"]
    assert created.json()["state"] == EntryState.DRAFT and len(created.json()["images"]) == 1
    updated = api.patch(f"/api/v1/case-entries/{entry_id}", {"title": "改后的标题"}, format="json")
    assert updated.status_code == 200 and updated.json()["title"] == "改后的标题"
    submitted = api.post(f"/api/v1/case-entries/{entry_id}/submit")
    assert submitted.json()["state"] == EntryState.SUBMITTED
    withdrawn = api.post(f"/api/v1/case-entries/{entry_id}/withdraw", {"reason": "换一个"}, format="json")
    assert withdrawn.json()["state"] == EntryState.WITHDRAWN
    assert [e["action"] for e in withdrawn.json()["events"]][:1] == [EntryAction.WITHDRAW]
    assert [item["id"] for item in api.get("/api/v1/case-entries").json()["results"]] == [entry_id]


def test_a_campaign_named_with_a_nul_character_is_refused_not_a_server_error(api, unit_staff, campaign):
    # Found by schemathesis: PostgreSQL text cannot hold NUL, so the lookup answered 500.
    api.force_authenticate(unit_staff)
    response = api.post("/api/v1/case-entries", {**payload(campaign), "campaign": "a\x00b"}, format="json")
    assert response.status_code == 400 and list(response.json()["error"]["fields"]) == ["campaign"]
    assert not CaseEntry.objects.exists()


def test_api_entry_for_another_unit_is_refused(api, unit_staff, other_staff, campaign):
    api.force_authenticate(unit_staff)
    response = api.post("/api/v1/case-entries", payload(campaign, unit=other_staff.memberships.get().unit.pk), format="json")
    assert response.status_code == 403
    assert response.json()["error"]["fields"] == {"unit": ["只能为本单位申报案例，不能替其他单位申报。"]}
    assert not CaseEntry.objects.exists()


def test_api_editing_another_units_entry_is_refused(api, unit_staff, campaign):
    entry = factories.CaseEntryFactory(campaign=campaign, state=EntryState.DRAFT, title="别人的")
    api.force_authenticate(unit_staff)
    assert api.patch(f"/api/v1/case-entries/{entry.pk}", {"title": "改"}, format="json").status_code == 403
    assert api.post(f"/api/v1/case-entries/{entry.pk}/withdraw").status_code == 403
    entry.refresh_from_db()
    assert (entry.title, entry.state) == ("别人的", EntryState.DRAFT)


def test_api_outside_the_call_window(api, unit_staff):
    campaign = factories.CampaignFactory(timeline=factories.campaign_timeline(open_phase=PhaseKind.SCREENING))
    api.force_authenticate(unit_staff)
    response = api.post("/api/v1/case-entries", payload(campaign), format="json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "call_closed"
    assert not CaseEntry.objects.exists()


def test_api_submitting_an_entry_already_on_the_board_is_a_conflict(api, unit_staff, campaign):
    entry = factories.CaseEntryFactory(campaign=campaign, unit=unit_staff.memberships.get().unit, state=EntryState.ACCEPTED)
    api.force_authenticate(unit_staff)
    response = api.post(f"/api/v1/case-entries/{entry.pk}/submit")
    assert response.status_code == 409 and response.json()["error"]["code"] == "bad_transition"
    entry.refresh_from_db()
    assert entry.state == EntryState.ACCEPTED


def test_api_editing_an_entry_already_on_the_board_is_a_conflict(api, unit_staff, campaign):
    # Found by schemathesis: a well-formed edit answered 400 read_only; the body is fine, the state forbids it.
    entry = factories.CaseEntryFactory(campaign=campaign, unit=unit_staff.memberships.get().unit, state=EntryState.ACCEPTED,
                                       title="已上榜")
    api.force_authenticate(unit_staff)
    response = api.patch(f"/api/v1/case-entries/{entry.pk}", {"title": "改"}, format="json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "read_only"
    entry.refresh_from_db()
    assert entry.title == "已上榜"


def test_api_editing_after_the_changes_deadline_is_a_conflict(api, unit_staff):
    campaign = factories.CampaignFactory(timeline=factories.campaign_timeline(open_phase=PhaseKind.SCREENING))
    entry = factories.CaseEntryFactory(campaign=campaign, unit=unit_staff.memberships.get().unit,
                                       state=EntryState.CHANGES_REQUESTED, title="过期",
                                       changes_deadline=timezone.now() - dt.timedelta(hours=1))
    api.force_authenticate(unit_staff)
    response = api.patch(f"/api/v1/case-entries/{entry.pk}", {"title": "改"}, format="json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "deadline_passed"
    entry.refresh_from_db()
    assert entry.title == "过期"


def test_api_limit_per_track(api, unit_staff):
    campaign = factories.CampaignFactory(entry_limit_per_track=1)
    api.force_authenticate(unit_staff)
    assert api.post("/api/v1/case-entries", payload(campaign), format="json").status_code == 201
    response = api.post("/api/v1/case-entries", payload(campaign, title="第二个"), format="json")
    assert response.status_code == 400 and response.json()["error"]["fields"]["track"]
    assert CaseEntry.objects.count() == 1


def test_api_missing_fields_and_script(api, unit_staff, campaign):
    api.force_authenticate(unit_staff)
    missing = api.post("/api/v1/case-entries", {"campaign": campaign.slug}, format="json")
    assert missing.status_code == 400 and {"track", "domain", "title"} <= set(missing.json()["error"]["fields"])
    script = api.post("/api/v1/case-entries", payload(campaign, story="<script>x()</script>"), format="json")
    assert script.status_code == 400 and script.json()["error"]["fields"]["story"]
    incomplete = api.post("/api/v1/case-entries", payload(campaign, results="", submit=True), format="json")
    assert incomplete.status_code == 400 and incomplete.json()["error"]["code"] == "incomplete"
    assert not CaseEntry.objects.exists()


def test_api_bad_images(api, unit_staff, campaign, settings):
    api.force_authenticate(unit_staff)
    fake = SimpleUploadedFile("x.jpg", b"text, not an image", content_type="image/jpeg")
    response = api.post("/api/v1/case-entries", payload(campaign, upload_images=[fake]), format="multipart")
    assert response.status_code == 400 and response.json()["error"]["code"] == "not_an_image"
    assert response.json()["error"]["fields"]["images"]
    settings.PORTAL_IMAGE_MAX_BYTES = 1024
    big = api.post("/api/v1/case-entries", payload(campaign, upload_images=[jpeg_upload()]), format="multipart")
    assert big.json()["error"]["code"] == "image_too_large"
    assert not CaseEntry.objects.exists()


def test_api_anonymous_and_residents_cannot_enter(api, resident, campaign):
    assert api.post("/api/v1/case-entries", payload(campaign), format="json").status_code in (401, 403)
    api.force_authenticate(resident)
    assert api.post("/api/v1/case-entries", payload(campaign), format="json").status_code == 403
    assert not CaseEntry.objects.exists()


def test_organiser_screens_through_the_api(api, organiser, campaign):
    entries = [factories.CaseEntryFactory(campaign=campaign, state=EntryState.SUBMITTED) for _ in range(3)]
    api.force_authenticate(organiser)
    listing = api.get(f"/api/v1/campaigns/{campaign.slug}/screening", {"state": "submitted"}).json()
    assert listing["count"] == 3 and listing["counts"]["submitted"] == 3
    rejected = api.post(f"/api/v1/case-entries/{entries[0].pk}/screen", {"decision": "reject", "reason": "重复"}, format="json")
    assert rejected.json()["state"] == EntryState.REJECTED
    bulk = api.post(f"/api/v1/campaigns/{campaign.slug}/screening/bulk",
                    {"entries": [entries[1].pk, entries[2].pk], "decision": "accept"}, format="json")
    assert [row["state"] for row in bulk.json()] == ["accepted", "accepted"]
    assert EntryEvent.objects.filter(actor=organiser).count() == 3


def test_api_screening_by_non_organiser_is_refused(api, unit_staff, campaign):
    entry = factories.CaseEntryFactory(campaign=campaign, state=EntryState.SUBMITTED)
    api.force_authenticate(unit_staff)
    response = api.post(f"/api/v1/case-entries/{entry.pk}/screen", {"decision": "accept"}, format="json")
    assert response.status_code == 403 and response.json()["error"]["message"]
    assert api.get(f"/api/v1/campaigns/{campaign.slug}/screening").status_code == 403
    assert CaseEntry.objects.get(pk=entry.pk).state == EntryState.SUBMITTED


def test_api_reject_without_reason(api, organiser, campaign):
    entry = factories.CaseEntryFactory(campaign=campaign, state=EntryState.SUBMITTED)
    api.force_authenticate(organiser)
    response = api.post(f"/api/v1/case-entries/{entry.pk}/screen", {"decision": "reject"}, format="json")
    assert response.status_code == 400 and response.json()["error"]["fields"] == {"reason": [response.json()["error"]["message"]]}
    assert CaseEntry.objects.get(pk=entry.pk).state == EntryState.SUBMITTED
