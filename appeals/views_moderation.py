"""Moderation before publication: the queue, the side-by-side review, and the
resident's withdrawal of consent. Thin: each calls one selector or service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from appeals import selectors, services
from appeals.exceptions import AppealError
from appeals.selectors import moderation as moderation_selectors


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("appeals.moderate_publication"):
        raise PermissionDenied
    return render(request, "appeals/moderation_queue.html", {"appeals": list(moderation_selectors.moderation_queue()[:100])})


@login_required
def review(request: HttpRequest, appeal_id: int) -> HttpResponse:
    if not request.user.has_perm("appeals.moderate_publication"):
        raise PermissionDenied
    found = moderation_selectors.review_of(appeal_id)
    appeal = found.appeal
    error = None
    if request.method == "POST":
        publish = request.POST.get("decision") == "publish"
        try:
            services.moderate_appeal(
                actor=request.user, appeal_id=appeal.pk, publish=publish, title=request.POST.get("title", ""),
                description=request.POST.get("description", ""), reason=request.POST.get("reason", ""),
            )
        except AppealError as exc:
            error = exc
        else:
            messages.success(request, _("已公开到问政墙。") if publish else _("已决定不予公开。"))
            return redirect("appeals:moderation")
    return render(request, "appeals/moderation_review.html", {
        "review": found, "appeal": appeal, "error": error,
        "title": request.POST.get("title", appeal.public_title),
        "description": request.POST.get("description", appeal.public_description),
        "reason": request.POST.get("reason", ""),
    }, status=error.status if error else 200)


@login_required
@require_POST
def withdraw_consent(request: HttpRequest, tracking_number: str) -> HttpResponse:
    appeal = selectors.appeal_for_owner(request.user, tracking_number)
    services.withdraw_publish_consent(user=request.user, appeal_id=appeal.pk)
    messages.success(request, _("已撤回公开同意，这条诉求不再在问政墙展示。"))
    return redirect("appeals:track", tracking_number=tracking_number)
