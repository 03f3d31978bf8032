"""Campaign set-up (issue 21): the wizard's services create a campaign whole,
refuse a bad timeline or limits out of bounds with the field they concern
and change nothing, copy last year's campaign a year on, and edit a set-up
only before the campaign opens."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from cases.enums import PHASE_ORDER, PhaseKind, TrackKind
from cases.models import Campaign, Domain, Phase, PhaseChange, Track
from cases.services import CampaignPlan, DomainPlan, TrackPlan
from portal.enums import AuditAction
from portal.exceptions import PermissionDeniedError, PortalError
from portal.models import AuditEntry
from portal.timeutils import LOCAL_TZ, local_datetime
from tests import factories
from voting.models import VotingRules
from voting.panel.models import Criterion, PanelSettings
from voting.setup import services
from voting.setup.services import PanelPlan, RulesPlan, Setup

pytestmark = pytest.mark.django_db


def timeline(year: int = 2031) -> dict:
    """Five phases back to back in local time: call from 1 October 09:00."""
    start, spans = local_datetime(year, 10, 1, 9), {}
    for kind, days in zip(PHASE_ORDER, [20, 10, 7, 14, 30]):
        spans[kind] = (start, start + dt.timedelta(days=days))
        start += dt.timedelta(days=days)
    return spans


def a_setup(**changes) -> Setup:
    plan = CampaignPlan(
        title="2031 东莞市民点赞榜", slug="dg-2031", year=2031, phases=timeline(),
        tracks=(TrackPlan(name="典型案例", entry_limit_per_unit=3, awards=10),
                TrackPlan(name="最佳回复单位", kind=TrackKind.BEST_UNIT, awards=15)),
        domains=(DomainPlan(name="教育", colour="#1d4ed8"), DomainPlan(name="交通", colour="#047857")),
    )
    rules = RulesPlan(votes_per_day=8, votes_per_case_per_day=2)
    panel = PanelPlan(finalists=20, vote_weight=Decimal("0.40"))
    for key in list(changes):
        if key in {f.name for f in dataclasses.fields(RulesPlan)}:
            rules = dataclasses.replace(rules, **{key: changes.pop(key)})
        elif key in {f.name for f in dataclasses.fields(PanelPlan)}:
            panel = dataclasses.replace(panel, **{key: changes.pop(key)})
    return Setup(plan=dataclasses.replace(plan, **changes), rules=rules, panel=panel)


def counts():
    return (Campaign.objects.count(), Phase.objects.count(), Track.objects.count(), Domain.objects.count(),
            VotingRules.objects.count(), PanelSettings.objects.count(), AuditEntry.objects.count())


def test_an_organiser_creates_a_campaign_with_everything_in_one_go(organiser):
    campaign = services.create_campaign(actor=organiser, setup=a_setup())

    assert (campaign.title, campaign.slug, campaign.year) == ("2031 东莞市民点赞榜", "dg-2031", 2031)
    assert [(t.name, t.kind, t.entry_limit_per_unit, t.awards) for t in campaign.tracks.order_by("position")] == [
        ("典型案例", "typical_case", 3, 10), ("最佳回复单位", "best_unit", None, 15)]
    assert [(d.name, d.colour) for d in campaign.domains.order_by("position")] == [("教育", "#1d4ed8"), ("交通", "#047857")]
    call = campaign.phases.get(kind=PhaseKind.CALL)
    assert call.starts_at.astimezone(LOCAL_TZ).isoformat() == "2031-10-01T09:00:00+08:00"
    assert call.starts_at == dt.datetime(2031, 10, 1, 1, tzinfo=dt.UTC)
    rules, panel = VotingRules.objects.get(campaign=campaign), PanelSettings.objects.get(campaign=campaign)
    assert (rules.votes_per_day, rules.votes_per_case_per_day, rules.require_verified_phone) == (8, 2, True)
    assert (panel.finalists, panel.vote_weight, panel.panel_weight) == (20, Decimal("0.40"), Decimal("0.60"))
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.details["campaign_id"]) == (organiser, AuditAction.CAMPAIGN_CREATED,
                                                                         campaign.pk)
    with translation.override("zh-hans"):
        assert entry.summary() == ["2031 东莞市民点赞榜"]


def shifted(kind: str, *, start=None, end=None) -> dict:
    spans = dict(timeline())
    old_start, old_end = spans[kind]
    spans[kind] = (start or old_start, end or old_end)
    return spans


@pytest.mark.parametrize("phases, code, field", [
    # Voting placed before the call for entries.
    (shifted("voting", start=local_datetime(2031, 9, 1), end=local_datetime(2031, 9, 8)), "phase_order",
     "voting_starts_at"),
    # Screening starts a day before the call ends.
    (shifted("screening", start=local_datetime(2031, 10, 20, 9)), "phase_overlap", "screening_starts_at"),
    # The results phase ends before it starts.
    (shifted("results", end=local_datetime(2031, 11, 1)), "phase_empty", "results_ends_at"),
    # Ends exactly when it starts.
    (shifted("call", end=local_datetime(2031, 10, 1, 9)), "phase_empty", "call_ends_at"),
    # No review phase at all.
    ({k: v for k, v in timeline().items() if k != "review"}, "phase_missing", "review_starts_at"),
])
def test_a_bad_timeline_is_refused_on_its_field_and_nothing_is_created(organiser, phases, code, field):
    before = counts()
    with pytest.raises(PortalError) as refused:
        services.create_campaign(actor=organiser, setup=a_setup(phases=phases))
    assert (refused.value.code, refused.value.field, refused.value.status) == (code, field, 400)
    assert counts() == before


def test_phases_that_meet_end_to_start_are_accepted(organiser):
    campaign = services.create_campaign(actor=organiser, setup=a_setup())
    phases = list(campaign.phases.order_by("starts_at"))
    assert all(a.ends_at == b.starts_at for a, b in zip(phases, phases[1:]))


@pytest.mark.parametrize("changes, field", [
    ({"entry_limit_per_track": 0}, "entry_limit_per_track"),
    ({"entry_limit_per_track": 21}, "entry_limit_per_track"),
    ({"tracks": (TrackPlan(name="典型案例", entry_limit_per_unit=21),)}, "tracks-0-entry_limit_per_unit"),
    ({"tracks": (TrackPlan(name="甲"), TrackPlan(name="乙", awards=501))}, "tracks-1-awards"),
    ({"tracks": (TrackPlan(name="甲", awards=0),)}, "tracks-0-awards"),
    ({"tracks": (TrackPlan(name="甲", kind="gold"),)}, "tracks-0-kind"),
    ({"tracks": ()}, "tracks-0-name"),
    ({"tracks": (TrackPlan(name="甲"), TrackPlan(name="甲"))}, "tracks-1-name"),
    ({"domains": (DomainPlan(name="教育", colour="red"),)}, "domains-0-colour"),
    ({"domains": (DomainPlan(name="教育"), DomainPlan(name=" "))}, "domains-1-name"),
    ({"year": 1999}, "year"),
    ({"year": 2101}, "year"),
    ({"title": "  "}, "title"),
    ({"slug": "东莞 2031"}, "slug"),
    ({"votes_per_day": 101}, "votes_per_day"),
    ({"votes_per_day": 0}, "votes_per_day"),
    ({"votes_per_case_per_day": 9}, "votes_per_case_per_day"),
    ({"finalists": 0}, "finalists"),
    ({"finalists": 501}, "finalists"),
    ({"vote_weight": Decimal("1.5")}, "vote_weight"),
    ({"vote_weight": Decimal("0.333")}, "vote_weight"),
    ({"reviews_per_case": 101}, "reviews_per_case"),
    ({"aggregate": "best_of"}, "aggregate"),
])
def test_limits_out_of_bounds_are_refused_on_their_field_and_nothing_is_created(organiser, changes, field):
    before = counts()
    with pytest.raises(PortalError) as refused:
        services.create_campaign(actor=organiser, setup=a_setup(**changes))
    assert refused.value.field == field and refused.value.status == 400
    assert counts() == before


def test_a_taken_web_name_is_refused(organiser):
    factories.CampaignFactory(slug="dg-2031")
    with pytest.raises(PortalError) as refused:
        services.create_campaign(actor=organiser, setup=a_setup())
    assert (refused.value.code, refused.value.field) == ("slug_taken", "slug")


@pytest.mark.parametrize("role", ["resident", "unit_staff", "dispatcher", "reviewer", "portal_admin"])
def test_only_organisers_set_campaigns_up(role):
    actor = factories.ResidentFactory() if role == "resident" else factories.StaffFactory(role=role)
    source = factories.CampaignFactory()
    before = counts()
    for call in (lambda: services.create_campaign(actor=actor, setup=a_setup()),
                 lambda: services.copy_campaign(actor=actor, source_id=source.pk),
                 lambda: services.update_campaign(actor=actor, campaign_id=source.pk, setup=a_setup())):
        with pytest.raises(PermissionDeniedError):
            call()
    assert counts() == before


# --- copy last year -----------------------------------------------------------------------------


def test_copy_last_year_carries_tracks_domains_rules_panel_and_criteria_a_year_on(organiser):
    source = services.create_campaign(actor=organiser, setup=a_setup(title="2031 东莞市民点赞榜"))
    Criterion.objects.create(campaign=source, name="有效性", weight=Decimal("50"), max_mark=Decimal("50"), position=0)
    Criterion.objects.create(campaign=source, name="创新性", weight=Decimal("50"), max_mark=Decimal("50"), position=1)

    copy = services.copy_campaign(actor=organiser, source_id=source.pk)

    assert (copy.title, copy.slug, copy.year) == ("2032 东莞市民点赞榜", "dg-2032", 2032)
    assert [(t.name, t.kind, t.entry_limit_per_unit, t.awards) for t in copy.tracks.order_by("position")] == [
        ("典型案例", "typical_case", 3, 10), ("最佳回复单位", "best_unit", None, 15)]
    assert [(d.name, d.colour) for d in copy.domains.order_by("position")] == [("教育", "#1d4ed8"), ("交通", "#047857")]
    local = {p.kind: (p.starts_at.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M"),
                      p.ends_at.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")) for p in copy.phases.all()}
    assert local["call"] == ("2032-10-01 09:00", "2032-10-21 09:00")
    assert local["results"] == ("2032-11-21 09:00", "2032-12-21 09:00")
    rules, panel = VotingRules.objects.get(campaign=copy), PanelSettings.objects.get(campaign=copy)
    assert (rules.votes_per_day, rules.votes_per_case_per_day) == (8, 2)
    assert (panel.finalists, panel.vote_weight) == (20, Decimal("0.40"))
    assert list(copy.criteria.values_list("name", "weight")) == [("有效性", Decimal("50")), ("创新性", Decimal("50"))]
    # The source is as it was, and the copy is logged with its source.
    assert source.tracks.count() == 2 and source.phases.get(kind="call").starts_at.year == 2031
    entry = AuditEntry.objects.get(action=AuditAction.CAMPAIGN_COPIED)
    with translation.override("zh-hans"):
        assert entry.details["source_id"] == source.pk and entry.summary() == ["2032 东莞市民点赞榜", "复制自 2031 东莞市民点赞榜"]


def test_copying_an_old_campaign_lands_its_timeline_ahead_of_today(organiser):
    now = timezone.now()
    source = factories.CampaignFactory(title="第三届市民点赞榜", slug="third", year=now.year - 3,
                                       timeline=factories.campaign_timeline(now - dt.timedelta(days=3 * 365 + 30)))
    with translation.override("zh-hans"):  # the copy's title is written in the organiser's language
        copy = services.copy_campaign(actor=organiser, source_id=source.pk)
    first = copy.phases.order_by("starts_at").first()
    assert first.starts_at > now
    assert copy.year == source.year + (first.starts_at.year - source.phases.get(kind="call").starts_at.year)
    assert copy.title == f"第三届市民点赞榜（{copy.year}）" and copy.slug == f"third-{copy.year}"


def test_copy_of_a_campaign_with_a_web_name_taken_gets_the_next_free_one(organiser):
    source = services.create_campaign(actor=organiser, setup=a_setup())
    factories.CampaignFactory(slug="dg-2032")
    assert services.copy_campaign(actor=organiser, source_id=source.pk).slug == "dg-2032-2"


@pytest.mark.parametrize("source_id", ["999999", "abc", None])
def test_copying_a_campaign_that_does_not_exist_is_not_found(organiser, source_id):
    before = counts()
    with pytest.raises(PortalError) as refused:
        services.copy_campaign(actor=organiser, source_id=source_id)
    assert refused.value.status == 404 and counts() == before


# --- editing before the campaign opens ----------------------------------------------------------


def test_before_it_opens_the_whole_set_up_can_be_edited_and_each_moved_phase_is_recorded(organiser):
    campaign = services.create_campaign(actor=organiser, setup=a_setup())
    current = services.setup_of(campaign)
    first, second = current.plan.tracks
    later = {kind: (start + dt.timedelta(days=5), end + dt.timedelta(days=5)) for kind, (start, end) in timeline().items()}
    edited = dataclasses.replace(current, plan=dataclasses.replace(
        current.plan, title="2031 市民点赞榜", phases=later,
        tracks=(dataclasses.replace(second, awards=12), TrackPlan(name="最佳网络工作者", kind=TrackKind.BEST_WORKER)),
        domains=current.plan.domains + (DomainPlan(name="环境保护", colour="#15803d"),),
    ), rules=dataclasses.replace(current.rules, votes_per_day=12))

    services.update_campaign(actor=organiser, campaign_id=campaign.pk, setup=edited)

    campaign.refresh_from_db()
    assert campaign.title == "2031 市民点赞榜"
    assert [(t.pk == second.id, t.name, t.awards) for t in campaign.tracks.order_by("position")] == [
        (True, "最佳回复单位", 12), (False, "最佳网络工作者", None)]
    assert not Track.objects.filter(pk=first.id).exists()
    assert campaign.domains.count() == 3 and VotingRules.objects.get(campaign=campaign).votes_per_day == 12
    assert {p.kind: (p.starts_at, p.ends_at) for p in campaign.phases.all()} == later
    assert PhaseChange.objects.filter(phase__campaign=campaign).count() == 5
    entry = AuditEntry.objects.get(action=AuditAction.CAMPAIGN_CHANGED)
    assert entry.details["changed_parts"] == ["title", "phases", "tracks", "domains", "voting_rules"]
    with translation.override("zh-hans"):
        assert entry.summary()[-1] == "修改了 名称、阶段、奖项、领域、投票规则"
    with translation.override("en"):
        assert entry.summary()[-1] == "changed Name, Phase, Award, Field, Voting rules"


def test_saving_an_unchanged_set_up_logs_nothing(organiser):
    campaign = services.create_campaign(actor=organiser, setup=a_setup())
    services.update_campaign(actor=organiser, campaign_id=campaign.pk, setup=services.setup_of(campaign))
    assert AuditEntry.objects.filter(action=AuditAction.CAMPAIGN_CHANGED).count() == 0


@pytest.mark.parametrize("open_phase", ["call", "voting"])
def test_once_the_campaign_has_opened_its_set_up_is_not_edited(organiser, open_phase):
    campaign = factories.CampaignFactory(timeline=factories.campaign_timeline(open_phase=open_phase))
    VotingRules.objects.create(campaign=campaign, votes_per_day=10, votes_per_case_per_day=1)
    setup = services.setup_of(campaign)
    lower = dataclasses.replace(setup, plan=dataclasses.replace(setup.plan, title="改名"),
                                rules=dataclasses.replace(setup.rules, votes_per_day=5))
    before = counts()
    with pytest.raises(PortalError) as refused:
        services.update_campaign(actor=organiser, campaign_id=campaign.pk, setup=lower)
    assert (refused.value.code, refused.value.status) == ("campaign_open", 409)
    campaign.refresh_from_db()
    assert campaign.title != "改名" and VotingRules.objects.get(campaign=campaign).votes_per_day == 10
    assert counts() == before


def test_a_forged_track_or_domain_id_of_another_campaign_is_not_found_and_changes_nothing(organiser):
    campaign = services.create_campaign(actor=organiser, setup=a_setup())
    other = factories.CampaignFactory()
    setup = services.setup_of(campaign)
    forged = (dataclasses.replace(setup.plan.tracks[0], id=other.tracks.get().pk, name="抢来的"),)
    before = counts()
    with pytest.raises(PortalError) as refused:
        services.update_campaign(actor=organiser, campaign_id=campaign.pk,
                                 setup=dataclasses.replace(setup, plan=dataclasses.replace(setup.plan, tracks=forged)))
    assert refused.value.status == 404
    assert other.tracks.get().name == "典型案例" and counts() == before


def test_a_new_campaign_cannot_name_existing_rows(organiser):
    other = factories.CampaignFactory()
    setup = a_setup(domains=(DomainPlan(name="教育", id=other.domains.first().pk),))
    with pytest.raises(PortalError) as refused:
        services.create_campaign(actor=organiser, setup=setup)
    assert refused.value.status == 404 and other.domains.first().name == "教育"


def test_the_audit_log_names_a_changed_english_title_in_words(organiser):
    campaign = services.create_campaign(actor=organiser, setup=a_setup())
    setup = services.setup_of(campaign)
    services.update_campaign(actor=organiser, campaign_id=campaign.pk, setup=dataclasses.replace(
        setup, plan=dataclasses.replace(setup.plan, title_en="Citizens' Board 2031")))
    entry = AuditEntry.objects.get(action=AuditAction.CAMPAIGN_CHANGED)
    with translation.override("zh-hans"):
        assert entry.summary()[-1] == "修改了 英文名称"
    with translation.override("en"):
        assert entry.summary()[-1] == "changed English name"
