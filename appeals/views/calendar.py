"""The dispatch centre's working-day calendar (节假日): a month of days, a
day's form, the preview of what saving it moves and the save; the import of
a year's list (the same preview, then apply). Thin: parse, call one
selector or service, render. Every page asks ``appeals.manage_calendar``;
writes (previews included) count against ``calendar.change`` or
``calendar.import``."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from appeals import calendar_file, services
from appeals.exceptions import CatalogueImportError
from appeals.forms import CalendarDayForm, CalendarImportApplyForm, CalendarImportForm
from appeals.selectors import calendar as calendar_selectors
from appeals.views.common import NOT_YOUR_PAGE
from portal import ratelimits
from portal.errors import form_refusal
from portal.exceptions import PortalError
from portal.permissions import require
from portal.timeutils import local_day

PERM = calendar_selectors.PERM
YEARS = calendar_selectors.YEARS


def _month_of(text: str | None, today: dt.date) -> tuple[dt.date, str | None]:
    """The month a link names (YYYY-MM), or this month and what was wrong."""
    if not text:
        return today.replace(day=1), None
    try:
        first = dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        first = None
    if first is None or first.year not in YEARS:
        return today.replace(day=1), _("月份格式应为 2027-02，已显示本月。")
    return first, None


def month_url(first: dt.date, day: dt.date | None = None) -> str:
    url = f"{reverse('appeals:calendar')}?month={first:%Y-%m}"
    return url + (f"&day={day.isoformat()}#edit" if day else "")


def _month_page(request, *, first: dt.date, form: CalendarDayForm | None = None, refusal: str | None = None,
                status: int = 200) -> HttpResponse:
    today = local_day()
    month = calendar_selectors.month(actor=request.user, year=first.year, month=first.month, today=today)
    chosen = None
    if form is None:
        try:
            chosen = dt.date.fromisoformat(request.GET.get("day") or "")
        except ValueError:
            chosen = None
        entry = calendar_selectors.entry_on(chosen) if chosen else None
        form = CalendarDayForm(initial={
            "date": chosen or max(today, first), "kind": entry.kind if entry else "holiday", "name": entry.name if entry else "",
        })
    return render(request, "appeals/calendar.html", {
        "month": month, "form": form, "refusal": refusal, "chosen": chosen, "today": today,
        "previous_url": month_url(month.previous), "next_url": month_url(month.next),
        "this_month_url": month_url(today.replace(day=1)),
    }, status=status)


@never_cache
@login_required
def calendar(request: HttpRequest) -> HttpResponse:
    """The month view: each day working, weekend, holiday or make-up
    workday (a word and a symbol, not a colour alone), and a day's form."""
    require(request.user, PERM, message=NOT_YOUR_PAGE)
    first, refusal = _month_of(request.GET.get("month"), local_day())
    return _month_page(request, first=first, refusal=refusal, status=400 if refusal else 200)


@login_required
@ratelimits.limit_writes("calendar.change")
@require_POST
def calendar_day(request: HttpRequest) -> HttpResponse:
    """Without ``expected``: the preview (the day before and after, the
    deadlines it moves). With the preview's digest: the save."""
    require(request.user, PERM, message=NOT_YOUR_PAGE)
    form = CalendarDayForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        day, kind, name = data["date"], data["kind"], data["name"]
        try:
            if not data["expected"]:
                preview = calendar_selectors.preview_day(actor=request.user, day=day, kind=kind, name=name)
                return render(request, "appeals/calendar_preview.html", {
                    "preview": preview, "form": form, "back_url": month_url(day.replace(day=1), day),
                })
            if kind == calendar_selectors.CLEAR:
                result = services.clear_calendar_day(actor=request.user, day=day, expected=data["expected"])
            else:
                result = services.set_calendar_day(actor=request.user, day=day, kind=kind, name=name,
                                                   expected=data["expected"])
        except PortalError as exc:
            form_refusal(form, exc)
        else:
            if not result.changes:
                messages.info(request, _("%(day)s 本来就是这样，没有改动。") % {"day": day.isoformat()})
            else:
                messages.success(request, _("已保存 %(day)s，%(n)d 个待办时限随之调整。") % {
                    "day": day.isoformat(), "n": len(result.moves)})
            return redirect(month_url(day.replace(day=1)))
    day = form.cleaned_data.get("date") if hasattr(form, "cleaned_data") else None
    first = (day or local_day()).replace(day=1)
    form.data = form.data.copy()
    form.data["expected"] = ""  # a refused save starts again from the preview
    return _month_page(request, first=first, form=form, status=400)


def _import_page(request, form, *, errors=None, status=200) -> HttpResponse:
    return render(request, "appeals/calendar_import.html", {"form": form, "errors": errors}, status=status)


@never_cache
@login_required
@ratelimits.limit_writes("calendar.import")
def calendar_import(request: HttpRequest) -> HttpResponse:
    """Upload a year's list (GET: the form; POST: the preview of what it changes)."""
    require(request.user, PERM, message=NOT_YOUR_PAGE)
    if request.method != "POST":
        return _import_page(request, CalendarImportForm(initial={"year": local_day().year + 1}))
    form = CalendarImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, form, status=400)
    year = form.cleaned_data["year"]
    try:
        text = calendar_file.decode(form.cleaned_data["file"].read(calendar_file.MAX_BYTES + 1))
        preview = calendar_selectors.preview_import(actor=request.user, year=year, text=text)
    except CatalogueImportError as exc:
        return _import_page(request, form, errors=exc, status=400)
    except PortalError as exc:
        form_refusal(form, exc)
        return _import_page(request, form, status=400)
    apply_form = CalendarImportApplyForm(initial={"year": year, "content": text, "expected": preview.digest})
    return render(request, "appeals/calendar_import_preview.html", {"preview": preview, "year": year, "apply_form": apply_form})


@login_required
@ratelimits.limit_writes("calendar.import")
@require_POST
def calendar_import_apply(request: HttpRequest) -> HttpResponse:
    """Apply the list the preview showed; refused if it would now do something else."""
    require(request.user, PERM, message=NOT_YOUR_PAGE)
    form = CalendarImportApplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("导入请求不完整，请重新上传文件。"))
        return redirect("appeals:calendar-import")
    data = form.cleaned_data
    try:
        result = services.import_calendar(actor=request.user, year=data["year"], text=data["content"],
                                          expected=data["expected"])
    except PortalError as exc:
        if not exc.about_input:
            raise
        messages.error(request, str(exc.message))
        return redirect("appeals:calendar-import")
    messages.success(request, _("已导入 %(year)d 年的节假日：%(days)d 天有变化，%(n)d 个待办时限随之调整。") % {
        "year": data["year"], "days": len(result.changes), "n": len(result.moves)})
    first = result.changes[0].date if result.changes else dt.date(data["year"], 1, 1)
    return redirect(month_url(first.replace(day=1)))
