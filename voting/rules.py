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


# The expert panel's permissions (voting.panel.rules) are registered by
# importing it: django-rules discovers only this module.
from voting.panel import rules as panel_rules  # noqa: E402, F401
