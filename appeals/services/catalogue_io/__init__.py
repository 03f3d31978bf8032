"""The dispatch centre's import of the catalogue (目录清单) and the
responsibility list (责任清单), from XLSX or CSV, in two steps.

``preview_import`` reads the file (reading: bounded, checked by content,
no formulas), compares it with the list in force (plans: the file is the
whole list, so a row it leaves out is removed) and keeps the rows read with
a digest of the list compared with and the change. Any bad row blocks it:
every one is reported by line and column. ``apply_import`` locks the
catalogue's tables, computes the change again and writes it only if it is
exactly the one previewed; otherwise the list moved since the preview and
it is refused. The portal page, the admin's link and the
``import_catalogue`` command all go through these two.

The download (appeals.selectors.catalogue) writes the rows an upload is
compared with, so a downloaded file uploaded again changes nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from appeals.enums import CatalogueList
from appeals.exceptions import CatalogueImportError
from appeals.models import CatalogueImport, Category, Item, Responsibility
from appeals.services.catalogue_io.plans import HEADERS, OPTIONAL, Plan, build_plan, write
from appeals.services.catalogue_io.reading import RowError, read_table
from portal import services as portal_services
from portal.enums import AuditAction
from portal.exceptions import ConflictError, InvalidError, NotFoundError
from portal.models import User
from portal.permissions import require

__all__ = ["HEADERS", "Plan", "Preview", "RowError", "apply_import", "preview_import"]

PERM = "appeals.import_catalogue"
ONLY_THE_CENTRE = _("只有派单中心可以导入目录清单和责任清单。")
# A preview older than this is not applied: the person previews again.
PREVIEW_LIFETIME = dt.timedelta(minutes=30)
AUDIT_ACTIONS = {
    CatalogueList.ITEMS: AuditAction.CATALOGUE_IMPORTED,
    CatalogueList.RESPONSIBILITIES: AuditAction.RESPONSIBILITIES_IMPORTED,
}


@dataclass(frozen=True)
class Preview:
    plan: Plan
    draft: CatalogueImport | None  # None when the file changes nothing


def _kind(kind: str) -> str:
    if kind not in CatalogueList.values:
        raise InvalidError(_("请选择要导入的清单。"), code="unknown_list", field="kind")
    return kind


def preview_import(*, actor: User | None, kind: str, upload) -> Preview:
    """What the file would change. Refuses the file (CatalogueImportError,
    every bad row listed) when any row is bad; keeps it for apply_import
    otherwise, in place of the actor's earlier preview of the same list."""
    require(actor, PERM, message=ONLY_THE_CENTRE)
    kind = _kind(kind)
    table = read_table(upload, header=HEADERS[kind], optional=OPTIONAL[kind])
    plan = build_plan(kind, table)
    if plan.errors:
        raise CatalogueImportError(
            _("有 %(n)d 处问题，全部未导入：请改正后重新上传。") % {"n": len(plan.errors)}, errors=plan.errors
        )
    with transaction.atomic():
        CatalogueImport.objects.filter(created_by=actor, kind=kind, applied_at__isnull=True).delete()
        draft = None
        if plan.changes:
            draft = CatalogueImport.objects.create(
                kind=kind, created_by=actor, file_name=(getattr(upload, "name", "") or "")[:200],
                rows=[[line, cells] for line, cells in table],
                digest=plan.digest, added=plan.added, changed=plan.changed, removed=plan.removed,
            )
    return Preview(plan=plan, draft=draft)


def _lock_catalogue() -> None:
    """Nothing else writes the catalogue's tables until this transaction
    ends (reads go on): the change written is the one computed under the lock."""
    tables = [model._meta.db_table for model in (Category, Item, Responsibility, Responsibility.co_units.through)]
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {', '.join(connection.ops.quote_name(t) for t in tables)} IN SHARE ROW EXCLUSIVE MODE")


def _draft(actor: User | None, preview_id) -> CatalogueImport:
    try:
        pk = uuid.UUID(str(preview_id))
    except ValueError:
        pk = None
    draft = CatalogueImport.objects.select_for_update(no_key=True).filter(pk=pk, created_by=actor).first() if pk else None
    if draft is None:
        raise NotFoundError(_("找不到这次预览，请重新上传文件。"), code="preview_unknown")
    return draft


def stale() -> ConflictError:
    return ConflictError(
        _("预览之后清单已有变动，没有导入：请重新上传文件，确认新的预览后再导入。"), code="preview_stale"
    )


@transaction.atomic
def apply_import(*, actor: User | None, preview_id) -> Plan:
    """Writes exactly the change the actor previewed, in one transaction,
    or nothing: a preview applied already, expired, or of a list that has
    changed since (its digest no longer matches) is refused."""
    require(actor, PERM, message=ONLY_THE_CENTRE)
    draft = _draft(actor, preview_id)
    if draft.applied_at is not None:
        raise ConflictError(_("这次预览已经导入过了。"), code="preview_applied")
    now = timezone.now()
    if now - draft.created_at > PREVIEW_LIFETIME:
        raise ConflictError(_("预览已超过 30 分钟，请重新上传文件。"), code="preview_expired")
    _lock_catalogue()
    plan = build_plan(draft.kind, [(line, cells) for line, cells in draft.rows])
    if plan.errors or plan.digest != draft.digest:
        raise stale()
    try:
        with transaction.atomic():
            write(plan)
    except (IntegrityError, ProtectedError) as exc:  # e.g. an appeal filed under an item being removed, at this instant
        raise stale() from exc
    CatalogueImport.objects.filter(pk=draft.pk).update(applied_at=now, rows=[])
    portal_services.record_audit(
        actor=actor, action=AUDIT_ACTIONS[draft.kind], file_name=draft.file_name, added=plan.added,
        changed=plan.changed, removed=plan.removed,
    )
    return plan
