"""Entries by units: create, edit, submit and withdraw during the call (and
edit again when the organisers ask for changes)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cases import selectors
from cases.enums import UNIT_EDITABLE_STATES, EntryAction, EntryState, PhaseKind
from cases.exceptions import CaseError
from cases.models import Campaign, CaseEntry, Domain, Track
from cases.services.common import lock_entry, record_event, transition
from cases.services.content import REQUIRED_TO_SUBMIT, check_complete, clean_content, process_images, store_images
from cases.services.tracks import entry_limit_locked
from portal import selectors as portal_selectors
from portal import timeutils
from portal.exceptions import PermissionDeniedError
from portal.models import Unit, User
from portal.permissions import require


def _own_unit(actor: User) -> Unit:
    message = _("只有单位工作人员可以申报案例。")
    require(actor, "cases.enter_cases", message=message)
    unit = portal_selectors.staff_unit_of(actor)
    if unit is None:
        raise PermissionDeniedError(message)
    return unit


def call_closed_error(campaign: Campaign, what: str, track=None) -> CaseError:
    call = selectors.phase_for(campaign, PhaseKind.CALL, track)
    if call is None:
        return CaseError(_("本届活动没有设置案例征集期。"), code="call_closed", status=409)
    return CaseError(
        _("案例征集期为 %(start)s 至 %(end)s（北京时间），现在不能%(what)s。")
        % {"start": timeutils.local_text(call.starts_at), "end": timeutils.local_text(call.ends_at), "what": what},
        code="call_closed",
        status=409,
    )


def _free_slot(campaign: Campaign, track: Track, unit: Unit) -> int:
    """The first free slot of the unit in the track, or a clear refusal.

    The caller holds a lock on the unit's row, so concurrent entries of one
    unit queue here; the unique slot constraint backs this up. The limit is
    read under a share lock on the track, so a change of the rules waits.
    """
    used = set(
        CaseEntry.objects.filter(track=track, unit=unit).exclude(state=EntryState.WITHDRAWN).values_list("slot", flat=True)
    )
    limit = entry_limit_locked(track)
    for slot in range(1, limit + 1):
        if slot not in used:
            return slot
    raise CaseError(
        _("本单位在「%(track)s」已报 %(n)d 个案例，达到本届每个奖项 %(limit)d 个的上限。如需换报，请先撤回一个尚未入选的案例。")
        % {"track": track.localised_name, "n": len(used), "limit": limit},
        code="track_limit",
        field="track",
    )


def _lock_unit(unit: Unit) -> None:
    Unit.objects.select_for_update(no_key=True).filter(pk=unit.pk).values_list("pk", flat=True).get()


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
    if not selectors.any_phase_open(campaign, PhaseKind.CALL):
        raise call_closed_error(campaign, _("新建案例"), track)
    values = clean_content(
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
    if not selectors.phase_is_open(campaign, PhaseKind.CALL, track=values["track"]):
        raise call_closed_error(campaign, _("新建案例"), values["track"])
    images = [upload for upload in images if upload]
    if submit:
        check_complete(values, len(images))
    processed = process_images(images, 0)
    _lock_unit(own)
    slot = _free_slot(campaign, values["track"], own)
    entry = CaseEntry(campaign=campaign, unit=own, slot=slot, created_by=actor, state=EntryState.DRAFT, **values)
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError as exc:
        raise CaseError(_("名额刚被占用，请刷新后重试。"), code="track_limit", field="track") from exc
    record_event(entry, actor=actor, action=EntryAction.CREATE, from_state="")
    store_images(entry, processed)
    if submit:
        _apply_submit(entry, actor=actor)
    return entry


def _unit_may_edit(entry: CaseEntry, what: str) -> None:
    """Units change content during the call; after it, only an entry sent
    back for changes, until its deadline."""
    now = timeutils.now()
    if entry.state not in UNIT_EDITABLE_STATES:
        raise CaseError(
            _("案例当前状态为“%(state)s”，不能再%(what)s。") % {"state": entry.get_state_display(), "what": what},
            code="read_only",
            status=409,  # the request is fine; the entry's state forbids it now
        )
    if entry.state == EntryState.CHANGES_REQUESTED and entry.changes_deadline and now < entry.changes_deadline:
        return
    if selectors.phase_is_open(entry.campaign, PhaseKind.CALL, now, track=entry.track_id):
        return
    if entry.state == EntryState.CHANGES_REQUESTED and entry.changes_deadline:
        raise CaseError(
            _("修改期限已于 %(deadline)s 截止，案例已只读。") % {"deadline": timeutils.local_text(entry.changes_deadline)},
            code="deadline_passed",
            status=409,
        )
    raise call_closed_error(entry.campaign, what, entry.track_id)


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
    entry = lock_entry(entry)
    require(actor, "cases.change_entry", entry, message=_("只能修改本单位的案例。"))
    if unit is not None and unit.pk != entry.unit_id:
        raise PermissionDeniedError(_("不能把案例改为其他单位申报。"), code="other_unit", field="unit")
    _unit_may_edit(entry, _("修改案例"))
    allowed = {"track", "domain", "title", "summary", "story", "results", "video_url", "contact_name", "contact_phone"}
    unknown = set(changes) - allowed
    if unknown:
        raise CaseError(_("不能修改这些字段：%(f)s") % {"f": "、".join(sorted(unknown))}, code="bad_field")
    values = clean_content(entry.campaign, changes)
    remove_ids = {int(pk) for pk in remove_image_ids}
    existing_images = list(entry.images.all())
    foreign = remove_ids - {image.pk for image in existing_images}
    if foreign:
        raise CaseError(_("要删除的图片不属于这个案例。"), code="bad_image", field="images")
    remaining = len(existing_images) - len(remove_ids)
    new_images = [upload for upload in new_images if upload]
    if submit:
        merged = {field: getattr(entry, field) for field, _label in REQUIRED_TO_SUBMIT} | values
        check_complete(merged, remaining + len(new_images))
    processed = process_images(new_images, remaining)
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
    store_images(entry, processed)
    record_event(entry, actor=actor, action=EntryAction.EDIT, from_state=entry.state)
    if submit and entry.state != EntryState.SUBMITTED:
        _apply_submit(entry, actor=actor)
    return entry


def _apply_submit(entry: CaseEntry, *, actor: User) -> None:
    before = entry.state
    entry.state = transition(entry, EntryAction.SUBMIT)
    values = {field: getattr(entry, field) for field, _label in REQUIRED_TO_SUBMIT}
    check_complete(values, entry.images.count())
    entry.submitted_at = timeutils.now()
    entry.changes_deadline = None
    entry.save(update_fields=["state", "submitted_at", "changes_deadline", "updated_at"])
    record_event(entry, actor=actor, action=EntryAction.SUBMIT, from_state=before)


@transaction.atomic
def submit_entry(*, actor: User, entry: CaseEntry) -> CaseEntry:
    """Hand a complete draft (or a changed entry) to the organisers: during
    the call, or before the deadline of a request for changes."""
    entry = lock_entry(entry)
    require(actor, "cases.change_entry", entry, message=_("只能提交本单位的案例。"))
    transition(entry, EntryAction.SUBMIT)
    _unit_may_edit(entry, _("提交案例"))
    _apply_submit(entry, actor=actor)
    return entry


@transaction.atomic
def withdraw_entry(*, actor: User, entry: CaseEntry, reason: str = "") -> CaseEntry:
    """A unit withdraws its own entry while the call is open; the slot is
    freed for another entry."""
    entry = lock_entry(entry)
    require(actor, "cases.withdraw_entry", entry, message=_("只能撤回本单位的案例。"))
    target = transition(entry, EntryAction.WITHDRAW)
    if not selectors.phase_is_open(entry.campaign, PhaseKind.CALL, track=entry.track_id):
        raise call_closed_error(entry.campaign, _("撤回案例"), entry.track_id)
    before = entry.state
    entry.state = target
    entry.save(update_fields=["state", "updated_at"])
    record_event(entry, actor=actor, action=EntryAction.WITHDRAW, from_state=before, reason=(reason or "").strip()[:500])
    return entry
