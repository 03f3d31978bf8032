"""Where each role's day starts: after signing in, staff land on their own
workspace instead of the residents' home page (issue 21, stumble 7).

By URL name and permission only, so the portal imports none of the apps."""

from __future__ import annotations

from django.urls import reverse

# (permission, the workspace's URL name), first held wins: the organiser's
# desk, the dispatch queue, the unit's inbox, the reviewer's panel, the
# portal administrator's accounts and units.
WORKSPACES = [
    ("portal.view_dashboards", "cases:desk"),
    ("appeals.use_dispatch_centre", "appeals:centre"),
    ("portal.view_unit_workspace", "appeals:inbox"),
    ("portal.view_review_panel", "voting:panel-home"),
    ("portal.manage_accounts", "administration:home"),
]


def workspace_url(user) -> str:
    """The user's own workspace; a resident's is the home page."""
    if user is not None and user.is_authenticated:
        for permission, name in WORKSPACES:
            if user.has_perm(permission):
                return reverse(name)
    return reverse("home")
