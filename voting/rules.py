"""Who may do what in public voting (django-rules). The services add *when*
(window, quotas); casting a vote needs no permission beyond being signed in,
which cast_vote answers with its own refusal."""

import rules

from portal.rules import is_organiser

PERMISSIONS = {
    "voting.manage_rules": is_organiser,
    "voting.review_fraud": is_organiser,
    "voting.void_ballots": is_organiser,
    # The admin site's model permissions: organisers read; ballots and
    # tallies change only through the services.
    "voting.view_votingrules": is_organiser,
    "voting.change_votingrules": is_organiser,
    "voting.add_votingrules": is_organiser,
    "voting.delete_votingrules": rules.always_deny,
    "voting.view_ballot": is_organiser,
    "voting.view_voidbatch": is_organiser,
    "voting.view_votesnapshot": is_organiser,
}

for name, predicate in PERMISSIONS.items():
    rules.add_perm(name, predicate)


# --- Expert panel (issue 5) ---------------------------------------------------

from portal.rules import is_reviewer  # noqa: E402
from portal.selectors import conflicted_units  # noqa: E402


@rules.predicate
def is_assigned_without_conflict(user, case) -> bool:
    """The case is in the reviewer's assignment and not of a unit they
    belong to, nor of its parent or child units (an assignment never is;
    this holds even if a membership is added later)."""
    from voting.panel.models import ReviewAssignment

    if case is None or not getattr(user, "is_authenticated", False):
        return False
    if case.unit_id in conflicted_units(user):
        return False
    return ReviewAssignment.objects.filter(case=case, reviewer=user).exists()


PANEL_PERMISSIONS = {
    "voting.manage_panel": is_organiser,
    "voting.view_standings": is_organiser,
    "voting.reopen_review": is_organiser,
    "voting.publish_results": is_organiser,
    "voting.view_panel": is_reviewer,
    "voting.score_case": is_reviewer & is_assigned_without_conflict,
    # Admin: organisers read; writes go through the services.
    "voting.view_panelsettings": is_organiser,
    "voting.view_finalistcut": is_organiser,
    "voting.view_reviewerprofile": is_organiser,
    "voting.view_criterion": is_organiser,
    "voting.view_review": is_organiser,
    "voting.view_panelevent": is_organiser,
    "voting.view_resultversion": is_organiser,
}

for name, predicate in PANEL_PERMISSIONS.items():
    rules.add_perm(name, predicate)
