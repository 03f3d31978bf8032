"""The vote widget and the rules box, included by the board card, the case
page and the board, and the links to published results (home page and
boards): cases' and the portal's templates include these; voting owns them.

Everything a widget needs about its campaign (phase, counts, what the voter
used today) is read once per request and campaign, so a board page of 24
cards costs the same queries as one card.
"""

from __future__ import annotations

import uuid

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.translation import get_language, ngettext
from django.middleware.csrf import get_token
from django.urls import reverse

from cases.models import Campaign, CaseEntry
from portal import timeutils
from voting import selectors
from voting.panel import selectors as panel_selectors
from voting.enums import Refusal

ANSWERED_REFUSALS = {Refusal.DAILY_QUOTA_USED, Refusal.ALREADY_VOTED_TODAY}

register = template.Library()


def campaign_state(request, campaign_id: int, campaign: Campaign | None = None) -> dict:
    memo = request.__dict__.setdefault("_voting_state", {})
    state = memo.get(campaign_id)
    if state is None:
        if campaign is None or campaign.pk != campaign_id:
            campaign = Campaign.objects.prefetch_related("phases").get(pk=campaign_id)
        phase = selectors.window(campaign)
        now = timeutils.now()
        is_open = phase is not None and phase.contains(now)
        started = phase is not None and phase.starts_at <= now
        today = selectors.voter_today(request.user, campaign) if is_open else None
        state = {
            "campaign": campaign,
            "phase": phase,
            "open": is_open,
            "started": started,
            "today": today,
            "counts": selectors.live_counts(campaign_id, newer_than=today and today.last_vote_at) if started else {},
        }
        memo[campaign_id] = state
    return state


def _entry_state(request, entry: CaseEntry, state: dict) -> dict:
    """The campaign's state, with the window of the entry's track when that
    track has a voting phase of its own."""
    phase = selectors.window(state["campaign"], entry.track_id)
    if phase is None or phase == state["phase"]:
        return state
    now = timeutils.now()
    is_open, started = phase.contains(now), phase.starts_at <= now
    today = state["today"] or (selectors.voter_today(request.user, state["campaign"]) if is_open else None)
    counts = state["counts"]
    if started and not state["started"]:
        counts = selectors.live_counts(entry.campaign_id, newer_than=today and today.last_vote_at)
    return {**state, "phase": phase, "open": is_open, "started": started, "today": today, "counts": counts}


def widget_context(request, entry: CaseEntry, *, compact: bool, outcome=None, campaign: Campaign | None = None) -> dict:
    accepted = outcome is not None and not hasattr(outcome, "code")
    refused = outcome if outcome is not None and not accepted else None
    # An accepted vote, and a refusal by a quota, carry all the widget shows
    # (the statement that voted read them): no query.
    answered = accepted or (refused is not None and refused.code in ANSWERED_REFUSALS)
    if answered:
        state = {"campaign": campaign, "phase": None, "open": True, "started": True, "today": None, "counts": {}}
    else:
        state = _entry_state(request, entry, campaign_state(request, entry.campaign_id, campaign))
    today = state["today"]
    if answered:
        voted = accepted or refused.code == Refusal.ALREADY_VOTED_TODAY
        votes_left, count = outcome.votes_left, outcome.count
    else:
        voted = bool(today and entry.pk in today.voted_case_ids)
        votes_left, count = (today.left if today else None), state["counts"].get(entry.pk, 0)
    return {
        "request": request,
        "entry": entry,
        "campaign": state["campaign"],
        "campaign_id": entry.campaign_id,
        "phase": state["phase"],
        "open": state["open"],
        "started": state["started"],
        "today": today,
        "voted": voted,
        "votes_left": votes_left,
        "count": count,
        "compact": compact,
        "outcome": outcome,
        "accepted": accepted,
        "refused": refused,
        "token": uuid.uuid4().hex,
        "csrf_token": get_token(request),
        "action": reverse("voting:vote", kwargs={"campaign_id": entry.campaign_id, "case_id": entry.pk}),
        "next": request.get_full_path() if request.method == "GET" else entry.get_absolute_url(),
    }


@register.inclusion_tag("voting/_vote_widget.html", takes_context=True)
def vote_widget(context, entry: CaseEntry, compact: bool = False):
    campaign = context.get("campaign")
    return widget_context(context["request"], entry, compact=compact,
                          campaign=campaign if isinstance(campaign, Campaign) else None)


@register.inclusion_tag("voting/_rules_box.html", takes_context=True)
def voting_rules(context, campaign: Campaign):
    request = context["request"]
    state = campaign_state(request, campaign.pk, campaign)
    return {
        "request": request,
        "campaign": campaign,
        "rules": selectors.rules_of(campaign),
        "phase": state["phase"],
        "open": state["open"],
        "started": state["started"],
        "today": state["today"],
        "leaderboard_url": reverse("voting:campaign-leaderboard", kwargs={"slug": campaign.slug}),
        "organiser": request.user.is_authenticated and request.user.has_perm("voting.manage_rules", campaign),
    }


@register.inclusion_tag("voting/_results_links.html", takes_context=True)
def published_results(context, campaign: Campaign | None = None):
    """Links to published results: on an edition's board its own results
    (prominent) and the other editions'; on the home page every edition's."""
    editions = panel_selectors.published_editions()
    own = next((c for c in editions if campaign is not None and c.pk == campaign.pk), None)
    return {"own": own, "others": [c for c in editions if c is not own], "on_home": campaign is None}


# --- The answer to a vote -----------------------------------------------------------

# Stand-ins for what differs between two answers about one case (letters
# only, so intcomma and autoescaping leave them as they are).
_COUNT, _LEFT, _TOKEN, _CSRF = "__vote_count__", "__votes_left__", "__vote_token__", "__csrf_token__"
_ANSWERS: dict[tuple, str] = {}
_ANSWERS_MAX = 4096


def answer_html(request, entry: CaseEntry, outcome, *, compact: bool, oob: bool) -> str:
    """The widget that answers a vote. An accepted vote or a refusal by a
    quota differs from the last such answer about the same case only in its
    numbers and tokens, so the rendered widget is kept per process with
    stand-ins for those and filled in (rendering it through the template
    engine was a fifth of the vote path's CPU in the benchmark's profile).
    Other answers (window closed, not on the board, …) render in full."""
    accepted = not hasattr(outcome, "code")
    if not accepted and outcome.code not in ANSWERED_REFUSALS:
        context = widget_context(request, entry, compact=compact, outcome=outcome)
        return render_to_string("voting/_vote_widget.html", {**context, "oob": oob}, request)
    key = (get_language(), entry.campaign_id, entry.pk, entry.title, compact, oob, accepted,
           None if accepted else (outcome.code, str(outcome.message)))
    html = _ANSWERS.get(key)
    if html is None:
        context = widget_context(request, entry, compact=compact, outcome=outcome)
        context.update(oob=oob, count=_COUNT, votes_left=_LEFT, token=_TOKEN, csrf_token=_CSRF)
        html = render_to_string("voting/_vote_widget.html", context, request)
        if len(_ANSWERS) >= _ANSWERS_MAX:
            _ANSWERS.clear()
        _ANSWERS[key] = html
    html = (html.replace(_COUNT, intcomma(outcome.count)).replace(_LEFT, str(outcome.votes_left))
            .replace(_TOKEN, uuid.uuid4().hex).replace(_CSRF, get_token(request)))
    if accepted and compact and oob:
        html += card_count_html(entry.pk, outcome.count)
    return html


def card_count_html(case_id: int, count: int) -> str:
    """The board card's own count (cases/_card.html), swapped in beside the
    widget after a vote so the card does not keep showing the old number."""
    text = ngettext("%(n)s 票", "%(n)s 票", count) % {"n": intcomma(count)}
    return format_html('<span class="case-votes" id="case-votes-{}" hx-swap-oob="true">{}</span>', case_id, text)
