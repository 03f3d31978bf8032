"""Read side of the case registry: timelines, the board, screening lists."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from django.db.models import Count, Max, Min, Prefetch, Q, QuerySet
from django.db.models.fields.files import FieldFile

from cases.enums import BoardSort, EntryState, PhaseKind
from cases.models import Campaign, CaseEntry, Domain, EntryEvent, EntryImage, Phase, PhaseChange, Track
from portal import caching, timeutils
from portal.models import Unit

BOARD_PAGE_SIZE = 24


def _all_phases(campaign: Campaign) -> list[Phase]:
    """Every phase of the campaign, its own and its tracks', in time order
    (cached on the campaign; a prefetched ``phases`` is used)."""
    cached = getattr(campaign, "_phases_cache", None)
    if cached is None:
        cached = sorted(campaign.phases.all(), key=lambda phase: phase.starts_at)
        campaign._phases_cache = cached
    return cached


def phase_moves(campaign: Campaign) -> QuerySet[PhaseChange]:
    """Every recorded move of a campaign's phases, newest first (who, when,
    from what, to what, why)."""
    return PhaseChange.objects.filter(phase__campaign=campaign).select_related("phase", "actor").order_by(
        "-changed_at", "-pk")


def phases_of(campaign: Campaign) -> list[Phase]:
    """The campaign's own phases (no track) in time order."""
    return [p for p in _all_phases(campaign) if p.track_id is None]


def track_phases(campaign: Campaign, track: Track | int) -> list[Phase]:
    """The phases a track has of its own (overriding the campaign's), in time order."""
    track_id = getattr(track, "pk", track)
    return [p for p in _all_phases(campaign) if p.track_id == track_id]


def phase_for(campaign: Campaign, kind: str, track: Track | int | None = None) -> Phase | None:
    """The phase of this kind for the track: the track's own, else the campaign's."""
    if track is not None:
        own = next((p for p in track_phases(campaign, track) if p.kind == kind), None)
        if own is not None:
            return own
    return next((p for p in phases_of(campaign) if p.kind == kind), None)


def phase(campaign: Campaign, kind: str, track: Track | int | None = None) -> Phase | None:
    return phase_for(campaign, kind, track)


def current_phase(campaign: Campaign, moment: dt.datetime | None = None) -> Phase | None:
    """The phase the clock is in, or None between phases / outside the timeline."""
    moment = moment or timeutils.now()
    return next((p for p in phases_of(campaign) if p.contains(moment)), None)


def phase_is_open(
    campaign: Campaign, kind: str, moment: dt.datetime | None = None, *, track: Track | int | None = None
) -> bool:
    found = phase_for(campaign, kind, track)
    return found is not None and found.contains(moment or timeutils.now())


def phase_has_started(
    campaign: Campaign, kind: str, moment: dt.datetime | None = None, *, track: Track | int | None = None
) -> bool:
    found = phase_for(campaign, kind, track)
    return found is not None and found.starts_at <= (moment or timeutils.now())


def any_phase_open(campaign: Campaign, kind: str, moment: dt.datetime | None = None) -> bool:
    """Is a phase of this kind open for the campaign or any of its tracks?"""
    moment = moment or timeutils.now()
    return any(p.kind == kind and p.contains(moment) for p in _all_phases(campaign))


@dataclass(frozen=True)
class TimelineStep:
    phase: Phase
    status: str  # "done", "current", "upcoming"


def timeline(campaign: Campaign, moment: dt.datetime | None = None) -> list[TimelineStep]:
    moment = moment or timeutils.now()
    steps = []
    for item in phases_of(campaign):
        status = "done" if item.ends_at <= moment else "current" if item.contains(moment) else "upcoming"
        steps.append(TimelineStep(item, status))
    return steps


def campaigns() -> QuerySet[Campaign]:
    return Campaign.objects.prefetch_related("phases", "tracks", "domains").annotate(
        first_start=Min("phases__starts_at"), last_end=Max("phases__ends_at")
    )


def campaigns_to_set_up(moment: dt.datetime | None = None) -> list[Campaign]:
    """Every campaign for the organisers' set-up list, newest first, each
    with ``opens_at`` (the start of its first campaign-wide phase, as
    cases.services.opens_at counts it: a track's own phase does not open the
    campaign) and ``is_open`` (whether that moment has come)."""
    moment = moment or timeutils.now()
    rows = list(Campaign.objects.annotate(opens_at=Min("phases__starts_at", filter=Q(phases__track=None)))
                .order_by("-year", "-created_at"))
    for campaign in rows:
        campaign.is_open = campaign.opens_at is not None and campaign.opens_at <= moment
    return rows


def current_campaign(moment: dt.datetime | None = None) -> Campaign | None:
    """The edition whose timeline covers now; otherwise the latest that has
    started; otherwise the next one."""
    moment = moment or timeutils.now()
    listed = list(
        Campaign.objects.annotate(first_start=Min("phases__starts_at"), last_end=Max("phases__ends_at"))
        .filter(first_start__isnull=False)
        .order_by("-first_start", "-pk")
    )
    running = [c for c in listed if c.first_start <= moment < c.last_end]
    if running:
        return running[0]
    started = [c for c in listed if c.first_start <= moment]
    if started:
        return started[0]
    return listed[-1] if listed else Campaign.objects.order_by("-year", "-pk").first()


def open_calls(moment: dt.datetime | None = None) -> list[Campaign]:
    """Campaigns whose call for entries is open now."""
    moment = moment or timeutils.now()
    found = Campaign.objects.filter(
        phases__kind=PhaseKind.CALL, phases__starts_at__lte=moment, phases__ends_at__gt=moment
    ).prefetch_related("phases", "tracks", "domains")
    return list(found)


def _cover_prefetch() -> Prefetch:
    # DISTINCT ON gives the first photo of each entry in one query.
    return Prefetch(
        "images",
        queryset=EntryImage.objects.order_by("entry_id", "position").distinct("entry_id"),
        to_attr="cover_list",
    )


def search_terms(q: str) -> list[str]:
    return [term for term in (q or "").replace("\u3000", " ").split() if term][:8]


def board_entries(
    campaign: Campaign,
    *,
    domain_id: int | None = None,
    level: str | None = None,
    q: str = "",
    sort: str = BoardSort.NEWEST,
) -> QuerySet[CaseEntry]:
    """Accepted cases of a campaign, filtered and sorted for the board.

    Search matches every word (substring, so Chinese works without word
    splitting: 电梯 finds 加装电梯) against title, unit, summary and domain.
    Sorting by votes reads ``vote_count``, which the voting app keeps.
    """
    entries = (
        CaseEntry.objects.filter(campaign=campaign, state=EntryState.ACCEPTED)
        .select_related("unit", "domain", "track")
        .prefetch_related(_cover_prefetch())
    )
    if domain_id:
        entries = entries.filter(domain_id=domain_id)
    if level:
        entries = entries.filter(unit__level=level)
    for term in search_terms(q):
        entries = entries.filter(
            Q(title__icontains=term)
            | Q(unit__name__icontains=term)
            | Q(unit__short_name__icontains=term)
            | Q(unit__name_en__icontains=term)
            | Q(summary__icontains=term)
            | Q(domain__name__icontains=term)
            | Q(domain__name_en__icontains=term)
        )
    if sort == BoardSort.VOTES:
        return entries.order_by("-vote_count", "-accepted_at", "-pk")
    return entries.order_by("-accepted_at", "-pk")


def board_case(pk: int) -> CaseEntry:
    """Any entry with what its page needs (the view checks who may see it)."""
    return (
        CaseEntry.objects.select_related("campaign", "unit", "domain", "track")
        .prefetch_related("images")
        .get(pk=pk)
    )


# A photo found in storage is believed for this long; a missing one is asked
# after on every view, so that it shows again as soon as its file is back.
PHOTO_PRESENT_SECONDS = 600


def photo_in_storage(photo: FieldFile) -> bool:
    """Whether a photo's file is still in storage: a lost volume or a
    half-restored backup leaves the row without its file. One storage call
    (on object storage, a request to the bucket)."""
    return photo.storage.exists(photo.name)


def photo_present(photo: FieldFile) -> bool:
    """photo_in_storage, a found file believed for PHOTO_PRESENT_SECONDS in the
    shared cache and a missing one asked after on each call (shown again once
    its file is back): the one check every page showing a photo makes."""
    return caching.remember(
        f"cases:photo-present:{photo.name}",
        functools.partial(photo_in_storage, photo),
        PHOTO_PRESENT_SECONDS,
        accept=lambda held: held or not photo_in_storage(photo),
    )


def shown_images(entry: CaseEntry) -> list[EntryImage]:
    """The entry's photos whose files are in storage, in order: a page shows
    no broken image for a file that went missing."""
    return [image for image in entry.images.all() if photo_present(image.image)]


def shown_covers(entries) -> list[CaseEntry]:
    """Board cards (entries with the cover prefetch): a cover whose thumbnail,
    the file a card shows, is gone from storage is dropped, so the card shows
    its placeholder. No query; one cache read per card."""
    entries = list(entries)
    for entry in entries:
        entry.cover_list = [cover for cover in getattr(entry, "cover_list", []) if photo_present(cover.thumbnail)]
    return entries


def board_levels(campaign: Campaign) -> list[tuple[str, str]]:
    """Unit levels that have cases on the board (value, label)."""
    present = set(
        CaseEntry.objects.filter(campaign=campaign, state=EntryState.ACCEPTED)
        .values_list("unit__level", flat=True)
        .distinct()
    )
    return [(value, label) for value, label in Unit._meta.get_field("level").choices if value in present]


def domains_of(campaign: Campaign) -> list[Domain]:
    return list(Domain.objects.filter(campaign=campaign).order_by("position", "pk"))


def entries_of_unit(unit: Unit) -> QuerySet[CaseEntry]:
    return (
        CaseEntry.objects.filter(unit=unit)
        .select_related("campaign", "track", "domain")
        .prefetch_related(_cover_prefetch())
        .order_by("-created_at", "-pk")
    )


def live_entry_counts(campaign: Campaign, unit: Unit) -> dict[int, int]:
    """Live (not withdrawn) entries per track of one unit."""
    rows = (
        CaseEntry.objects.filter(campaign=campaign, unit=unit)
        .exclude(state=EntryState.WITHDRAWN)
        .values("track_id")
        .annotate(n=Count("pk"))
    )
    return {row["track_id"]: row["n"] for row in rows}


def screening_entries(
    campaign: Campaign,
    *,
    domain_id: int | None = None,
    unit_id: int | None = None,
    track_id: int | None = None,
    q: str = "",
) -> QuerySet[CaseEntry]:
    """Entries organisers screen (drafts are the unit's own business),
    filtered by everything but the state: the caller counts per state on this
    and then narrows to one state."""
    entries = (
        CaseEntry.objects.filter(campaign=campaign)
        .exclude(state=EntryState.DRAFT)
        .select_related("unit", "domain", "track")
        .annotate(image_count=Count("images"))
    )
    if domain_id:
        entries = entries.filter(domain_id=domain_id)
    if unit_id:
        entries = entries.filter(unit_id=unit_id)
    if track_id:
        entries = entries.filter(track_id=track_id)
    for term in search_terms(q):
        entries = entries.filter(Q(title__icontains=term) | Q(unit__name__icontains=term) | Q(summary__icontains=term))
    return entries.order_by("submitted_at", "pk")


def state_counts(entries: QuerySet[CaseEntry]) -> list[tuple[str, str, int]]:
    """(state, label, count) for every screening state, zeros included."""
    rows = dict(entries.order_by().values_list("state").annotate(n=Count("pk", distinct=True)))
    return [(value, label, rows.get(value, 0)) for value, label in EntryState.choices if value != EntryState.DRAFT]


def units_with_entries(campaign: Campaign) -> list[Unit]:
    return list(Unit.objects.filter(case_entries__campaign=campaign).distinct().order_by("name"))


def history(entry: CaseEntry) -> QuerySet[EntryEvent]:
    return entry.events.select_related("actor").order_by("-at", "-pk")


EXPORT_HEADER = [
    "编号", "标题", "申报单位", "单位层级", "奖项", "领域", "状态", "摘要", "取得成效", "视频链接",
    "联系人", "联系电话", "图片数", "票数", "提交时间", "上榜时间", "最近筛选意见",
]


def export_rows(entries: QuerySet[CaseEntry]):
    entries = entries.select_related("unit", "domain", "track").annotate(n_images=Count("images"))
    for entry in entries.order_by("pk"):
        yield [
            entry.pk,
            entry.title,
            entry.unit.name,
            entry.unit.get_level_display(),
            entry.track.name,
            entry.domain.name,
            entry.get_state_display(),
            entry.summary,
            entry.results,
            entry.video_url,
            entry.contact_name,
            entry.contact_phone,
            entry.n_images,
            entry.vote_count,
            entry.submitted_at.astimezone(timeutils.LOCAL_TZ) if entry.submitted_at else None,
            entry.accepted_at.astimezone(timeutils.LOCAL_TZ) if entry.accepted_at else None,
            entry.screening_note,
        ]



def board_entries_all() -> QuerySet[CaseEntry]:
    """Every accepted case of any campaign (the API's case detail)."""
    return (
        CaseEntry.objects.filter(state=EntryState.ACCEPTED)
        .select_related("campaign", "unit", "domain", "track")
        .prefetch_related("images")
    )
