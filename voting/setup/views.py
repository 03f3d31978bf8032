"""The organisers' campaign set-up pages: thin views over voting.setup's
services and forms. Every page asks ``cases.manage_campaign`` (organisers);
writes count against the ``campaigns.setup`` rate limit."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cases import selectors as cases_selectors
from cases import services as cases_services
from portal import ratelimits, timeutils
from portal.errors import flash_refusal
from portal.exceptions import PortalError
from portal.permissions import require
from voting.setup import services
from voting.setup.forms import STEPS, PhaseMoveForm, SetupWizard

PERM = services.PERM
LIMIT = "campaigns.setup"


@never_cache
@login_required
def campaigns(request: HttpRequest) -> HttpResponse:
    """Every campaign, whether it may still be edited, and "copy last year"."""
    require(request.user, PERM)
    return render(request, "voting/setup/campaigns.html", {"campaigns": cases_selectors.campaigns_to_set_up()})


def _wizard_page(request, wizard: SetupWizard, *, status: int = 200) -> HttpResponse:
    return render(request, "voting/setup/wizard.html", {"wizard": wizard, "campaign": wizard.campaign, "steps": STEPS},
                  status=status)


@never_cache
@login_required
@ratelimits.limit_writes(LIMIT)
def new(request: HttpRequest) -> HttpResponse:
    require(request.user, PERM)
    if request.method != "POST":
        return _wizard_page(request, SetupWizard())
    wizard = SetupWizard(request.POST)
    if wizard.is_valid():
        try:
            campaign = services.create_campaign(actor=request.user, setup=wizard.setup)
        except PortalError as exc:
            wizard.refuse(exc)
        else:
            messages.success(request, _("已创建“%(title)s”。") % {"title": campaign.title})
            return redirect("voting:setup-campaigns")
    return _wizard_page(request, wizard, status=400)


@never_cache
@login_required
@ratelimits.limit_writes(LIMIT)
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A campaign's whole set-up, editable until it opens; after that the
    page says why not and where each setting is changed now."""
    require(request.user, PERM)
    campaign = services.campaign_by_id(pk)
    opens_at = cases_services.opens_at(campaign)
    if opens_at is not None and opens_at <= timeutils.now():
        if request.method == "POST":
            cases_services.check_not_open(campaign)  # 409, on the error page
        return render(request, "voting/setup/opened.html", {"campaign": campaign, "opens_at": opens_at})
    if request.method != "POST":
        return _wizard_page(request, SetupWizard(setup=services.setup_of(campaign), campaign=campaign))
    wizard = SetupWizard(request.POST, campaign=campaign)
    if wizard.is_valid():
        try:
            services.update_campaign(actor=request.user, campaign_id=campaign.pk, setup=wizard.setup)
        except PortalError as exc:
            wizard.refuse(exc)
        else:
            messages.success(request, _("已保存“%(title)s”的设置。") % {"title": wizard.setup.plan.title})
            return redirect("voting:setup-campaigns")
    return _wizard_page(request, wizard, status=400)


@login_required
@ratelimits.limit_writes(LIMIT)
@require_POST
def copy(request: HttpRequest) -> HttpResponse:
    """Copy an earlier campaign a year on, then open its set-up to edit."""
    require(request.user, PERM)
    try:
        campaign = services.copy_campaign(actor=request.user, source_id=request.POST.get("source"))
    except PortalError as exc:
        flash_refusal(request, exc)
        return redirect("voting:setup-campaigns")
    messages.success(request, _("已创建“%(title)s”，阶段已顺延到 %(year)d 年。请检查各项设置后保存。")
                     % {"title": campaign.title, "year": campaign.year})
    return redirect("voting:setup-edit", pk=campaign.pk)


@never_cache
@login_required
@ratelimits.limit_writes(LIMIT)
def phases(request: HttpRequest, pk: int) -> HttpResponse:
    """Move one phase of a campaign (usually one that has opened) with a
    reason, through cases.services.set_phase, which checks the timeline and
    records the move; its refusals are shown beside the fields (400)."""
    require(request.user, PERM)
    campaign = services.campaign_by_id(pk)
    status = 200
    if request.method == "POST":
        form = PhaseMoveForm(request.POST, campaign=campaign)
        if form.is_valid():
            data = form.cleaned_data
            try:
                moved = cases_services.set_phase(actor=request.user, campaign=campaign, kind=data["phase"].kind,
                                                 starts_at=data["starts_at"], ends_at=data["ends_at"],
                                                 reason=data["reason"])
            except PortalError as exc:
                form.refuse(exc)
            else:
                messages.success(request, _("已调整“%(phase)s”：%(start)s 至 %(end)s。") % {
                    "phase": moved.get_kind_display(), "start": timeutils.local_text(moved.starts_at),
                    "end": timeutils.local_text(moved.ends_at)})
                return redirect("voting:setup-phases", pk=campaign.pk)
        status = 400
    else:
        form = PhaseMoveForm(campaign=campaign)
    return render(request, "voting/setup/phases.html", {
        "campaign": campaign, "form": form, "phases": cases_selectors.phases_of(campaign),
        "moves": cases_selectors.phase_moves(campaign)[:50]}, status=status)
