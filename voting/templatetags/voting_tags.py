"""The vote widget and the rules box, included by the board card, the case
page and the board (cases' templates include these; voting owns them).

Everything a widget needs about its campaign (phase, counts, what the voter
used today) is read once per request and campaign, so a board page of 24
cards costs the same queries as one card.
"""

from __future__ import annotations

import uuid

from django import template
from django.middleware.csrf import get_token
from django.urls import reverse

from cases.models import Campaign, CaseEntry
from portal import timeutils
from voting import selectors

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
        state = {
            "campaign": campaign,
            "phase": phase,
            "open": is_open,
            "started": phase is not None and phase.starts_at <= now,
            "today": selectors.voter_today(request.user, campaign) if is_open else None,
            "counts": selectors.live_counts(campaign_id) if phase is not None and phase.starts_at <= now else {},
        }
        memo[campaign_id] = state
    return state


def widget_context(request, entry: CaseEntry, *, compact: bool, outcome=None, campaign: Campaign | None = None) -> dict:
    accepted = outcome is not None and not hasattr(outcome, "code")
    if accepted:
        # The answer to an accepted vote carries all the widget shows: no query.
        state = {"campaign": campaign, "phase": None, "open": True, "started": True,
                 "today": None, "counts": {}}
    else:
        state = campaign_state(request, entry.campaign_id, campaign)
    today = state["today"]
    return {
        "request": request,
        "entry": entry,
        "campaign": state["campaign"],
        "campaign_id": entry.campaign_id,
        "phase": state["phase"],
        "open": state["open"],
        "started": state["started"],
        "today": today,
        "voted": bool(today and entry.pk in today.voted_case_ids) or accepted,
        "votes_left": outcome.votes_left if accepted else (today.left if today else None),
        "count": outcome.count if accepted else state["counts"].get(entry.pk, 0),
        "compact": compact,
        "outcome": outcome,
        "accepted": accepted,
        "refused": outcome if outcome is not None and not accepted else None,
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
    }
