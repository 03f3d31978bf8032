"""A campaign's set-up as one plan (the organisers' wizard, issue 21): its
title, year, limits, award tracks, domains and five phases, checked in one
place (``check_plan``, which the wizard's form asks first and the writes ask
again under the campaign's lock), created whole, edited before the campaign
opens, read back and shifted by whole years for "copy last year".

The vote's and the panel's settings are voting's (voting.setup puts the
three together); this module knows only the case registry's tables. The
bounds are the tables' (cases.models ENTRY_LIMIT_*, AWARDS_*), so the form,
these checks and the database's constraints cannot drift apart."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.enums import PHASE_ORDER, PhaseKind, TrackKind
from cases.exceptions import CaseError
from cases.models import (
    AWARDS_MAX, AWARDS_MIN, ENTRY_LIMIT_MAX, ENTRY_LIMIT_MIN, Campaign, Domain, Phase, PhaseChange, Track,
)
from cases.services.campaigns import check_timeline
from portal import timeutils
from portal.exceptions import ConflictError, NotFoundError
from portal.models import User
from portal.permissions import require

YEAR_MIN, YEAR_MAX = 2000, 2100
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")  # as the table's domain_colour_hex
ORGANISERS_ONLY = gettext_lazy("只有主办方可以设置活动。")
# Where phases wait while a timeline is rewritten (one transaction): every
# row's new range may overlap another's old one, and the exclusion
# constraint is checked row by row. Far from any real campaign (YEAR_MIN).
PARKING = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclasses.dataclass(frozen=True)
class TrackPlan:
    name: str
    name_en: str = ""  # shown in English; empty: the Chinese name
    kind: str = TrackKind.TYPICAL_CASE
    description: str = ""
    entry_limit_per_unit: int | None = None  # None: the campaign's limit
    awards: int | None = None
    id: int | None = None  # an existing track of the campaign being edited


@dataclasses.dataclass(frozen=True)
class DomainPlan:
    name: str
    name_en: str = ""
    colour: str = "#a4161a"
    id: int | None = None


@dataclasses.dataclass(frozen=True)
class CampaignPlan:
    title: str
    slug: str
    year: int
    phases: Mapping[str, tuple[dt.datetime, dt.datetime]]
    tracks: tuple[TrackPlan, ...]
    domains: tuple[DomainPlan, ...]
    description: str = ""
    entry_limit_per_track: int = 3
    title_en: str = ""


def _refuse(message: str, code: str, field: str) -> CaseError:
    return CaseError(message, code=code, field=field)


def _check_bounds(value, low: int, high: int, *, field: str, label: str, optional: bool = False) -> None:
    if value is None and optional:
        return
    if value is None or not low <= value <= high:
        raise _refuse(_("%(label)s应在 %(min)d 到 %(max)d 之间。") % {"label": label, "min": low, "max": high},
                      "out_of_bounds", field)


def _row_messages(prefix: str) -> dict[str, str]:
    if prefix == "tracks":
        return {"required": _("请至少填写一个奖项。"), "name": _("请填写奖项名称。"),
                "long": _("奖项名称最多 %(max)d 个字。"), "repeated": _("奖项“%(name)s”重复了。")}
    return {"required": _("请至少填写一个领域。"), "name": _("请填写领域名称。"),
            "long": _("领域名称最多 %(max)d 个字。"), "repeated": _("领域“%(name)s”重复了。")}


def _check_rows(rows, *, prefix: str, max_name: int) -> None:
    words = _row_messages(prefix)
    if not rows:
        raise _refuse(words["required"], f"{prefix}_required", f"{prefix}-0-name")
    seen = set()
    for index, row in enumerate(rows):
        name = row.name.strip()
        if not name:
            raise _refuse(words["name"], "name_required", f"{prefix}-{index}-name")
        if len(name) > max_name:
            raise _refuse(words["long"] % {"max": max_name}, "name_too_long", f"{prefix}-{index}-name")
        if name in seen:
            raise _refuse(words["repeated"] % {"name": name}, "name_repeated", f"{prefix}-{index}-name")
        seen.add(name)
        if len(row.name_en.strip()) > max_name * 2:  # the English twin's column is twice as wide
            raise _refuse(_("英文名称最多 %(max)d 个字符。") % {"max": max_name * 2}, "name_too_long",
                          f"{prefix}-{index}-name_en")


def _check_ids(rows, model, campaign: Campaign | None, *, prefix: str) -> None:
    """An id names a row of this campaign, or it is forged: 404, as a row of nothing."""
    given = [row.id for row in rows if row.id is not None]
    own = set(model.objects.filter(campaign=campaign).values_list("pk", flat=True)) if campaign else set()
    if not set(given) <= own or len(given) != len(set(given)):
        raise NotFoundError(_("找不到要修改的奖项或领域，它可能已被删除。请刷新页面。"), field=f"{prefix}-0-name")


def check_plan(plan: CampaignPlan, *, campaign: Campaign | None = None) -> None:
    """Every rule of a campaign's set-up, first broken one refused with the
    form field it concerns: a title, a free web name, a plausible year,
    limits within the tables' bounds, at least one track and one domain with
    distinct names, colours as #rrggbb, and all five phases in order without
    overlapping (check_timeline). `campaign`: the one being edited."""
    if not plan.title.strip():
        raise _refuse(_("请填写活动名称。"), "title_required", "title")
    if len(plan.title.strip()) > Campaign._meta.get_field("title").max_length:
        raise _refuse(_("活动名称最多 120 个字。"), "title_too_long", "title")
    if len(plan.title_en.strip()) > Campaign._meta.get_field("title_en").max_length:
        raise _refuse(_("英文名称最多 %(max)d 个字符。") % {"max": Campaign._meta.get_field("title_en").max_length},
                      "title_too_long", "title_en")
    try:
        validate_slug(plan.slug)
    except ValidationError:
        raise _refuse(_("网址标识只能用小写字母、数字和连字符，如 dg-2026。"), "bad_slug", "slug") from None
    if len(plan.slug) > Campaign._meta.get_field("slug").max_length or plan.slug != plan.slug.lower():
        raise _refuse(_("网址标识只能用小写字母、数字和连字符，如 dg-2026。"), "bad_slug", "slug")
    if Campaign.objects.filter(slug=plan.slug).exclude(pk=campaign.pk if campaign else None).exists():
        raise _refuse(_("网址标识“%(slug)s”已被使用。") % {"slug": plan.slug}, "slug_taken", "slug")
    _check_bounds(plan.year, YEAR_MIN, YEAR_MAX, field="year", label=_("年度"))
    _check_bounds(plan.entry_limit_per_track, ENTRY_LIMIT_MIN, ENTRY_LIMIT_MAX, field="entry_limit_per_track",
                  label=_("每个单位每个奖项可报案例数"))
    _check_rows(plan.tracks, prefix="tracks", max_name=Track._meta.get_field("name").max_length)
    for index, track in enumerate(plan.tracks):
        if track.kind not in TrackKind.values:
            raise _refuse(_("请选择奖项类型。"), "unknown_kind", f"tracks-{index}-kind")
        if len(track.description) > Track._meta.get_field("description").max_length:
            raise _refuse(_("奖项说明最多 300 个字。"), "description_too_long", f"tracks-{index}-description")
        _check_bounds(track.entry_limit_per_unit, ENTRY_LIMIT_MIN, ENTRY_LIMIT_MAX, optional=True,
                      field=f"tracks-{index}-entry_limit_per_unit", label=_("每个单位可报数"))
        _check_bounds(track.awards, AWARDS_MIN, AWARDS_MAX, optional=True, field=f"tracks-{index}-awards",
                      label=_("获奖名额"))
    _check_rows(plan.domains, prefix="domains", max_name=Domain._meta.get_field("name").max_length)
    for index, domain in enumerate(plan.domains):
        if not COLOUR.match(domain.colour or ""):
            raise _refuse(_("颜色请写成 #a4161a 这样的六位十六进制。"), "bad_colour", f"domains-{index}-colour")
    _check_ids(plan.tracks, Track, campaign, prefix="tracks")
    _check_ids(plan.domains, Domain, campaign, prefix="domains")
    for kind in PHASE_ORDER:
        span = plan.phases.get(kind)
        if span is None or None in span:
            raise _refuse(_("请填写「%(phase)s」的开始和结束时间。") % {"phase": PhaseKind(kind).label},
                          "phase_missing", f"{kind}_starts_at")
    unknown = set(plan.phases) - set(PhaseKind.values)
    if unknown:
        raise _refuse(_("未知阶段：%(kinds)s") % {"kinds": "、".join(sorted(unknown))}, "unknown_phase", "title")
    check_timeline((kind, start, end) for kind, (start, end) in plan.phases.items())


def opens_at(campaign: Campaign) -> dt.datetime | None:
    """When the campaign opens: the start of its first phase."""
    return min((p.starts_at for p in Phase.objects.filter(campaign_id=campaign.pk, track=None)), default=None)


def check_not_open(campaign: Campaign) -> None:
    """The set-up is edited whole only before the campaign opens. After that
    a live entry, vote or review could depend on any of it: phases move one
    at a time with a reason (set_phase), quotas only grow (set_rules)."""
    start = opens_at(campaign)
    if start is not None and start <= timeutils.now():
        raise ConflictError(
            _("“%(title)s”已于 %(start)s 开始，设置不能再整体修改。调整阶段请写明原因逐个调整，投票配额只能增加。")
            % {"title": campaign.title, "start": timeutils.local_text(start)},
            code="campaign_open",
        )


def _write_rows(campaign: Campaign, model, rows, fields: list[str]) -> bool:
    """Update the rows named by id, create the new ones, delete the rest (a
    row that entries point to is protected: refused). True if anything changed."""
    existing = {row.pk: row for row in model.objects.filter(campaign=campaign)}
    kept = {row.id for row in rows if row.id is not None}
    changed = False
    try:
        with transaction.atomic():
            gone = [pk for pk in existing if pk not in kept]
            if gone:
                model.objects.filter(pk__in=gone).delete()
                changed = True
            for position, row in enumerate(rows):
                values = {name: getattr(row, name) for name in fields} | {"position": position}
                values["name"], values["name_en"] = row.name.strip(), row.name_en.strip()
                if row.id is None:
                    model.objects.create(campaign=campaign, **values)
                    changed = True
                elif any(getattr(existing[row.id], name) != value for name, value in values.items()):
                    model.objects.filter(pk=row.id).update(**values)
                    changed = True
    except ProtectedError as exc:
        raise ConflictError(_("已有案例使用了要删除的奖项或领域，不能删除。"), code="row_in_use") from exc
    except IntegrityError as exc:  # two rows swapping names
        raise CaseError(_("奖项或领域名称重复，请分两次修改。"), code="name_repeated") from exc
    return changed


def _write_phases(*, actor: User | None, campaign: Campaign, phases: Mapping) -> bool:
    current = {p.kind: p for p in Phase.objects.select_for_update(no_key=True).filter(campaign=campaign, track=None).order_by("pk")}
    moved = [kind for kind, span in phases.items()
             if kind not in current or (current[kind].starts_at, current[kind].ends_at) != tuple(span)]
    if not moved:
        return False
    for index, kind in enumerate(k for k in moved if k in current):
        park = PARKING + dt.timedelta(hours=index)
        Phase.objects.filter(pk=current[kind].pk).update(starts_at=park, ends_at=park + dt.timedelta(minutes=1))
    reason = _("活动开始前在活动设置中修改")
    for kind in moved:
        start, end = phases[kind]
        old = current.get(kind)
        if old is None:
            phase = Phase.objects.create(campaign=campaign, kind=kind, starts_at=start, ends_at=end)
        else:
            Phase.objects.filter(pk=old.pk).update(starts_at=start, ends_at=end)
            phase = old
        PhaseChange.objects.create(phase=phase, actor=actor, old_starts_at=old and old.starts_at,
                                   old_ends_at=old and old.ends_at, new_starts_at=start, new_ends_at=end, reason=reason)
    return True


TRACK_FIELDS = ["name", "name_en", "kind", "description", "entry_limit_per_unit", "awards"]
DOMAIN_FIELDS = ["name", "name_en", "colour"]


@transaction.atomic
def create_from_plan(*, actor: User | None, plan: CampaignPlan) -> Campaign:
    """A new campaign with its phases, tracks and domains, all or nothing."""
    require(actor, "cases.manage_campaign", message=ORGANISERS_ONLY)
    check_plan(plan)
    try:
        with transaction.atomic():
            campaign = Campaign.objects.create(slug=plan.slug, title=plan.title.strip(), year=plan.year,
                                               title_en=plan.title_en.strip(),
                                               description=plan.description.strip(),
                                               entry_limit_per_track=plan.entry_limit_per_track)
    except IntegrityError as exc:  # the same web name taken a moment ago
        raise _refuse(_("网址标识“%(slug)s”已被使用。") % {"slug": plan.slug}, "slug_taken", "slug") from exc
    Phase.objects.bulk_create(Phase(campaign=campaign, kind=kind, starts_at=start, ends_at=end)
                              for kind, (start, end) in plan.phases.items())
    _write_rows(campaign, Track, plan.tracks, TRACK_FIELDS)
    _write_rows(campaign, Domain, plan.domains, DOMAIN_FIELDS)
    return campaign


@transaction.atomic
def apply_plan(*, actor: User | None, campaign_id: int, plan: CampaignPlan) -> tuple[Campaign, list[str]]:
    """Edit a campaign's set-up before it opens (check_not_open, under the
    campaign's row lock). Returns the campaign and the parts that changed
    (for the audit log); moved phases get a PhaseChange row each."""
    require(actor, "cases.manage_campaign", message=ORGANISERS_ONLY)
    campaign = Campaign.objects.select_for_update(no_key=True).filter(pk=campaign_id).first()
    if campaign is None:
        raise NotFoundError(_("找不到这个活动，它可能已被删除。"))
    check_not_open(campaign)
    check_plan(plan, campaign=campaign)
    changed = []
    values = {"title": plan.title.strip(), "title_en": plan.title_en.strip(), "slug": plan.slug, "year": plan.year,
              "description": plan.description.strip(), "entry_limit_per_track": plan.entry_limit_per_track}
    differ = [name for name, value in values.items() if getattr(campaign, name) != value]
    if differ:
        for name in differ:
            setattr(campaign, name, values[name])
        campaign.save(update_fields=differ)
        changed += differ
    if _write_phases(actor=actor, campaign=campaign, phases=plan.phases):
        changed.append("phases")
    if _write_rows(campaign, Track, plan.tracks, TRACK_FIELDS):
        changed.append("tracks")
    if _write_rows(campaign, Domain, plan.domains, DOMAIN_FIELDS):
        changed.append("domains")
    return campaign, changed


def plan_of(campaign: Campaign) -> CampaignPlan:
    """A campaign's set-up as it is now (the edit form starts from it)."""
    return CampaignPlan(
        title=campaign.title, title_en=campaign.title_en, slug=campaign.slug, year=campaign.year,
        description=campaign.description,
        entry_limit_per_track=campaign.entry_limit_per_track,
        phases={p.kind: (p.starts_at, p.ends_at) for p in Phase.objects.filter(campaign_id=campaign.pk, track=None)},
        tracks=tuple(TrackPlan(id=t.pk, **{name: getattr(t, name) for name in TRACK_FIELDS})
                     for t in Track.objects.filter(campaign_id=campaign.pk).order_by("position", "pk")),
        domains=tuple(DomainPlan(id=d.pk, **{name: getattr(d, name) for name in DOMAIN_FIELDS})
                      for d in Domain.objects.filter(campaign_id=campaign.pk).order_by("position", "pk")),
    )


def shift_years(moment: dt.datetime, years: int) -> dt.datetime:
    """The same local (Asia/Shanghai) date and hour `years` later; 29 February becomes the 28th."""
    local = moment.astimezone(timeutils.LOCAL_TZ)
    try:
        return local.replace(year=local.year + years)
    except ValueError:
        return local.replace(year=local.year + years, day=28)
