"""A campaign's voting rules (quotas, verified accounts and phones)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from cases.enums import PhaseKind
from cases.models import Campaign
from portal import timeutils
from portal.models import User
from portal.permissions import require
from voting.exceptions import VotingError
from voting.models import QUOTA_MAX, QUOTA_MIN, VotingRules


def check_quotas(*, votes_per_day: int, votes_per_case_per_day: int) -> None:
    """The quotas' bounds, as the table's constraints state them (set_rules
    and the campaign set-up wizard ask this)."""
    if votes_per_day is None or not QUOTA_MIN <= votes_per_day <= QUOTA_MAX:
        raise VotingError(_("每人每天可投票数应在 %(min)d 到 %(max)d 之间。") % {"min": QUOTA_MIN, "max": QUOTA_MAX},
                          code="invalid_quota", field="votes_per_day")
    if votes_per_case_per_day is None or not QUOTA_MIN <= votes_per_case_per_day <= votes_per_day:
        raise VotingError(
            _("每人每天对同一案例的票数应在 1 到每天总票数之间。"), code="invalid_quota", field="votes_per_case_per_day"
        )


@transaction.atomic
def set_rules(
    *,
    actor: User | None,
    campaign: Campaign,
    votes_per_day: int,
    votes_per_case_per_day: int,
    allow_unverified: bool,
    require_verified_phone: bool | None = None,
) -> VotingRules:
    """Set a campaign's quotas. They can change before voting opens; once it
    has opened they can only grow, so nobody's count today is made invalid.
    `require_verified_phone` None keeps the rule as it is."""
    require(actor, "voting.manage_rules", campaign, message=_("只有主办方可以设置投票规则。"))
    check_quotas(votes_per_day=votes_per_day, votes_per_case_per_day=votes_per_case_per_day)
    # A new row holds the defaults, which were the rules in force until now.
    rules, _created = VotingRules.objects.select_for_update(no_key=True).get_or_create(campaign=campaign)
    # The first voting phase, the campaign's or a track's own: votes were cast once any opened.
    phase = campaign.phases.filter(kind=PhaseKind.VOTING).order_by("starts_at").first()
    if phase is not None and phase.starts_at <= timeutils.now():
        if votes_per_day < rules.votes_per_day or votes_per_case_per_day < rules.votes_per_case_per_day:
            raise VotingError(_("投票已经开始，配额只能增加不能减少。"), code="quota_locked", field="votes_per_day")
    rules.votes_per_day = votes_per_day
    rules.votes_per_case_per_day = votes_per_case_per_day
    rules.allow_unverified = allow_unverified
    if require_verified_phone is not None:
        rules.require_verified_phone = require_verified_phone
    rules.save()
    return rules
