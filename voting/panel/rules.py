"""Who may do what on the expert panel (django-rules); the permission names
keep the app label voting. Registered when voting.rules imports this module."""

import rules

from portal.rules import is_organiser, is_reviewer
from portal.selectors import conflicted_units


@rules.predicate
def is_assigned_without_conflict(user, case) -> bool:
    """The case is in the reviewer's assignment and not of a unit they
    belong to, nor of its parent or child units (an assignment never is;
    this holds even if a membership is added later). No case (None) is
    nobody's."""
    from voting.panel.models import ReviewAssignment

    if case is None or not getattr(user, "is_authenticated", False):
        return False
    if case.unit_id in conflicted_units(user):
        return False
    return ReviewAssignment.objects.filter(case=case, reviewer=user).exists()


PANEL_PERMISSIONS = {
    "voting.manage_panel": is_organiser,
    "voting.view_standings": is_organiser,
    # Who has scored what, without the marks: the organisers at /panel/.
    "voting.view_panel_progress": is_organiser,
    "voting.reopen_review": is_organiser,
    "voting.publish_results": is_organiser,
    "voting.view_panel": is_reviewer,
    # The criteria: organisers set them, reviewers score by them.
    "voting.view_criteria": is_organiser | is_reviewer,
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
