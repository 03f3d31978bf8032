"""The campaign set-up pages (issue 21): only organisers open or change
anything, bad input is shown on the form and changes nothing, forged ids
are not found, writes are rate-limited, the workspace links the pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages

from cases.models import Campaign, Domain, Phase, Track
from portal.enums import AuditAction
from portal.models import AuditEntry
from tests import factories
from tests.signin import assert_refused_everywhere, signed_in_as
from voting.models import VotingRules
from voting.panel.models import PanelSettings

pytestmark = pytest.mark.django_db

PHASES = {"call": ("2031-10-01T09:00", "2031-10-21T09:00"), "screening": ("2031-10-21T09:00", "2031-10-31T18:00"),
          "voting": ("2031-11-01T09:00", "2031-11-08T12:00"), "review": ("2031-11-09T09:00", "2031-11-23T18:00"),
          "results": ("2031-11-24T09:00", "2031-12-31T18:00")}


def form_data(**changes) -> dict:
    data = {
        "title": "2031 东莞市民点赞榜", "slug": "dg-2031", "year": "2031", "description": "",
        "entry_limit_per_track": "3", "votes_per_day": "10", "votes_per_case_per_day": "1",
        "require_verified_phone": "on", "finalists": "30", "aggregate": "trimmed_mean", "vote_method": "max_ratio",
        "vote_weight": "0.3", "assignment": "all", "reviews_per_case": "5",
        "tracks-TOTAL_FORMS": "2", "tracks-INITIAL_FORMS": "0",
        "tracks-0-name": "典型案例", "tracks-0-kind": "typical_case", "tracks-0-entry_limit_per_unit": "3",
        "tracks-0-awards": "10",
        "tracks-1-name": "", "tracks-1-kind": "typical_case",
        "domains-TOTAL_FORMS": "2", "domains-INITIAL_FORMS": "0",
        "domains-0-name": "教育", "domains-0-colour": "#1d4ed8",
        "domains-1-name": "交通", "domains-1-colour": "#047857",
    }
    for kind, (start, end) in PHASES.items():
        data[f"{kind}_starts_at"], data[f"{kind}_ends_at"] = start, end
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}



def snapshot():
    return (list(Campaign.objects.order_by("pk").values_list("title", "slug", "year")), Phase.objects.count(),
            list(Track.objects.order_by("pk").values_list("name", "entry_limit_per_unit", "awards")),
            list(Domain.objects.order_by("pk").values_list("name", "colour")), VotingRules.objects.count(),
            PanelSettings.objects.count(), AuditEntry.objects.count())


@pytest.fixture
def upcoming():
    """A campaign that opens next year (editable)."""
    from tests.voting.test_setup_services import a_setup
    from voting.setup import services

    return services.create_campaign(actor=factories.StaffFactory(role="organiser"),
                                    setup=a_setup(slug="upcoming", title="即将开始的一届"))


def pages(campaign):
    return [
        ("get", "/campaign-setup/", {}),
        ("get", "/campaign-setup/new", {}),
        ("post", "/campaign-setup/new", form_data()),
        ("get", f"/campaign-setup/{campaign.pk}/", {}),
        ("post", f"/campaign-setup/{campaign.pk}/", form_data(slug="changed")),
        ("post", "/campaign-setup/copy", {"source": campaign.pk}),
    ]


@pytest.mark.parametrize("role", ["anonymous", "resident", "unit_staff", "dispatcher", "reviewer", "portal_admin"])
def test_nobody_but_an_organiser_opens_or_changes_a_campaigns_set_up(client, upcoming, role):
    signed_in_as(client, role)
    assert_refused_everywhere(client, role, pages(upcoming), snapshot)


def test_an_organiser_creates_a_campaign_through_the_wizard(client):
    organiser = signed_in_as(client, "organiser")
    page = client.get("/campaign-setup/new")
    assert page.status_code == 200 and "阶段（北京时间）" in page.content.decode()

    response = client.post("/campaign-setup/new", form_data())

    assert response.status_code == 302 and response["Location"] == "/campaign-setup/"
    campaign = Campaign.objects.get(slug="dg-2031")
    assert [(t.name, t.entry_limit_per_unit, t.awards) for t in campaign.tracks.all()] == [("典型案例", 3, 10)]
    assert [(d.name, d.colour) for d in campaign.domains.order_by("position")] == [("教育", "#1d4ed8"),
                                                                                 ("交通", "#047857")]
    voting = campaign.phases.get(kind="voting")
    assert voting.ends_at.isoformat() == "2031-11-08T04:00:00+00:00"  # 12:00 in Beijing
    assert AuditEntry.objects.get().action == AuditAction.CAMPAIGN_CREATED and AuditEntry.objects.get().actor == organiser


@pytest.mark.parametrize("changes, shown", [
    ({"title": None}, "该字段是必填项。"),
    ({"voting_starts_at": None}, "该字段是必填项。"),
    ({"voting_starts_at": "明天"}, "输入一个有效的日期/时间。"),
    ({"year": "二〇三一"}, "输入整数。"),
    ({"screening_starts_at": "2031-10-20T09:00"}, "时间重叠"),
    ({"voting_starts_at": "2031-09-01T09:00", "voting_ends_at": "2031-09-05T09:00"}, "阶段须按"),
    ({"results_ends_at": "2031-11-20T09:00"}, "结束时间必须晚于开始时间"),
    ({"tracks-0-entry_limit_per_unit": "21"}, "每个单位可报数应在 1 到 20 之间"),
    ({"tracks-0-awards": "501"}, "获奖名额应在 1 到 500 之间"),
    ({"tracks-0-name": ""}, "请至少填写一个奖项"),
    ({"domains-1-name": "教育"}, "领域“教育”重复了"),
    ({"domains-0-colour": "blue"}, "六位十六进制"),
    ({"votes_per_case_per_day": "11"}, "1 到每天总票数之间"),
    ({"vote_weight": "1.2"}, "票数权重应在 0 到 1 之间"),
    ({"finalists": "0"}, "入围案例数应在 1 到 500 之间"),
    ({"aggregate": "best_of"}, "选择一个有效的选项"),
    ({"slug": "东莞"}, "网址标识只能用小写字母"),
    ({"tracks-TOTAL_FORMS": None}, "ManagementForm"),
])
def test_bad_input_is_shown_on_the_form_and_creates_nothing(client, changes, shown):
    signed_in_as(client, "organiser")
    before = snapshot()
    response = client.post("/campaign-setup/new", form_data(**changes))
    assert response.status_code == 400
    assert shown in response.content.decode()
    assert snapshot() == before


def test_an_organiser_edits_an_upcoming_campaign_and_removes_a_track(client, upcoming):
    signed_in_as(client, "organiser")
    page = client.get(f"/campaign-setup/{upcoming.pk}/").content.decode()
    assert 'value="即将开始的一届"' in page and 'value="2031-10-01T09:00"' in page  # times shown in Beijing time
    first, second = upcoming.tracks.order_by("position")
    data = form_data(slug="upcoming", title="改名后的一届", **{
        "tracks-TOTAL_FORMS": "2", "tracks-INITIAL_FORMS": "2",
        "tracks-0-id": str(first.pk), "tracks-0-DELETE": "on",
        "tracks-1-id": str(second.pk), "tracks-1-name": second.name, "tracks-1-kind": second.kind, "tracks-1-awards": "15",
    })
    response = client.post(f"/campaign-setup/{upcoming.pk}/", data)
    assert response.status_code == 302
    upcoming.refresh_from_db()
    assert upcoming.title == "改名后的一届"
    assert list(upcoming.tracks.values_list("pk", "name")) == [(second.pk, second.name)]
    assert AuditEntry.objects.filter(action=AuditAction.CAMPAIGN_CHANGED).count() == 1


def test_a_forged_track_id_of_another_campaign_is_not_found_and_changes_nothing(client, upcoming):
    signed_in_as(client, "organiser")
    other = factories.CampaignFactory()
    before = snapshot()
    response = client.post(f"/campaign-setup/{upcoming.pk}/", form_data(slug="upcoming", **{
        "tracks-0-id": str(other.tracks.get().pk), "tracks-0-name": "抢来的"}))
    assert response.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("address", ["/campaign-setup/999999/", "/campaign-setup/0/"])
def test_a_campaign_that_does_not_exist_is_not_found(client, address):
    signed_in_as(client, "organiser")
    assert client.get(address).status_code == 404
    assert client.post(address, form_data()).status_code == 404
    assert not Campaign.objects.exists()


def test_an_open_campaign_is_shown_but_not_edited(client):
    signed_in_as(client, "organiser")
    campaign = factories.CampaignFactory(title="正在征集的一届")
    page = client.get(f"/campaign-setup/{campaign.pk}/")
    assert page.status_code == 200 and "设置不能再整体修改" in page.content.decode()
    assert b"<form" not in page.content.split(b"<main")[1]
    before = snapshot()
    response = client.post(f"/campaign-setup/{campaign.pk}/", form_data(slug=campaign.slug, title="改名"))
    assert response.status_code == 409 and snapshot() == before


def test_copy_last_year_opens_the_copy_to_edit(client, upcoming):
    signed_in_as(client, "organiser")
    response = client.post("/campaign-setup/copy", {"source": upcoming.pk})
    copy = Campaign.objects.get(year=2032)
    assert response.status_code == 302 and response["Location"] == f"/campaign-setup/{copy.pk}/"
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize("source", ["999999", "x", ""])
def test_copying_a_forged_source_says_so_and_creates_nothing(client, upcoming, source):
    signed_in_as(client, "organiser")
    before = snapshot()
    response = client.post("/campaign-setup/copy", {"source": source})
    assert response.status_code == 302 and response["Location"] == "/campaign-setup/"
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["找不到这个活动，它可能已被删除。"]
    assert snapshot() == before


def test_set_up_writes_are_rate_limited(client, settings):
    settings.PORTAL_RATE_LIMITS = {**settings.PORTAL_RATE_LIMITS, "campaigns.setup": {"user": "2/h"}}
    signed_in_as(client, "organiser")
    answers = [client.post("/campaign-setup/new", form_data(title="")).status_code for _ in range(3)]
    assert answers == [400, 400, 429]


def test_the_organisers_workspace_links_the_set_up(client, upcoming):
    signed_in_as(client, "organiser")
    desk = client.get("/cases/desk/").content.decode()
    assert 'href="/campaign-setup/new"' in desk and f'href="/campaign-setup/{upcoming.pk}/"' in desk


def test_the_wizard_in_english_shows_no_chinese_but_the_data(client, settings):
    import re

    from tests.portal.test_translations import _VisibleText

    organiser = signed_in_as(client, "organiser")
    organiser.display_name = "Li Na"  # the greeting shows the name as it is
    organiser.save()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for address in ("/campaign-setup/new", "/campaign-setup/"):
        parser = _VisibleText()
        parser.feed(client.get(address).content.decode())
        leftovers = [c for c in parser.chunks if re.search(r"[\u4e00-\u9fff]", c) and c != "中文"]
        assert not leftovers, (address, leftovers)


def test_the_list_counts_a_campaign_open_as_its_edit_page_does_not_by_a_tracks_own_phase(client, upcoming):
    """A track's own phase that has started does not open the campaign: the
    list offers "修改设置" as the edit page (cases.services.opens_at) allows it."""
    from django.utils import timezone

    from cases.services import opens_at

    track = upcoming.tracks.first()
    factories.PhaseFactory(campaign=upcoming, track=track, kind="call",
                           starts_at=timezone.now() - dt.timedelta(days=1), ends_at=timezone.now() + dt.timedelta(days=1))
    signed_in_as(client, "organiser")

    listed = client.get("/campaign-setup/").content.decode()

    assert opens_at(upcoming) > timezone.now()
    row = listed[listed.index("即将开始的一届"):]
    assert "修改设置" in row[:2000] and "调整阶段" not in row[:2000]
    assert client.get(f"/campaign-setup/{upcoming.pk}/").status_code == 200
