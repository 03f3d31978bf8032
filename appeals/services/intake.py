"""Intake: residents online, dispatchers for hotline callers and online clues."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appeals import deadlines, selectors
from appeals.enums import PHONE_FILED_CHANNELS, AppealState, Channel, ClueState, EventKind, PhotoKind, Urgency
from appeals.models import Appeal, OnlineClue
from appeals.services.common import lock_appeal, notify_dispatch_centre, transition_event
from appeals.services.dispatch import dispatch_locked
from appeals.services.photos import process_photos, save_photos
from appeals.services.publication import refresh_publication
from appeals.services.validation import (
    MOBILE,
    Report,
    check_token,
    clean_text,
    find_area,
    validate_report,
)
from portal.exceptions import ConflictError, InvalidError, NotFoundError, PermissionDeniedError
from portal.models import User
from portal.permissions import require
from portal.timeutils import local_day


@dataclass(frozen=True)
class IntakeResult:
    appeal: Appeal
    created: bool


def next_tracking_number(moment) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('appeals_tracking_seq')")
        (number,) = cursor.fetchone()
    return f"{settings.APPEALS_TRACKING_PREFIX}-{local_day(moment).year}-{number:06d}"


def _existing(submitted_by: User, key: str) -> Appeal | None:
    return Appeal.objects.filter(submitted_by=submitted_by, idempotency_key=key).first()


def create_appeal(
    *, report: Report, submitted_by: User, resident: User | None, key: str, channel: str,
    urgency: str | None = None, source_url: str = "", photos=(), event_text: str = "",
) -> IntakeResult:
    """Inserts the appeal once per (submitter, token): a concurrent duplicate
    waits on the unique index and then gets the first one back. The building
    block of every channel (web, hotline, clue, Open311): callers check the
    permission and validate the report first."""
    now = timezone.now()
    urgency = urgency or (report.item.default_urgency if report.item else Urgency.GENERAL)
    try:
        with transaction.atomic():
            appeal = Appeal.objects.create(
                tracking_number=next_tracking_number(now),
                channel=channel,
                resident=resident,
                submitted_by=submitted_by,
                idempotency_key=key,
                item=report.item,
                area=report.area,
                urgency=urgency,
                title=report.title,
                description=report.description,
                address=report.address,
                latitude=report.latitude,
                longitude=report.longitude,
                contact_name=report.contact_name,
                contact_phone=report.contact_phone,
                publish_consent=report.publish_consent,
                source_url=source_url,
                submitted_at=now,
                dispatch_due_at=deadlines.dispatch_due(now, urgency),
            )
    except IntegrityError:
        existing = _existing(submitted_by, key)
        if existing is None:
            raise
        return IntakeResult(appeal=existing, created=False)
    refresh_publication(appeal)
    if photos:
        save_photos(appeal=appeal, processed=photos, kind=PhotoKind.REPORT, user=submitted_by)
    transition_event(
        appeal=appeal, actor=submitted_by, unit=None, from_state="", to_state=AppealState.SUBMITTED,
        reason=event_text, public_text=_("诉求已提交，编号 %(number)s。") % {"number": appeal.tracking_number},
        at=now,
    )
    appeal = _auto_dispatch(appeal)
    if appeal.state == AppealState.SUBMITTED:
        notify_dispatch_centre(
            _("新诉求待派单：%(number)s") % {"number": appeal.tracking_number},
            f"{appeal.title}\n{appeal.area} · {appeal.item or _('分类不确定')}",
            appeal=appeal,
        )
    return IntakeResult(appeal=appeal, created=True)


def _auto_dispatch(appeal: Appeal) -> Appeal:
    """Routes straight to the unit when the list leaves no doubt (setting)."""
    if not settings.APPEALS_AUTO_DISPATCH or appeal.item is None:
        return appeal
    route = selectors.suggest_route(item=appeal.item, area=appeal.area)
    if route is None or not route.unambiguous:
        return appeal
    # The list still names a unit the portal administrator deactivated: a
    # person picks another one.
    if not all(unit.is_active for unit in (route.primary_unit, *route.co_units)):
        return appeal
    return dispatch_locked(
        appeal=lock_appeal(appeal.pk), actor=None, item=appeal.item, urgency=appeal.urgency,
        primary=route.primary_unit, co_units=route.co_units, instructions={},
        reason=_("按责任清单自动派单"),
    )


def file_appeal(
    *,
    resident: User,
    idempotency_key: str,
    item_id: int | None,
    area_id: int,
    title: str,
    description: str,
    address: str,
    latitude=None,
    longitude=None,
    contact_name: str,
    contact_phone: str,
    publish_consent: bool = False,
    photos=(),
    channel: str = Channel.WEB,
) -> IntakeResult:
    """A verified resident reports a problem. The same token twice (two taps,
    a retry) returns the first appeal; photos are re-encoded without EXIF;
    coordinates must lie in the city. Routed at once when unambiguous."""
    require(resident, "appeals.file_appeal", message=_("请先登录并完成邮箱或手机号验证，再提交诉求。"))
    if resident is None:
        raise PermissionDeniedError(_("请先登录。"))
    if channel not in (Channel.WEB, Channel.API):
        raise InvalidError(_("渠道无效。"), code="invalid_channel", field="channel")
    key = check_token(idempotency_key)
    existing = _existing(resident, key)
    if existing is not None:
        return IntakeResult(appeal=existing, created=False)
    report = validate_report(
        item_id=item_id, area_id=area_id, title=title, description=description, address=address,
        latitude=latitude, longitude=longitude, contact_name=contact_name, contact_phone=contact_phone,
        publish_consent=publish_consent,
    )
    processed = process_photos(photos)
    with transaction.atomic():
        return create_appeal(report=report, submitted_by=resident, resident=resident, key=key, channel=channel, photos=processed)


def resident_by_verified_phone(phone: str) -> User | None:
    """The account that verified the caller's mobile number, if any: an
    unverified claim on a number gets nothing filed under it."""
    if not MOBILE.match(phone):
        return None
    return User.objects.filter(phone__in=[phone, f"+86{phone}"], phone_verified=True, is_active=True).first()


def attach_appeals_by_phone(*, user: User, phone: str) -> int:
    """Appeals filed for a caller under `phone` (hotline, Open311) that no
    account held yet now belong to the account that just verified it; the
    resident sees them listed as filed by phone. Called by
    portal.services.verify_phone inside its transaction
    (settings.PORTAL_PHONE_VERIFIED_ACTIONS)."""
    local = (phone or "").removeprefix("+86")
    if not MOBILE.match(local):
        return 0
    return Appeal.objects.filter(
        resident__isnull=True, channel__in=PHONE_FILED_CHANNELS, contact_phone__in=[local, f"+86{local}"]
    ).update(resident=user)


def file_for_caller(
    *,
    actor: User,
    idempotency_key: str,
    item_id: int | None,
    area_id: int,
    urgency: str | None,
    title: str,
    description: str,
    address: str,
    caller_name: str,
    caller_phone: str,
    publish_consent: bool = False,
) -> IntakeResult:
    """A dispatcher records a hotline call (channel 12345热线). If an account
    verified the caller's mobile number, the resident can follow it online;
    otherwise it waits for the account that verifies the number."""
    require(actor, "appeals.file_for_caller")
    key = check_token(idempotency_key)
    existing = _existing(actor, key)
    if existing is not None:
        return IntakeResult(appeal=existing, created=False)
    if urgency not in (None, "", *Urgency.values):
        raise InvalidError(_("紧急程度无效。"), code="invalid_urgency", field="urgency")
    report = validate_report(
        item_id=item_id, area_id=area_id, title=title, description=description, address=address,
        contact_name=caller_name, contact_phone=caller_phone, publish_consent=publish_consent,
    )
    with transaction.atomic():
        return create_appeal(
            report=report, submitted_by=actor, resident=resident_by_verified_phone(report.contact_phone), key=key,
            channel=Channel.HOTLINE, urgency=urgency or None, event_text=_("热线来电登记"),
        )


@transaction.atomic
def capture_clue(*, actor: User, platform: str, url: str, summary: str, area_id=None) -> OnlineClue:
    """Records an online clue (先诉后办) for verification; one row per link."""
    require(actor, "appeals.manage_clues")
    from django.core.exceptions import ValidationError
    from django.core.validators import URLValidator

    try:
        URLValidator(schemes=["http", "https"])(url or "")
    except ValidationError:
        raise InvalidError(_("请填写线索的有效链接（http/https）。"), code="invalid_url", field="url") from None
    platform = clean_text(platform, field="platform", label=_("平台"), minimum=1, maximum=40)
    summary = clean_text(summary, field="summary", label=_("摘要"), minimum=10, maximum=2000)
    area = find_area(area_id) if area_id not in (None, "") else None
    if OnlineClue.objects.filter(url=url).exists():
        raise ConflictError(_("这条线索已登记过。"), code="duplicate_clue", field="url")
    try:
        with transaction.atomic():
            return OnlineClue.objects.create(platform=platform, url=url, summary=summary, area=area, captured_by=actor)
    except IntegrityError:
        raise ConflictError(_("这条线索已登记过。"), code="duplicate_clue", field="url") from None


@transaction.atomic
def verify_clue(*, actor: User, clue_id: int, genuine: bool, note: str) -> OnlineClue:
    """A dispatcher checks a clue (called the community, looked on site...)."""
    require(actor, "appeals.manage_clues")
    clue = OnlineClue.objects.select_for_update(no_key=True).filter(pk=clue_id).first()
    if clue is None:
        raise NotFoundError(_("线索不存在。"))
    if clue.state != ClueState.NEW:
        raise ConflictError(_("这条线索已核实过。"), code="transition_not_allowed")
    clue.verification_note = clean_text(note, field="note", label=_("核实情况"), minimum=4, maximum=2000)
    clue.state = ClueState.VERIFIED if genuine else ClueState.REJECTED
    clue.verified_by = actor
    clue.verified_at = timezone.now()
    clue.save(update_fields=["verification_note", "state", "verified_by", "verified_at"])
    return clue


def convert_clue(
    *, actor: User, clue_id: int, item_id, area_id, urgency: str | None, title: str, description: str,
    address: str, contact_name: str, contact_phone: str,
) -> IntakeResult:
    """Turns a verified clue into an appeal (channel 网络线索), once."""
    require(actor, "appeals.manage_clues")
    if urgency not in (None, "", *Urgency.values):
        raise InvalidError(_("紧急程度无效。"), code="invalid_urgency", field="urgency")
    report = validate_report(
        item_id=item_id, area_id=area_id, title=title, description=description, address=address,
        contact_name=contact_name, contact_phone=contact_phone, publish_consent=True,
    )
    with transaction.atomic():
        clue = OnlineClue.objects.select_for_update(no_key=True).filter(pk=clue_id).first()
        if clue is None:
            raise NotFoundError(_("线索不存在。"))
        if clue.state != ClueState.VERIFIED:
            raise ConflictError(_("只有核实属实的线索才能转为工单。"), code="clue_not_verified")
        result = create_appeal(
            report=report, submitted_by=actor, resident=None, key=f"clue-{clue.pk:08d}",
            channel=Channel.ONLINE_CLUE, urgency=urgency or None, source_url=clue.url,
            event_text=_("网络线索核实后转办：%(note)s") % {"note": clue.verification_note},
        )
        clue.state = ClueState.CONVERTED
        clue.appeal = result.appeal
        clue.save(update_fields=["state", "appeal"])
        return result


__all__ = ["IntakeResult", "file_appeal", "file_for_caller", "attach_appeals_by_phone", "resident_by_verified_phone", "capture_clue", "verify_clue", "convert_clue", "EventKind"]
