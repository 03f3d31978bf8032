"""Pages of public voting: the vote button's answer (htmx or a plain form
POST), the leaderboard and the organisers' fraud review. Thin: parse, call a
service or selector, render."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import selectors as case_selectors
from cases.models import Campaign, CaseEntry
from portal import caching, metrics, pagecache
from portal.errors import flash_refusal, form_refusal
from portal.exceptions import PortalError
from portal.forms import filter_query
from portal.permissions import require
from portal.ratelimits import client_ip, own_rate_limit
from portal.reauth import reauthentication_required
from voting import selectors, services
from voting.enums import VoidRule
from voting.exceptions import VotingError
from voting.forms import ReviewFilterForm, RulesForm, VoidForm
from voting.ratelimits import check_vote_rate
from voting.templatetags.voting_tags import ANSWERED_REFUSALS, answer_html

LEADERBOARD_CACHE_SECONDS = 2
LIVE_LOCAL_SECONDS = 1
PATTERNS_SHOWN = 10  # the worst of each suspicious pattern; filters find the rest
REVIEW_PAGE_SIZE = 20  # ballots per page of the fraud review: a page a phone can scroll


def _back(request: HttpRequest, entry: CaseEntry) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return entry.get_absolute_url()


@own_rate_limit  # voting.ratelimits: per user and per IP, failing closed
@require_POST
def vote(request: HttpRequest, campaign_id: int, case_id: int) -> HttpResponse:
    """Cast a vote from the board card or the case page. With htmx the
    widget is swapped in place (its status is the refusal's 4xx, 429 with
    Retry-After, or 503); without JavaScript the answer is a message on the
    page the voter came from."""
    if not request.user.is_authenticated and not request.htmx:
        entry = get_object_or_404(CaseEntry, pk=case_id, campaign_id=campaign_id)
        return redirect_to_login(_back(request, entry))
    outcome: services.VoteAccepted | VotingError
    try:
        check_vote_rate(request)
        outcome = services.cast_vote(
            voter=request.user if request.user.is_authenticated else None,
            campaign_id=campaign_id,
            case_id=case_id,
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
            idempotency_key=request.POST.get("token") or request.headers.get("Idempotency-Key"),
        )
    except VotingError as error:
        # The widget shows the rules' answer in place: not a page refusal.
        outcome = error
    if isinstance(outcome, VotingError):
        metrics.count_refusal(code=outcome.code, status=outcome.status)
    if isinstance(outcome, services.VoteAccepted) or outcome.code in ANSWERED_REFUSALS:
        # The vote's own statement read what the widget shows: no query here.
        entry = CaseEntry(pk=case_id, campaign_id=campaign_id, title=outcome.title)
    else:
        entry = get_object_or_404(CaseEntry, pk=case_id, campaign_id=campaign_id)
    if not request.htmx:
        # The page this redirects to counts this vote (selectors.live_counts).
        if isinstance(outcome, VotingError):
            messages.error(request, outcome.message)
        else:
            messages.success(request, widget_answer(outcome))
        response = redirect(_back(request, entry))
        if isinstance(outcome, VotingError) and outcome.retry_after:
            response["Retry-After"] = str(outcome.retry_after)
        return response
    status = 200 if isinstance(outcome, services.VoteAccepted) else outcome.status
    response = HttpResponse(answer_html(request, entry, outcome, compact=request.POST.get("compact") == "1",
                                        oob=request.POST.get("oob") == "1"), status=status)
    # Machine-readable outcome for programs driving the page endpoint.
    response["X-Vote-Outcome"] = "accepted" if status == 200 else str(outcome.code)
    # A refusal is the rules answering, not an error: keep django.request's
    # 4xx warnings for real faults (a storm logs thousands of these).
    response._has_been_logged = True
    if isinstance(outcome, VotingError) and outcome.retry_after:
        response["Retry-After"] = str(outcome.retry_after)
    return response


def widget_answer(outcome: services.VoteAccepted) -> str:
    return _("投票成功！这个案例现在有 %(count)s 票，你今天还可以投 %(left)s 票。") % {
        "count": f"{outcome.count:,}", "left": outcome.votes_left,
    }


# --- Leaderboard ------------------------------------------------------------------


def _campaign(slug: str | None) -> Campaign:
    campaign = get_object_or_404(Campaign, slug=slug) if slug else case_selectors.current_campaign()
    if campaign is None:
        raise Http404
    return campaign


# The polled parts of the leaderboard (htmx targets): the figures change with
# every vote, the chart once a minute (a snapshot), so each is polled and
# cached at its own pace; a poll of the figures does not carry the chart.
LIVE, CHART = "leaderboard-live", "leaderboard-chart"
FRAGMENT_SECONDS = {LIVE: LEADERBOARD_CACHE_SECONDS, CHART: 20}


def _fragment_key(slug: str, target: str) -> str:
    return f"voting:{target}:{slug}:{get_language()}"


def _cached_fragment(slug: str, target: str) -> str | None:
    """A rendered part: this process's copy (one second), else Redis's."""
    return pagecache.local((target, slug, get_language()), LIVE_LOCAL_SECONDS,
                           lambda: caching.peek(_fragment_key(slug, target)))


def _fragment(campaign: Campaign, target: str) -> str:
    """A polled part rendered once per language and period however many
    people watch (each open page polls it)."""
    html = _cached_fragment(campaign.slug, target)
    if html is None:  # neither copy holds it: render it and share it
        html = caching.remember(_fragment_key(campaign.slug, target), lambda: _render_fragment(campaign, target),
                                FRAGMENT_SECONDS[target], refresh=True)
    return html


def _render_fragment(campaign: Campaign, target: str) -> str:
    if target == CHART:
        return render_to_string("voting/_leaderboard_chart.html", {"chart": selectors.chart_svg(campaign)})
    return render_to_string("voting/_leaderboard_live.html", {
        "campaign": campaign, "rows": selectors.leaderboard(campaign), "totals": selectors.totals(campaign.pk),
    })


def leaderboard(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    """Rank, case, unit, votes and share; totals, distinct voters, voided
    votes and the votes-over-time chart. While voting is open the figures
    and the chart refresh themselves (htmx polls each part). Visitors who
    are not signed in share one rendering per second (portal.pagecache)."""
    target = request.htmx.target if request.htmx and request.htmx.target in FRAGMENT_SECONDS else None
    if slug and target:
        # The poll: served from memory without touching the database.
        html = _cached_fragment(slug, target)
        if html is not None:
            return HttpResponse(html)
    return pagecache.for_visitors(request, lambda extra: _leaderboard_page(request, slug, target, extra))


def _leaderboard_page(request: HttpRequest, slug: str | None, target: str | None, extra: dict) -> HttpResponse:
    campaign = _campaign(slug)
    started = case_selectors.phase_has_started(campaign, "voting")
    if target:
        return HttpResponse(_fragment(campaign, target) if started else "")
    context = {
        "campaign": campaign,
        "started": started,
        "open": selectors.is_open(campaign),
        "window": selectors.window(campaign),
        "refresh_seconds": settings.VOTING_LEADERBOARD_REFRESH_SECONDS,
        "chart_refresh_seconds": FRAGMENT_SECONDS[CHART] * 3,
        "fragment_url": reverse("voting:campaign-leaderboard", kwargs={"slug": campaign.slug}),
    }
    if started:
        # Our own rendered templates.
        context.update(live=mark_safe(_fragment(campaign, LIVE)), chart=mark_safe(_fragment(campaign, CHART)))  # noqa: S308
    return render(request, "voting/leaderboard.html", {**context, **extra})


# --- Fraud review -------------------------------------------------------------


def _organiser_campaign(request: HttpRequest, slug: str, permission: str = "voting.review_fraud") -> Campaign:
    campaign = get_object_or_404(Campaign, slug=slug)
    require(request.user, permission, campaign)
    return campaign


# --- Rules --------------------------------------------------------------------


@login_required
def rules(request: HttpRequest, slug: str) -> HttpResponse:
    """The organisers' form for a campaign's quotas (residents read them in the
    board's rules box)."""
    campaign = _organiser_campaign(request, slug, "voting.manage_rules")
    current = selectors.rules_of(campaign)
    initial = {"votes_per_day": current.votes_per_day, "votes_per_case_per_day": current.votes_per_case_per_day,
               "allow_unverified": current.allow_unverified, "require_verified_phone": current.require_verified_phone}
    form = RulesForm(request.POST if request.method == "POST" else None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.set_rules(actor=request.user, campaign=campaign, **form.cleaned_data)
            except PortalError as error:
                form_refusal(form, error)
            else:
                messages.success(request, _("投票规则已保存。"))
                return redirect("voting:rules", slug=campaign.slug)
        status = 400
    return render(request, "voting/rules.html", {
        "campaign": campaign, "form": form, "window": selectors.window(campaign),
        "started": case_selectors.phase_has_started(campaign, "voting"),
    }, status=status)


@login_required
def review(request: HttpRequest, slug: str) -> HttpResponse:
    """Suspicious patterns with their numbers, the matching ballots, and the
    voiding form (by selection or by rule, with a reason)."""
    campaign = _organiser_campaign(request, slug)
    form = ReviewFilterForm(request.GET or None)
    filters, _refusals = filter_query(form)  # shown beside their fields
    ballots = selectors.review_ballots(
        campaign, ip=filters.get("ip") or "", subnet=filters.get("subnet") or "", voter=filters.get("voter") or "",
        user_agent=filters.get("user_agent") or "", starts_at=filters.get("starts_at"), ends_at=filters.get("ends_at"),
        show_void=filters.get("show_void", True) if filters else True,
    )
    page = Paginator(ballots, REVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.with_voter_evidence(campaign, list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    patterns = selectors.suspicious_patterns(campaign, limit=PATTERNS_SHOWN)
    return render(
        request,
        "voting/review.html",
        {
            "campaign": campaign,
            "form": form,
            "void_form": VoidForm(initial=_void_initial(filters)),
            "page": page,
            "query": query.urlencode(),
            "ips": patterns["ip"],
            "subnets": patterns["subnet"],
            "agents": patterns["user_agent"],
            "bursts": selectors.new_account_bursts(campaign, limit=PATTERNS_SHOWN),
            "batches": selectors.void_batches(campaign)[:20],
            "totals": selectors.totals(campaign.pk),
        },
    )


def _void_initial(filters: dict) -> dict:
    for rule, field in [(VoidRule.IP, "ip"), (VoidRule.SUBNET, "subnet"), (VoidRule.ACCOUNT, "voter"),
                        (VoidRule.USER_AGENT, "user_agent")]:
        if filters.get(field):
            return {"rule": rule, field: filters[field]}
    if filters.get("starts_at") and filters.get("ends_at"):
        return {"rule": VoidRule.TIME_RANGE, "starts_at": filters["starts_at"], "ends_at": filters["ends_at"]}
    return {}


@login_required
@require_POST
@reauthentication_required
def void(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = _organiser_campaign(request, slug)
    form = VoidForm(request.POST)
    back = request.POST.get("next") or reverse("voting:review", kwargs={"slug": slug})
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}):
        back = reverse("voting:review", kwargs={"slug": slug})
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    try:
        batch = services.void_ballots(actor=request.user, campaign=campaign, rule=form.cleaned_data["rule"],
                                      params=form.rule_params(), reason=form.cleaned_data["reason"])
    except PortalError as error:
        flash_refusal(request, error)
        return redirect(back)
    messages.success(request, _("已作废 %(n)s 张选票，票数已同步更新。") % {"n": batch.ballot_count})
    return redirect(back)

