"""The dispatch centre's catalogue page (issue 21): download the catalogue
or the responsibility list, upload it edited, see what would change, apply.
Thin: parse, call appeals.services.catalogue_io or the selectors, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from appeals.enums import CatalogueList
from appeals.exceptions import CatalogueImportError
from appeals.forms import CatalogueUploadForm
from appeals.selectors import catalogue_lists
from appeals.services import catalogue_io
from appeals.views.common import INPUT_REFUSALS
from portal import ratelimits
from portal.errors import flash_refusal, form_refusal
from portal.exceptions import NotFoundError
from portal.exports import csv_response, xlsx_response
from portal.permissions import require

PERM = catalogue_io.PERM
# Rows of a preview shown on the page; the counts above them are exact.
SHOWN = 200
FILE_NAMES = {CatalogueList.ITEMS: "catalogue", CatalogueList.RESPONSIBILITIES: "responsibility"}


def _kind(value) -> str:
    return value if value in CatalogueList.values else CatalogueList.ITEMS


def _page(request, kind: str, *, form=None, errors=None, status: int = 200) -> HttpResponse:
    rows = catalogue_lists.item_rows() if kind == CatalogueList.ITEMS else catalogue_lists.responsibility_rows()
    return render(request, "appeals/catalogue.html", {
        "kind": kind, "kind_label": CatalogueList(kind).label, "lists": CatalogueList.choices, "count": len(rows),
        "header": catalogue_io.HEADERS[kind], "form": form or CatalogueUploadForm(initial={"kind": kind}),
        "errors": (errors or [])[:SHOWN], "error_count": len(errors or []),
    }, status=status)


@never_cache
@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    """The list chosen (?list=), its size, its download and the upload form."""
    require(request.user, PERM, message=catalogue_io.ONLY_THE_CENTRE)
    return _page(request, _kind(request.GET.get("list")))


@never_cache
@login_required
def download(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    """The list in force, in the file the upload reads (cells neutralised by portal.exports)."""
    require(request.user, PERM, message=catalogue_io.ONLY_THE_CENTRE)
    if kind not in CatalogueList.values or fmt not in ("xlsx", "csv"):
        raise Http404
    rows = catalogue_lists.item_rows() if kind == CatalogueList.ITEMS else catalogue_lists.responsibility_rows()
    header, name = catalogue_io.HEADERS[kind], FILE_NAMES[kind]
    if fmt == "csv":
        return csv_response(filename=name, header=header, rows=rows)
    return xlsx_response(filename=name, sheet=name, header=header, rows=rows)


@never_cache
@login_required
@ratelimits.limit_writes("catalogue.import")
@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    """What the uploaded file would change; every bad row when it has any."""
    require(request.user, PERM, message=catalogue_io.ONLY_THE_CENTRE)
    form = CatalogueUploadForm(request.POST, request.FILES)
    kind = _kind(request.POST.get("kind"))
    if not form.is_valid():
        return _page(request, kind, form=form, status=400)
    try:
        result = catalogue_io.preview_import(actor=request.user, kind=form.cleaned_data["kind"],
                                             upload=form.cleaned_data["file"])
    except CatalogueImportError as refusal:
        form.add_error("file", str(refusal.message))
        return _page(request, kind, form=form, errors=refusal.errors, status=400)
    except INPUT_REFUSALS as refusal:
        form_refusal(form, refusal)
        return _page(request, kind, form=form, status=400)
    plan = result.plan
    return render(request, "appeals/catalogue_preview.html", {
        "kind": kind, "kind_label": CatalogueList(kind).label, "plan": plan, "draft": result.draft,
        "changes": plan.changes[:SHOWN], "hidden": max(0, len(plan.changes) - SHOWN), "warnings": plan.warnings[:SHOWN],
        "file_name": form.cleaned_data["file"].name,
    })


@login_required
@ratelimits.limit_writes("catalogue.import")
@require_POST
def apply(request: HttpRequest) -> HttpResponse:
    """Writes the change previewed, or says the list moved since."""
    require(request.user, PERM, message=catalogue_io.ONLY_THE_CENTRE)
    kind = _kind(request.POST.get("kind"))
    back = f"{reverse('appeals:catalogue')}?list={kind}"
    try:
        plan = catalogue_io.apply_import(actor=request.user, preview_id=request.POST.get("preview", ""))
    except (*INPUT_REFUSALS, NotFoundError) as refusal:  # a preview replaced by a newer one, too
        flash_refusal(request, refusal)
        return redirect(back)
    messages.success(request, _("已导入%(list)s：新增 %(added)d 行，修改 %(changed)d 行，删除 %(removed)d 行。") % {
        "list": CatalogueList(plan.kind).label, "added": plan.added, "changed": plan.changed, "removed": plan.removed})
    return redirect(f"{reverse('appeals:catalogue')}?list={plan.kind}")
