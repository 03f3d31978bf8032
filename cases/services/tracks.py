"""An award track's rules (issue 19, item 3): how many live entries one unit
may have in it and how many awards it gives, set by the organisers until the
campaign's voting opens."""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from cases import selectors
from cases.enums import EntryState, PhaseKind
from cases.exceptions import CaseError
from cases.models import AWARDS_MAX, ENTRY_LIMIT_MAX, CaseEntry, Track
from portal.enums import AuditAction
from portal.models import User
from portal.permissions import require
from portal.services import record_audit

BOUNDS = {"entry_limit_per_unit": ENTRY_LIMIT_MAX, "awards": AWARDS_MAX}


def entry_limit_locked(track: Track) -> int:
    """The track's limit per unit, read under a share lock on the track's row:
    an entry being made and a change of the rules (which locks the row for
    update) wait for each other, so no entry is counted against a limit that
    is being lowered. The caller is inside a transaction."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(t.entry_limit_per_unit, c.entry_limit_per_track) FROM cases_track t"
            " JOIN cases_campaign c ON c.id = t.campaign_id WHERE t.id = %s FOR SHARE OF t",
            [track.pk],
        )
        return cursor.fetchone()[0]


def _check_bounds(rules: dict[str, int | None]) -> None:
    for field, highest in BOUNDS.items():
        value = rules[field]
        if value is not None and (isinstance(value, bool) or not 1 <= value <= highest):
            raise CaseError(
                _("请填写 1 到 %(max)d 之间的整数，留空表示不设。") % {"max": highest}, code="out_of_bounds", field=field
            )


@transaction.atomic
def update_track_rules(*, actor: User | None, track: Track, entry_limit_per_unit: int | None,
                       awards: int | None) -> Track:
    """Organisers set a track's limit of live entries per unit (None: the
    campaign's limit applies) and its number of awards (None: not set).

    Refused once the track's voting (its own phase, else the campaign's) has started: voters and units were
    told the rules, and the standings count the awards. The limit never
    drops below a slot a unit holds in the track, since slots 1..limit are
    what keeps each unit within it (cases.services.entries)."""
    require(actor, "cases.manage_campaign", message=_("只有主办方可以修改奖项规则。"))
    new = {"entry_limit_per_unit": entry_limit_per_unit, "awards": awards}
    _check_bounds(new)
    locked = Track.objects.select_for_update(no_key=True).select_related("campaign").get(pk=track.pk)
    campaign = locked.campaign
    if selectors.phase_has_started(campaign, PhaseKind.VOTING, track=locked):
        raise CaseError(_("本届公众投票已经开始，奖项的申报上限和获奖名额不能再修改。"), code="voting_started", status=409)
    highest = (
        CaseEntry.objects.filter(track=locked).exclude(state=EntryState.WITHDRAWN).aggregate(slot=Max("slot"))["slot"]
        or 0
    )
    limit = entry_limit_per_unit or campaign.entry_limit_per_track
    if limit < highest:
        raise CaseError(
            _("已有单位在「%(track)s」占用第 %(slot)d 个名额，每个单位可报数不能低于 %(slot)d。请先请该单位撤回多出的案例。")
            % {"track": locked.localised_name, "slot": highest},
            code="limit_below_entries",
            field="entry_limit_per_unit",
            status=409,
        )
    old = {"entry_limit_per_unit": locked.entry_limit_per_unit, "awards": locked.awards}
    if old == new:
        return locked
    locked.entry_limit_per_unit, locked.awards = entry_limit_per_unit, awards
    locked.save(update_fields=["entry_limit_per_unit", "awards"])
    record_audit(actor=actor, action=AuditAction.TRACK_RULES_CHANGED, campaign=campaign.slug, track_id=locked.pk,
                 track=locked.name, old=old, new=new)
    return locked
