"""Moving a phase of an opened campaign from the set-up pages (issue 21):
only organisers, through cases.services.set_phase (the move is recorded with
its reason), its refusals shown beside the fields with 400 and nothing
changed, forged or foreign phase ids refused, writes rate-limited."""

from __future__ import annotations

import datetime as dt

import pytest

from cases.models import Phase, PhaseChange
from portal.enums import AuditAction
from portal.models import AuditEntry
from portal.timeutils import LOCAL_TZ
from tests import factories
from tests.signin import assert_refused_everywhere, signed_in_as

pytestmark = pytest.mark.django_db



def local(moment: dt.datetime) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M")


def snapshot():
    return (list(Phase.objects.order_by("pk").values_list("campaign_id", "kind", "starts_at", "ends_at")),
            PhaseChange.objects.count(), AuditEntry.objects.count())


@pytest.fixture
def opened():
    """A campaign whose call for entries is running (opened 5 days ago)."""
    return factories.CampaignFactory(title="正在征集的一届")


def a_move(campaign, kind="call", *, days_longer=0, **changes):
    phase = campaign.phases.get(kind=kind)
    data = {"phase": str(phase.pk), "starts_at": local(phase.starts_at),
            "ends_at": local(phase.ends_at + dt.timedelta(days=days_longer) - dt.timedelta(hours=1)),
            "reason": "征集期提前一小时结束"}
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def address(campaign):
    return f"/campaign-setup/{campaign.pk}/phases"


@pytest.mark.parametrize("role", ["anonymous", "resident", "unit_staff", "dispatcher", "reviewer", "portal_admin"])
def test_nobody_but_an_organiser_opens_or_moves_a_phase(client, opened, role):
    signed_in_as(client, role)
    requests = [("get", address(opened), {}), ("post", address(opened), a_move(opened))]
    assert_refused_everywhere(client, role, requests, snapshot)


def test_an_organiser_moves_a_phase_and_the_move_is_recorded_with_its_reason(client, opened):
    organiser = signed_in_as(client, "organiser")
    call = opened.phases.get(kind="call")
    page = client.get(address(opened)).content.decode()
    assert "当前阶段（北京时间）" in page and call.starts_at.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M") in page

    response = client.post(address(opened), a_move(opened))

    assert response.status_code == 302 and response["Location"] == address(opened)
    call.refresh_from_db()
    change = PhaseChange.objects.get()
    assert (change.phase, change.actor, change.reason) == (call, organiser, "征集期提前一小时结束")
    assert change.new_ends_at == call.ends_at  # typed to the minute, in Beijing time
    assert dt.timedelta(hours=1) <= change.old_ends_at - call.ends_at < dt.timedelta(hours=1, minutes=1)
    history = client.get(address(opened)).content.decode()
    assert "征集期提前一小时结束" in history and "调整记录" in history
    # The portal's audit log names the move too, beside the other set-up changes.
    entry = AuditEntry.objects.get(action=AuditAction.PHASE_MOVED)
    assert entry.actor == organiser and "征集期提前一小时结束" in " ".join(entry.summary())


@pytest.mark.parametrize("changes, field, shown", [
    ({"reason": ""}, "reason", "请填写调整原因"),
    ({"reason": "   "}, "reason", "请填写调整原因"),
    ({"ends_at": "2020-01-01T09:00"}, "ends_at", "结束时间必须晚于开始时间"),
    ({"starts_at": None}, "starts_at", "该字段是必填项。"),
    ({"ends_at": "下周"}, "ends_at", "输入一个有效的日期/时间。"),
    ({"phase": "999999"}, "phase", "选择一个有效的选项"),
    ({"phase": "x"}, "phase", "选择一个有效的选项"),
])
def test_bad_input_is_shown_beside_its_field_and_changes_nothing(client, opened, changes, field, shown):
    signed_in_as(client, "organiser")
    before = snapshot()
    response = client.post(address(opened), a_move(opened, **changes))
    assert response.status_code == 400
    assert shown in str(response.context["form"].errors[field])
    assert shown in response.content.decode()
    assert snapshot() == before


def test_an_overlap_with_the_next_phase_is_refused_beside_the_end(client, opened):
    signed_in_as(client, "organiser")
    before = snapshot()
    response = client.post(address(opened), a_move(opened, days_longer=2))
    assert response.status_code == 400
    assert "时间重叠" in str(response.context["form"].errors["ends_at"])
    assert snapshot() == before


def test_a_phase_of_another_campaign_is_not_a_choice_and_changes_nothing(client, opened):
    signed_in_as(client, "organiser")
    other = factories.CampaignFactory()
    before = snapshot()
    response = client.post(address(opened), a_move(opened, phase=str(other.phases.get(kind="call").pk)))
    assert response.status_code == 400
    assert "选择一个有效的选项" in str(response.context["form"].errors["phase"])
    assert snapshot() == before


def test_a_campaign_that_does_not_exist_is_not_found(client):
    signed_in_as(client, "organiser")
    assert client.get("/campaign-setup/999999/phases").status_code == 404
    assert client.post("/campaign-setup/999999/phases", {"reason": "x"}).status_code == 404


def test_phase_moves_are_rate_limited(client, opened, settings):
    settings.PORTAL_RATE_LIMITS = {**settings.PORTAL_RATE_LIMITS, "campaigns.setup": {"user": "2/h"}}
    signed_in_as(client, "organiser")
    answers = [client.post(address(opened), a_move(opened, reason="")).status_code for _ in range(3)]
    assert answers == [400, 400, 429]


def test_the_set_up_list_and_the_opened_page_link_the_phase_move(client, opened):
    signed_in_as(client, "organiser")
    assert f'href="{address(opened)}"' in client.get("/campaign-setup/").content.decode()
    assert f'href="{address(opened)}"' in client.get(f"/campaign-setup/{opened.pk}/").content.decode()


def test_the_phase_move_page_in_english_shows_no_chinese_but_the_data(client, settings):
    import re

    from tests.portal.test_translations import _VisibleText

    organiser = signed_in_as(client, "organiser")
    organiser.display_name = "Li Na"
    organiser.save()
    campaign = factories.CampaignFactory(title="正在征集的一届", title_en="The running edition")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.post(address(campaign), a_move(campaign, reason="The call ends an hour early"))
    bad = client.post(address(campaign), a_move(campaign, reason=""))
    for page in (client.get(address(campaign)), bad):
        parser = _VisibleText()
        parser.feed(page.content.decode())
        leftovers = [c for c in parser.chunks if re.search(r"[\u4e00-\u9fff]", c) and c != "中文"]
        assert not leftovers, leftovers
