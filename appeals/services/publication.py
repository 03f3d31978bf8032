"""Publication (问政墙): which appeals are public, their redacted text, "me too"."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from appeals.enums import EventKind, Moderation
from appeals.models import Appeal, MeToo
from appeals.selectors.public import WALL_VERSION_KEY
from appeals.redaction import redact_for
from appeals.services.common import lock_appeal, record_event
from appeals.services.validation import clean_text
from portal import caching
from portal.exceptions import ConflictError, InvalidError, NotFoundError, PermissionDeniedError
from portal.models import User
from portal.permissions import require


def _bump_wall() -> None:
    """Cached wall pages are dropped once the change is committed."""
    transaction.on_commit(lambda: caching.bump(WALL_VERSION_KEY))


def may_be_published(appeal: Appeal) -> bool:
    """The resident agreed, the item may be published and the dispatch centre has not withheld it."""
    return bool(appeal.publish_consent and appeal.item_id and appeal.item.publishable and not appeal.public_hidden)


def publishable(appeal: Appeal) -> bool:
    """Public when it may be published and a moderator approved its public text."""
    return may_be_published(appeal) and appeal.moderation == Moderation.APPROVED


def prepare_public_text(appeal: Appeal) -> None:
    """Fills the redacted title and text (unless a moderator edited them), queues the
    appeal for moderation when it may be published, and sets the flag; the caller saves."""
    if appeal.public_edited_at is None:
        appeal.public_title = redact_for(appeal, appeal.title)[:80]
        appeal.public_description = redact_for(appeal, appeal.description)
    if may_be_published(appeal):
        if appeal.moderation == Moderation.NONE:
            appeal.moderation = Moderation.PENDING
    elif appeal.moderation == Moderation.PENDING:
        appeal.moderation = Moderation.NONE  # reclassified to an item that may not be published
    appeal.is_public = publishable(appeal)
    appeal.category_id = appeal.item.category_id if appeal.item_id else None


def refresh_publication(appeal: Appeal) -> None:
    """Called by intake and dispatch (the item decides publishability and the category)."""
    fields = ("is_public", "public_title", "public_description", "category_id", "moderation")
    before = tuple(getattr(appeal, f) for f in fields)
    prepare_public_text(appeal)
    if before != tuple(getattr(appeal, f) for f in fields):
        Appeal.objects.filter(pk=appeal.pk).update(**{f: getattr(appeal, f) for f in fields})
        if appeal.is_public or before[0]:
            _bump_wall()


@transaction.atomic
def moderate_appeal(
    *, actor: User, appeal_id: int, publish: bool, title: str = "", description: str = "", reason: str = ""
) -> Appeal:
    """A moderator reads the redacted text beside the original, masks more or unmasks,
    and publishes it, or refuses with a reason. Only an appeal the resident still
    agrees to publish can be published; the decision is an event on the timeline."""
    require(actor, "appeals.moderate_publication")
    appeal = lock_appeal(appeal_id)
    if not may_be_published(appeal):
        raise ConflictError(_("市民未同意公开或该诉求不可公开，不能发布。"), code="not_publishable")
    reason = (reason or "").strip()
    if publish:
        appeal.public_title = clean_text(title, field="title", label=_("公开标题"), minimum=4, maximum=80)
        appeal.public_description = clean_text(description, field="description", label=_("公开内容"), minimum=10, maximum=2000)
        appeal.public_edited_by, appeal.public_edited_at = actor, timezone.now()
        appeal.moderation = Moderation.APPROVED
    else:
        if len(reason) < 2:
            raise InvalidError(_("请填写不予公开的理由。"), field="reason")
        appeal.moderation = Moderation.REFUSED
    appeal.moderation_reason = reason[:500]
    appeal.moderated_by, appeal.moderated_at = actor, timezone.now()
    was_public = appeal.is_public
    appeal.is_public = publishable(appeal)
    appeal.save(update_fields=[
        "public_title", "public_description", "public_edited_by", "public_edited_at", "moderation",
        "moderation_reason", "moderated_by", "moderated_at", "is_public", "updated_at",
    ])
    if appeal.is_public or was_public:
        _bump_wall()
    record_event(
        appeal=appeal, kind=EventKind.MODERATION, actor=actor, public=False,
        reason=(_("审核通过，已在问政墙公开") if publish else _("不予公开：%(reason)s") % {"reason": reason})
        + (("；" + reason) if publish and reason else ""),
    )
    return appeal


@transaction.atomic
def withdraw_publish_consent(*, user: User, appeal_id: int) -> Appeal:
    """The resident withdraws consent at any time: the appeal leaves the wall (and its
    cached pages) at once and leaves the moderation queue."""
    appeal = lock_appeal(appeal_id)
    require(user, "appeals.track_appeal", appeal)
    if not appeal.publish_consent:
        return appeal
    was_public = appeal.is_public
    appeal.publish_consent = False
    appeal.moderation = Moderation.NONE
    appeal.is_public = False
    appeal.save(update_fields=["publish_consent", "moderation", "is_public", "updated_at"])
    if was_public:
        _bump_wall()
    record_event(appeal=appeal, kind=EventKind.CONSENT_WITHDRAWN, actor=user, public=False,
                 reason=_("市民撤回公开同意"))
    return appeal


@transaction.atomic
def edit_public_text(*, actor: User, appeal_id: int, title: str, description: str, hidden: bool = False) -> Appeal:
    """A dispatcher corrects what the redaction missed (a name, a shop sign),
    or withholds the appeal from the wall. The edit is recorded (internal)."""
    require(actor, "appeals.edit_public_text")
    appeal = lock_appeal(appeal_id)
    appeal.public_title = clean_text(title, field="title", label=_("公开标题"), minimum=4, maximum=80)
    appeal.public_description = clean_text(description, field="description", label=_("公开内容"), minimum=10, maximum=2000)
    appeal.public_hidden = bool(hidden)
    appeal.public_edited_by = actor
    appeal.public_edited_at = timezone.now()
    appeal.is_public = publishable(appeal)
    appeal.save(update_fields=[
        "public_title", "public_description", "public_hidden", "public_edited_by", "public_edited_at", "is_public",
        "updated_at",
    ])
    _bump_wall()
    record_event(
        appeal=appeal, kind=EventKind.PUBLIC_TEXT, actor=actor, public=False,
        reason=_("编辑公开内容（%(state)s）") % {"state": _("不公开") if hidden else _("公开")},
    )
    return appeal


def add_me_too(*, user: User, appeal_id: int) -> tuple[Appeal, bool]:
    """A signed-in resident says "me too" (+1) on a published appeal, once:
    the unique constraint answers a double tap; the counter moves with F()."""
    if user is None or not user.is_authenticated:
        raise PermissionDeniedError(_("请先登录，再点“我也遇到”。"))
    appeal = Appeal.objects.filter(pk=appeal_id, is_public=True).first()
    if appeal is None:
        raise NotFoundError(_("诉求不存在或未公开。"))
    if appeal.resident_id == user.pk:
        raise ConflictError(_("这是你自己反映的问题，不需要再点“我也遇到”。"), code="own_appeal")
    try:
        with transaction.atomic():
            MeToo.objects.create(appeal=appeal, user=user)
            Appeal.objects.filter(pk=appeal.pk).update(me_too_count=F("me_too_count") + 1)
    except IntegrityError:
        return appeal, False
    appeal.refresh_from_db(fields=["me_too_count"])
    return appeal, True
