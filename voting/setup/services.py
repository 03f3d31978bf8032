"""Setting a campaign up whole: the case registry's part (cases.services
setup: title, year, limits, tracks, domains, phases), the vote's rules and
the panel's settings, in one transaction, with one audit row.

``check_setup`` is the one validation: the wizard's form asks it first, and
each write asks its parts again under the locks (check_plan, check_quotas,
check_settings), with the tables' constraints behind them.

Editing is allowed only before the campaign opens (its first phase starts):
after that, entries, ballots or reviews may rest on any setting, so the
wizard refuses (409 campaign_open) and the organiser uses the tools that
keep an open campaign sound: a phase moved with a reason, quotas that only
grow, panel settings fixed once results are out."""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from cases import services as cases_services
from cases.models import Campaign
from cases.services.setup import ORGANISERS_ONLY
from portal import services as portal_services
from portal import timeutils
from portal.enums import AuditAction
from portal.exceptions import NotFoundError
from portal.models import User
from portal.permissions import require
from voting.models import VotingRules
from voting.panel import services as panel_services
from voting.panel.enums import Aggregate, AssignmentMode, VoteMethod
from voting.panel.models import Criterion, PanelSettings
from voting.services import check_quotas, set_rules

PERM = "cases.manage_campaign"
# How far ahead "copy last year" may look for a timeline that lies ahead.
COPY_MAX_YEARS = 10


@dataclasses.dataclass(frozen=True)
class RulesPlan:
    votes_per_day: int = 10
    votes_per_case_per_day: int = 1
    allow_unverified: bool = False
    require_verified_phone: bool = True


@dataclasses.dataclass(frozen=True)
class PanelPlan:
    finalists: int = 30
    aggregate: str = Aggregate.TRIMMED_MEAN
    vote_method: str = VoteMethod.MAX_RATIO
    vote_weight: Decimal = Decimal("0.30")
    assignment: str = AssignmentMode.ALL_TO_ALL
    reviews_per_case: int = 5
    show_reviewer_names: bool = False


@dataclasses.dataclass(frozen=True)
class Setup:
    plan: cases_services.CampaignPlan
    rules: RulesPlan
    panel: PanelPlan


def check_setup(setup: Setup, *, campaign: Campaign | None = None) -> None:
    """Every rule of a set-up; the first one broken is refused with the
    field it concerns (a PortalError kind)."""
    cases_services.check_plan(setup.plan, campaign=campaign)
    check_quotas(votes_per_day=setup.rules.votes_per_day, votes_per_case_per_day=setup.rules.votes_per_case_per_day)
    panel = dataclasses.asdict(setup.panel)
    panel.pop("show_reviewer_names")
    panel_services.check_settings(**panel)


def _write_rules_and_panel(actor: User, campaign: Campaign, setup: Setup) -> None:
    set_rules(actor=actor, campaign=campaign, **dataclasses.asdict(setup.rules))
    panel_services.set_panel_settings(actor=actor, campaign=campaign, **dataclasses.asdict(setup.panel))


@transaction.atomic
def create_campaign(*, actor: User | None, setup: Setup) -> Campaign:
    """A new campaign from the wizard, whole or not at all."""
    require(actor, PERM, message=ORGANISERS_ONLY)
    check_setup(setup)
    campaign = cases_services.create_from_plan(actor=actor, plan=setup.plan)
    _write_rules_and_panel(actor, campaign, setup)
    portal_services.record_audit(actor=actor, action=AuditAction.CAMPAIGN_CREATED, campaign=campaign.title,
                                 campaign_id=campaign.pk)
    return campaign


@transaction.atomic
def update_campaign(*, actor: User | None, campaign_id: int | str, setup: Setup) -> Campaign:
    """Edit a campaign's whole set-up before it opens; refused (409
    campaign_open) once its first phase has started."""
    require(actor, PERM, message=ORGANISERS_ONLY)
    campaign = campaign_by_id(campaign_id)
    cases_services.check_not_open(campaign)
    check_setup(setup, campaign=campaign)
    before = setup_of(campaign)
    campaign, changed = cases_services.apply_plan(actor=actor, campaign_id=campaign.pk, plan=setup.plan)
    if before.rules != setup.rules:
        changed.append("voting_rules")
    if before.panel != setup.panel:
        changed.append("panel")
    _write_rules_and_panel(actor, campaign, setup)
    if changed:
        portal_services.record_audit(actor=actor, action=AuditAction.CAMPAIGN_CHANGED, campaign=campaign.title,
                                     campaign_id=campaign.pk, changed_parts=changed)
    return campaign


def campaign_by_id(campaign_id) -> Campaign:
    """A campaign by the id a form or an address gave; a forged one is 404."""
    try:
        return Campaign.objects.get(pk=int(campaign_id))
    except (TypeError, ValueError, Campaign.DoesNotExist):
        raise NotFoundError(_("找不到这个活动，它可能已被删除。"), field="source") from None


def setup_of(campaign: Campaign) -> Setup:
    """A campaign's set-up as it is (defaults where it has no rules or panel row yet)."""
    rules = VotingRules.objects.filter(campaign_id=campaign.pk).first() or VotingRules()
    panel = PanelSettings.objects.filter(campaign_id=campaign.pk).first() or PanelSettings()
    return Setup(
        plan=cases_services.plan_of(campaign),
        rules=RulesPlan(**{f.name: getattr(rules, f.name) for f in dataclasses.fields(RulesPlan)}),
        panel=PanelPlan(**{f.name: getattr(panel, f.name) for f in dataclasses.fields(PanelPlan)}),
    )


def _free_slug(base: str, year: int) -> str:
    base = re.sub(r"-?\d{4}$", "", base)[:50] or "campaign"
    slug, n = f"{base}-{year}", 2
    while Campaign.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{year}-{n}", n + 1
    return slug


def copied_setup(source: Campaign) -> Setup:
    """The source's set-up for a later year: the same tracks, domains, rules
    and panel settings, new rows (no ids), and every phase shifted by one
    year (by as many whole years as it takes for the call to lie ahead)."""
    setup = setup_of(source)
    phases = setup.plan.phases
    first = min((start for start, _end in phases.values()), default=None)
    years = 1
    while first is not None and years < COPY_MAX_YEARS and cases_services.shift_years(first, years) <= timeutils.now():
        years += 1
    year = source.year + years
    title = source.title.replace(str(source.year), str(year))
    if title == source.title:
        title = _("%(title)s（%(year)d）") % {"title": source.title, "year": year}
    title_en = source.title_en.replace(str(source.year), str(year))
    if title_en and title_en == source.title_en:
        title_en = f"{source.title_en} ({year})"
    plan = dataclasses.replace(
        setup.plan, title=title[:120], title_en=title_en[:200], year=year, slug=_free_slug(source.slug, year),
        phases={kind: (cases_services.shift_years(start, years), cases_services.shift_years(end, years))
                for kind, (start, end) in phases.items()},
        tracks=tuple(dataclasses.replace(t, id=None) for t in setup.plan.tracks),
        domains=tuple(dataclasses.replace(d, id=None) for d in setup.plan.domains),
    )
    return dataclasses.replace(setup, plan=plan)


@transaction.atomic
def copy_campaign(*, actor: User | None, source_id: int | str) -> Campaign:
    """"Copy last year": a new campaign from an earlier one (copied_setup),
    with its scoring criteria, for the organiser to edit before it opens.
    The copy is checked like any new campaign (a source whose timeline is
    incomplete is refused with what to fix)."""
    require(actor, PERM, message=ORGANISERS_ONLY)
    source = campaign_by_id(source_id)
    setup = copied_setup(source)
    check_setup(setup)
    campaign = cases_services.create_from_plan(actor=actor, plan=setup.plan)
    _write_rules_and_panel(actor, campaign, setup)
    Criterion.objects.bulk_create(
        Criterion(campaign=campaign, name=c.name, guidance=c.guidance, weight=c.weight, max_mark=c.max_mark,
                  required=c.required, position=c.position)
        for c in Criterion.objects.filter(campaign=source).order_by("position", "pk")
    )
    portal_services.record_audit(actor=actor, action=AuditAction.CAMPAIGN_COPIED, campaign=campaign.title,
                                 campaign_id=campaign.pk, source=source.title, source_id=source.pk)
    return campaign
