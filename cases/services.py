"""Writes of the case registry: one function per business action.

Every function is one transaction, checks the actor's permission itself
(django-rules, cases/rules.py) and raises ``CaseError`` with a message for
the person; the pages and the API call these and nothing else.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cases import richtext, selectors
from cases.enums import (
    PHASE_ORDER,
    SCREENING_ACTIONS,
    TRANSITIONS,
    UNIT_EDITABLE_STATES,
    EntryAction,
    EntryState,
    PhaseKind,
    TrackKind,
)
from cases.exceptions import CaseError
from cases.models import (
    MAX_IMAGES_PER_ENTRY,
    SUMMARY_MAX_CHARS,
    Campaign,
    CaseEntry,
    Domain,
    EntryEvent,
    EntryImage,
    Phase,
    PhaseChange,
    Track,
)
from portal import selectors as portal_selectors
from portal import timeutils
from portal.exceptions import PermissionDeniedError
from portal.images import ImageRejected, ProcessedImage, process_uploads
from portal.models import Unit, User
from portal.permissions import require

DEFAULT_DOMAINS = ["教育", "医疗卫生", "文化体育", "社会保障", "城市安全", "交通", "环境保护", "政务服务", "社区服务"]
DEFAULT_TRACKS = [(TrackKind.TYPICAL_CASE, "典型案例")]
_PHONE = re.compile(r"^[0-9+\-\s()（）转]{5,32}$")


# --- Campaigns and their timeline --------------------------------------------


def _check_timeline(spans: Iterable[tuple[str, dt.datetime, dt.datetime]]) -> None:
    """Each phase starts before it ends, and phases follow each other in
    their natural order without overlapping (gaps are allowed)."""
    ordered = sorted(spans, key=lambda span: PHASE_ORDER.index(span[0]))
    for kind, starts_at, ends_at in ordered:
        if starts_at >= ends_at:
            raise CaseError(
                _("「%(phase)s」的结束时间必须晚于开始时间。") % {"phase": PhaseKind(kind).label},
                code="phase_empty",
                field="ends_at",
            )
    for (kind, _s, ends_at), (next_kind, next_start, _e) in zip(ordered, ordered[1:]):
        if next_start < ends_at:
            raise CaseError(
                _("「%(phase)s」（至 %(end)s）与「%(next)s」（自 %(start)s）时间重叠：阶段不能重叠，请先调整相邻阶段。")
                % {
                    "phase": PhaseKind(kind).label,
                    "end": timeutils.local_text(ends_at),
                    "next": PhaseKind(next_kind).label,
                    "start": timeutils.local_text(next_start),
                },
                code="phase_overlap",
                field="starts_at",
            )


@transaction.atomic
def create_campaign(
    *,
    actor: User | None,
    slug: str,
    title: str,
    year: int,
    phases: dict[str, tuple[dt.datetime, dt.datetime]],
    description: str = "",
    entry_limit_per_track: int = 3,
    tracks: Sequence[tuple[str, str]] = DEFAULT_TRACKS,
    domains: Sequence[str] = DEFAULT_DOMAINS,
) -> Campaign:
    """A new edition with its timeline, award tracks and domains."""
    require(actor, "cases.manage_campaign", message=_("只有主办方可以创建活动。"))
    if Campaign.objects.filter(slug=slug).exists():
        raise CaseError(_("网址标识“%(slug)s”已被使用。") % {"slug": slug}, code="slug_taken", field="slug")
    unknown = set(phases) - set(PhaseKind.values)
    if unknown:
        raise CaseError(_("未知阶段：%(kinds)s") % {"kinds": "、".join(sorted(unknown))}, code="unknown_phase")
    _check_timeline((kind, start, end) for kind, (start, end) in phases.items())
    campaign = Campaign.objects.create(
        slug=slug, title=title, year=year, description=description, entry_limit_per_track=entry_limit_per_track
    )
    Phase.objects.bulk_create(
        Phase(campaign=campaign, kind=kind, starts_at=start, ends_at=end) for kind, (start, end) in phases.items()
    )
    Track.objects.bulk_create(
        Track(campaign=campaign, kind=kind, name=name, position=index) for index, (kind, name) in enumerate(tracks)
    )
    Domain.objects.bulk_create(
        Domain(campaign=campaign, name=name, position=index) for index, name in enumerate(domains)
    )
    return campaign


def check_phase(*, campaign: Campaign, kind: str, starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    """Would these times fit the campaign's timeline? (forms ask first)"""
    spans = [(p.kind, p.starts_at, p.ends_at) for p in Phase.objects.filter(campaign=campaign) if p.kind != kind]
    _check_timeline([*spans, (kind, starts_at, ends_at)])


@transaction.atomic
def set_phase(
    *,
    actor: User | None,
    campaign: Campaign,
    kind: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    reason: str,
) -> Phase:
    """Add a phase or move its boundaries. Every move is recorded with who,
    when, the old and new times and why; phases never overlap (checked here
    under a lock, and by the database's exclusion constraint)."""
    require(actor, "cases.manage_campaign", message=_("只有主办方可以调整活动阶段。"))
    if kind not in PhaseKind.values:
        raise CaseError(_("未知阶段。"), code="unknown_phase", field="kind")
    reason = (reason or "").strip()
    if not reason:
        raise CaseError(_("请填写调整原因，它会记入阶段调整记录。"), code="reason_required", field="reason")
    # Lock the campaign's phases (by pk) so that two moves cannot interleave.
    current = list(Phase.objects.select_for_update(no_key=True).filter(campaign=campaign).order_by("pk"))
    existing = next((p for p in current if p.kind == kind), None)
    spans = [(p.kind, p.starts_at, p.ends_at) for p in current if p.kind != kind] + [(kind, starts_at, ends_at)]
    _check_timeline(spans)
    if existing and existing.starts_at == starts_at and existing.ends_at == ends_at:
        return existing
    old_start, old_end = (existing.starts_at, existing.ends_at) if existing else (None, None)
    try:
        with transaction.atomic():
            if existing is None:
                existing = Phase.objects.create(campaign=campaign, kind=kind, starts_at=starts_at, ends_at=ends_at)
            else:
                existing.starts_at, existing.ends_at = starts_at, ends_at
                existing.save(update_fields=["starts_at", "ends_at"])
    except IntegrityError as exc:
        raise CaseError(_("阶段时间与其他阶段重叠。"), code="phase_overlap", field="starts_at") from exc
    PhaseChange.objects.create(
        phase=existing,
        actor=actor,
        old_starts_at=old_start,
        old_ends_at=old_end,
        new_starts_at=starts_at,
        new_ends_at=ends_at,
        reason=reason,
    )
    return existing


# --- Entries by units ---------------------------------------------------------


def _own_unit(actor: User) -> Unit:
    message = _("只有单位工作人员可以申报案例。")
    require(actor, "cases.enter_cases", message=message)
    unit = portal_selectors.staff_unit_of(actor)
    if unit is None:
        raise PermissionDeniedError(message)
    return unit


def call_closed_error(campaign: Campaign, what: str) -> CaseError:
    call = selectors.phase(campaign, PhaseKind.CALL)
    if call is None:
        return CaseError(_("本届活动没有设置案例征集期。"), code="call_closed", status=409)
    return CaseError(
        _("案例征集期为 %(start)s 至 %(end)s（北京时间），现在不能%(what)s。")
        % {"start": timeutils.local_text(call.starts_at), "end": timeutils.local_text(call.ends_at), "what": what},
        code="call_closed",
        status=409,
    )


def _clean_text(value: str | None, *, field: str, label: str, max_length: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise CaseError(_("请填写%(label)s。") % {"label": label}, code="required", field=field)
    if len(value) > max_length:
        raise CaseError(
            _("%(label)s不能超过 %(max)d 个字（现在 %(n)d 个）。") % {"label": label, "max": max_length, "n": len(value)},
            code="too_long",
            field=field,
        )
    return value


def _clean_content(campaign: Campaign, data: dict) -> dict:
    """Validate and normalise the fields a unit writes; only keys present in
    `data` are checked (partial updates)."""
    clean: dict = {}
    if "track" in data:
        track = data["track"]
        if track is None or track.campaign_id != campaign.pk:
            raise CaseError(_("请选择本届活动的奖项。"), code="bad_track", field="track")
        clean["track"] = track
    if "domain" in data:
        domain = data["domain"]
        if domain is None or domain.campaign_id != campaign.pk:
            raise CaseError(_("请选择本届活动的领域。"), code="bad_domain", field="domain")
        clean["domain"] = domain
    if "title" in data:
        clean["title"] = _clean_text(data["title"], field="title", label=_("标题"), max_length=80, required=True)
    if "summary" in data:
        clean["summary"] = _clean_text(data["summary"], field="summary", label=_("摘要"), max_length=SUMMARY_MAX_CHARS)
    if "story" in data:
        story = data["story"] or ""
        if richtext.has_unsafe_markup(story):
            raise CaseError(
                _("案例全文含有脚本或不安全的代码（如 <script>、onclick、javascript: 链接），请删除后再保存。"),
                code="unsafe_story",
                field="story",
            )
        clean["story"] = richtext.sanitise_story(_clean_text(story, field="story", label=_("案例全文"), max_length=20000))
    if "results" in data:
        clean["results"] = _clean_text(data["results"], field="results", label=_("取得成效"), max_length=2000)
    if "video_url" in data:
        url = (data["video_url"] or "").strip()
        if url:
            try:
                URLValidator(schemes=["http", "https"])(url)
            except ValidationError as exc:
                raise CaseError(
                    _("视频链接必须是以 https:// 开头的完整网址。"), code="bad_video_url", field="video_url"
                ) from exc
        clean["video_url"] = url
    if "contact_name" in data:
        clean["contact_name"] = _clean_text(data["contact_name"], field="contact_name", label=_("联系人"), max_length=40)
    if "contact_phone" in data:
        phone = _clean_text(data["contact_phone"], field="contact_phone", label=_("联系电话"), max_length=32)
        if phone and not _PHONE.match(phone):
            raise CaseError(_("联系电话只能包含数字、空格、+ 和 -。"), code="bad_phone", field="contact_phone")
        clean["contact_phone"] = phone
    return clean


REQUIRED_TO_SUBMIT = [
    ("summary", "摘要"),
    ("story", "案例全文"),
    ("results", "取得成效"),
    ("contact_name", "联系人"),
    ("contact_phone", "联系电话"),
]


def _check_complete(values: dict, image_count: int) -> None:
    missing = [(field, label) for field, label in REQUIRED_TO_SUBMIT if not values.get(field)]
    if image_count < 1:
        missing.append(("images", "至少一张图片"))
    if missing:
        raise CaseError(
            _("提交前请补全：%(fields)s。草稿已可保存，补全后再提交。") % {"fields": "、".join(_(label) for _f, label in missing)},
            code="incomplete",
            field=missing[0][0],
        )


def _process_images(uploads: Sequence[UploadedFile], already: int) -> list[ProcessedImage]:
    """Check and re-encode every upload before anything is stored."""
    uploads = [upload for upload in uploads if upload]
    if already + len(uploads) > MAX_IMAGES_PER_ENTRY:
        raise CaseError(
            _("每个案例最多 %(max)d 张图片（已有 %(have)d 张，又选了 %(new)d 张）。")
            % {"max": MAX_IMAGES_PER_ENTRY, "have": already, "new": len(uploads)},
            code="too_many_images",
            field="images",
        )
    try:
        return process_uploads(uploads)
    except ImageRejected as exc:
        message = exc.message if exc.number is None else _("第 %(n)d 张图片（%(name)s）：%(message)s") % {
            "n": exc.number, "name": getattr(uploads[exc.number - 1], "name", ""), "message": exc.message}
        raise CaseError(message, code=exc.code, field="images") from exc


def _store_images(entry: CaseEntry, processed: list[ProcessedImage]) -> None:
    used = set(entry.images.values_list("position", flat=True))
    free = (position for position in range(MAX_IMAGES_PER_ENTRY) if position not in used)
    for item, position in zip(processed, free):
        EntryImage.objects.create(
            entry=entry, position=position, image=item.image, thumbnail=item.thumbnail, width=item.width, height=item.height
        )


def _free_slot(campaign: Campaign, track: Track, unit: Unit) -> int:
    """The first free slot of the unit in the track, or a clear refusal.

    The caller holds a lock on the unit's row, so concurrent entries of one
    unit queue here; the unique slot constraint backs this up.
    """
    used = set(
        CaseEntry.objects.filter(track=track, unit=unit).exclude(state=EntryState.WITHDRAWN).values_list("slot", flat=True)
    )
    limit = campaign.entry_limit_per_track
    for slot in range(1, limit + 1):
        if slot not in used:
            return slot
    raise CaseError(
        _("本单位在「%(track)s」已报 %(n)d 个案例，达到本届每个奖项 %(limit)d 个的上限。如需换报，请先撤回一个尚未入选的案例。")
        % {"track": track.name, "n": len(used), "limit": limit},
        code="track_limit",
        field="track",
    )


def _lock_unit(unit: Unit) -> None:
    Unit.objects.select_for_update(no_key=True).filter(pk=unit.pk).values_list("pk", flat=True).get()


def _record(
    entry: CaseEntry,
    *,
    actor: User | None,
    action: str,
    from_state: str,
    reason: str = "",
    deadline: dt.datetime | None = None,
) -> EntryEvent:
    return EntryEvent.objects.create(
        entry=entry,
        actor=actor,
        action=action,
        from_state=from_state,
        to_state=entry.state,
        reason=reason,
        deadline=deadline,
    )


def _transition(entry: CaseEntry, action: str) -> str:
    """The state `action` leads to from the entry's state, or a refusal."""
    target = TRANSITIONS[action].get(entry.state)
    if target is None:
        raise CaseError(
            _("「%(title)s」当前状态为“%(state)s”，不能%(action)s。")
            % {"title": entry.title, "state": entry.get_state_display(), "action": EntryAction(action).label},
            code="bad_transition",
            status=409,
        )
    return target


@transaction.atomic
def create_entry(
    *,
    actor: User,
    campaign: Campaign,
    track: Track | None,
    domain: Domain | None,
    title: str,
    summary: str = "",
    story: str = "",
    results: str = "",
    video_url: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    images: Sequence[UploadedFile] = (),
    unit: Unit | None = None,
    submit: bool = False,
) -> CaseEntry:
    """A unit enters a case during the call for entries, always for its own
    unit, within the campaign's limit per track; saved as a draft, or
    submitted at once when complete. A bad image stores nothing."""
    own = _own_unit(actor)
    if unit is not None and unit.pk != own.pk:
        raise PermissionDeniedError(_("只能为本单位申报案例，不能替其他单位申报。"), code="other_unit", field="unit")
    if not selectors.phase_is_open(campaign, PhaseKind.CALL):
        raise call_closed_error(campaign, _("新建案例"))
    values = _clean_content(
        campaign,
        {
            "track": track,
            "domain": domain,
            "title": title,
            "summary": summary,
            "story": story,
            "results": results,
            "video_url": video_url,
            "contact_name": contact_name,
            "contact_phone": contact_phone,
        },
    )
    images = [upload for upload in images if upload]
    if submit:
        _check_complete(values, len(images))
    processed = _process_images(images, 0)
    _lock_unit(own)
    slot = _free_slot(campaign, values["track"], own)
    entry = CaseEntry(campaign=campaign, unit=own, slot=slot, created_by=actor, state=EntryState.DRAFT, **values)
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError as exc:
        raise CaseError(_("名额刚被占用，请刷新后重试。"), code="track_limit", field="track") from exc
    _record(entry, actor=actor, action=EntryAction.CREATE, from_state="")
    _store_images(entry, processed)
    if submit:
        _apply_submit(entry, actor=actor)
    return entry


def _lock_entry(entry: CaseEntry) -> CaseEntry:
    # Lock only the entry's row, not the joined campaign and track.
    return (
        CaseEntry.objects.select_for_update(no_key=True, of=("self",))
        .select_related("campaign", "track")
        .get(pk=entry.pk)
    )


def _unit_may_edit(entry: CaseEntry, what: str) -> None:
    """Units change content during the call; after it, only an entry sent
    back for changes, until its deadline."""
    now = timeutils.now()
    if entry.state not in UNIT_EDITABLE_STATES:
        raise CaseError(
            _("案例当前状态为“%(state)s”，不能再%(what)s。") % {"state": entry.get_state_display(), "what": what},
            code="read_only",
        )
    if entry.state == EntryState.CHANGES_REQUESTED and entry.changes_deadline and now < entry.changes_deadline:
        return
    if selectors.phase_is_open(entry.campaign, PhaseKind.CALL, now):
        return
    if entry.state == EntryState.CHANGES_REQUESTED and entry.changes_deadline:
        raise CaseError(
            _("修改期限已于 %(deadline)s 截止，案例已只读。") % {"deadline": timeutils.local_text(entry.changes_deadline)},
            code="deadline_passed",
        )
    raise call_closed_error(entry.campaign, what)


@transaction.atomic
def update_entry(
    *,
    actor: User,
    entry: CaseEntry,
    changes: dict,
    new_images: Sequence[UploadedFile] = (),
    remove_image_ids: Iterable[int] = (),
    unit: Unit | None = None,
    submit: bool = False,
) -> CaseEntry:
    """A unit edits its own entry (see ``_unit_may_edit`` for when).
    `changes` holds only the fields to change (title, summary, story, results,
    video_url, contact_name, contact_phone, track, domain)."""
    entry = _lock_entry(entry)
    require(actor, "cases.change_entry", entry, message=_("只能修改本单位的案例。"))
    if unit is not None and unit.pk != entry.unit_id:
        raise PermissionDeniedError(_("不能把案例改为其他单位申报。"), code="other_unit", field="unit")
    _unit_may_edit(entry, _("修改案例"))
    allowed = {"track", "domain", "title", "summary", "story", "results", "video_url", "contact_name", "contact_phone"}
    unknown = set(changes) - allowed
    if unknown:
        raise CaseError(_("不能修改这些字段：%(f)s") % {"f": "、".join(sorted(unknown))}, code="bad_field")
    values = _clean_content(entry.campaign, changes)
    remove_ids = {int(pk) for pk in remove_image_ids}
    existing_images = list(entry.images.all())
    foreign = remove_ids - {image.pk for image in existing_images}
    if foreign:
        raise CaseError(_("要删除的图片不属于这个案例。"), code="bad_image", field="images")
    remaining = len(existing_images) - len(remove_ids)
    new_images = [upload for upload in new_images if upload]
    if submit:
        merged = {field: getattr(entry, field) for field, _label in REQUIRED_TO_SUBMIT} | values
        _check_complete(merged, remaining + len(new_images))
    processed = _process_images(new_images, remaining)
    if "track" in values and values["track"].pk != entry.track_id:
        _lock_unit(entry.unit)
        entry.slot = _free_slot(entry.campaign, values["track"], entry.unit)
    for field, value in values.items():
        setattr(entry, field, value)
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError as exc:
        raise CaseError(_("名额刚被占用，请刷新后重试。"), code="track_limit", field="track") from exc
    if remove_ids:
        for image in [image for image in existing_images if image.pk in remove_ids]:
            image.delete()
            # Files go once the rows are surely gone.
            transaction.on_commit(lambda i=image: (i.image.delete(save=False), i.thumbnail.delete(save=False)))
    _store_images(entry, processed)
    _record(entry, actor=actor, action=EntryAction.EDIT, from_state=entry.state)
    if submit and entry.state != EntryState.SUBMITTED:
        _apply_submit(entry, actor=actor)
    return entry


def _apply_submit(entry: CaseEntry, *, actor: User) -> None:
    before = entry.state
    entry.state = _transition(entry, EntryAction.SUBMIT)
    values = {field: getattr(entry, field) for field, _label in REQUIRED_TO_SUBMIT}
    _check_complete(values, entry.images.count())
    entry.submitted_at = timeutils.now()
    entry.changes_deadline = None
    entry.save(update_fields=["state", "submitted_at", "changes_deadline", "updated_at"])
    _record(entry, actor=actor, action=EntryAction.SUBMIT, from_state=before)


@transaction.atomic
def submit_entry(*, actor: User, entry: CaseEntry) -> CaseEntry:
    """Hand a complete draft (or a changed entry) to the organisers: during
    the call, or before the deadline of a request for changes."""
    entry = _lock_entry(entry)
    require(actor, "cases.change_entry", entry, message=_("只能提交本单位的案例。"))
    _transition(entry, EntryAction.SUBMIT)
    _unit_may_edit(entry, _("提交案例"))
    _apply_submit(entry, actor=actor)
    return entry


@transaction.atomic
def withdraw_entry(*, actor: User, entry: CaseEntry, reason: str = "") -> CaseEntry:
    """A unit withdraws its own entry while the call is open; the slot is
    freed for another entry."""
    entry = _lock_entry(entry)
    require(actor, "cases.withdraw_entry", entry, message=_("只能撤回本单位的案例。"))
    target = _transition(entry, EntryAction.WITHDRAW)
    if not selectors.phase_is_open(entry.campaign, PhaseKind.CALL):
        raise call_closed_error(entry.campaign, _("撤回案例"))
    before = entry.state
    entry.state = target
    entry.save(update_fields=["state", "updated_at"])
    _record(entry, actor=actor, action=EntryAction.WITHDRAW, from_state=before, reason=(reason or "").strip()[:500])
    return entry


# --- Screening by organisers -------------------------------------------------


def _check_decision(decision: str, reason: str, deadline: dt.datetime | None) -> str:
    if decision not in SCREENING_ACTIONS:
        raise CaseError(_("请选择筛选结果：通过、不予入选或要求修改。"), code="bad_decision", field="decision")
    reason = (reason or "").strip()
    if decision in (EntryAction.REJECT, EntryAction.REQUEST_CHANGES) and not reason:
        raise CaseError(_("不予入选或要求修改时必须写明原因，单位会看到它。"), code="reason_required", field="reason")
    if len(reason) > 500:
        raise CaseError(_("原因不能超过 500 字。"), code="too_long", field="reason")
    if decision == EntryAction.REQUEST_CHANGES:
        if deadline is None:
            raise CaseError(_("要求修改时请设定修改截止时间。"), code="deadline_required", field="deadline")
        if deadline <= timeutils.now():
            raise CaseError(_("修改截止时间必须在将来。"), code="deadline_past", field="deadline")
    return reason


def _screening_open(campaign: Campaign) -> None:
    if selectors.phase_has_started(campaign, PhaseKind.REVIEW):
        raise CaseError(_("专家评审已经开始，不能再更改筛选结果。"), code="screening_closed")


def _apply_screening(
    entry: CaseEntry, *, actor: User | None, decision: str, reason: str, deadline: dt.datetime | None
) -> None:
    before = entry.state
    entry.state = _transition(entry, decision)
    entry.screening_note = reason
    if decision == EntryAction.ACCEPT:
        entry.accepted_at = timeutils.now()
        entry.changes_deadline = None
    elif decision == EntryAction.REQUEST_CHANGES:
        entry.changes_deadline = deadline
    else:
        entry.changes_deadline = None
    entry.save(update_fields=["state", "screening_note", "accepted_at", "changes_deadline", "updated_at"])
    _record(entry, actor=actor, action=decision, from_state=before, reason=reason, deadline=deadline)


@transaction.atomic
def screen_entry(
    *,
    actor: User | None,
    entry: CaseEntry,
    decision: str,
    reason: str = "",
    deadline: dt.datetime | None = None,
) -> CaseEntry:
    """An organiser accepts an entry to the board, rejects it with a reason
    the unit sees, or asks for changes by a deadline. Every decision is an
    event row (who, when, from, to, why)."""
    require(actor, "cases.screen_entry", entry, message=_("只有主办方可以筛选案例。"))
    reason = _check_decision(decision, reason, deadline)
    entry = _lock_entry(entry)
    _screening_open(entry.campaign)
    _apply_screening(entry, actor=actor, decision=decision, reason=reason, deadline=deadline)
    return entry


@transaction.atomic
def screen_entries(
    *,
    actor: User | None,
    campaign: Campaign,
    entry_ids: Iterable[int],
    decision: str,
    reason: str = "",
    deadline: dt.datetime | None = None,
) -> list[CaseEntry]:
    """The same decision for many entries: all of them or none (an entry
    whose state does not allow it refuses the whole batch, by name)."""
    require(actor, "cases.screen_entry", message=_("只有主办方可以筛选案例。"))
    reason = _check_decision(decision, reason, deadline)
    ids = sorted({int(pk) for pk in entry_ids})
    if not ids:
        raise CaseError(_("请先勾选要处理的案例。"), code="nothing_selected", field="entries")
    _screening_open(campaign)
    entries = list(
        CaseEntry.objects.select_for_update(no_key=True).filter(campaign=campaign, pk__in=ids).order_by("pk")
    )
    if len(entries) != len(ids):
        raise CaseError(_("所选案例有的不存在或不属于本届活动。"), code="bad_selection", field="entries", status=404)
    blocked = [entry for entry in entries if entry.state not in TRANSITIONS[decision]]
    if blocked:
        names = "、".join(f"「{entry.title}」({entry.get_state_display()})" for entry in blocked[:5])
        raise CaseError(
            _("%(n)d 个案例的当前状态不能%(action)s：%(names)s。请调整勾选后再试，本次没有任何更改。")
            % {"n": len(blocked), "action": EntryAction(decision).label, "names": names},
            code="bad_transition",
            status=409,
            field="entries",
        )
    for entry in entries:
        _apply_screening(entry, actor=actor, decision=decision, reason=reason, deadline=deadline)
    return entries
