"""Voiding ballots by rule (one ballot, an account, an address, a network, a
browser, a time range) with the organiser's reason; nothing is deleted."""

from __future__ import annotations

import datetime as dt
import ipaddress

from django.db import connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from cases.models import Campaign
from portal import timeutils
from portal.models import User
from portal.permissions import require
from voting import selectors
from voting.enums import VoidRule
from voting.exceptions import VotingError
from voting.models import TALLY_SHARDS, Ballot, VoidBatch
from voting.services.casting import client_ip
from voting.services.tallies import rollup_vote_counts, take_snapshot


def _rule_filter(rule: str, params: dict, campaign: Campaign) -> Q:
    if rule == VoidRule.SELECTION:
        ids = [int(i) for i in params.get("ballot_ids") or []]
        if not ids:
            raise VotingError(_("请至少勾选一张选票。"), code="nothing_selected", field="ballot_ids")
        return Q(pk__in=ids)
    if rule == VoidRule.IP:
        ip = client_ip(params.get("ip"))
        if ip is None:
            raise VotingError(_("请填写有效的 IP 地址。"), code="invalid_ip", field="ip")
        return Q(ip=ip)
    if rule == VoidRule.SUBNET:
        try:
            network = ipaddress.ip_network(f"{params.get('subnet', '').split('/')[0]}/24", strict=False)
        except ValueError as exc:
            raise VotingError(_("请填写有效的网段，如 10.1.2.0/24。"), code="invalid_subnet", field="subnet") from exc
        return Q(pk__in=Ballot.objects.extra(where=["ip << %s::inet"], params=[str(network)]).values("pk"))
    if rule == VoidRule.ACCOUNT:
        if params.get("voter"):  # the pseudonym the review page shows
            found = selectors.voters_labelled(campaign, params["voter"])
            voter_id = found[0] if len(found) == 1 else None
            field = "voter"
        else:
            voter_id, field = params.get("voter_id"), "voter_id"
        if not voter_id or not User.objects.filter(pk=voter_id).exists():
            raise VotingError(_("找不到这个账号。"), code="invalid_account", field=field)
        return Q(voter_id=int(voter_id))
    if rule == VoidRule.USER_AGENT:
        agent = (params.get("user_agent") or "").strip()
        if not agent:
            raise VotingError(_("请填写浏览器标识。"), code="invalid_user_agent", field="user_agent")
        return Q(user_agent=agent)
    if rule == VoidRule.TIME_RANGE:
        starts, ends = params.get("starts_at"), params.get("ends_at")
        if isinstance(starts, str):
            starts = dt.datetime.fromisoformat(starts)
        if isinstance(ends, str):
            ends = dt.datetime.fromisoformat(ends)
        if not starts or not ends or starts >= ends:
            raise VotingError(_("请填写开始早于结束的时间段。"), code="invalid_time_range", field="starts_at")
        return Q(cast_at__gte=starts, cast_at__lt=ends)
    raise VotingError(_("未知的作废规则。"), code="invalid_rule", field="rule")


def _jsonable(params: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in params.items() if v not in (None, "")}


def void_ballots(*, actor: User, campaign: Campaign, rule: str, params: dict, reason: str) -> VoidBatch:
    """Void the campaign's non-void ballots matched by a rule (a selection,
    an IP, a /24, an account, a user agent, a time range) with a reason.
    The ballots stay, marked with who, when and why; the tallies drop by
    exactly the ballots voided, in the same transaction. Nothing is deleted."""
    require(actor, "voting.void_ballots", campaign, message=_("只有主办方可以作废选票。"))
    reason = (reason or "").strip()
    if not reason:
        raise VotingError(_("请写明作废原因，它会和作废记录一起保存。"), code="reason_required", field="reason")
    condition = _rule_filter(rule, params, campaign)
    now = timeutils.now()
    with transaction.atomic():
        batch = VoidBatch.objects.create(campaign=campaign, actor=actor, rule=rule, params=_jsonable(params),
                                         reason=reason[:500])
        # Lock the ballots in pk order, then mark those still valid.
        targets = (
            Ballot.objects.filter(condition, campaign=campaign, voided_at__isnull=True)
            .order_by("pk").select_for_update(no_key=True)
        )
        ids = list(targets.values_list("pk", flat=True))
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                WITH v AS (
                    UPDATE voting_ballot SET voided_at = %s, voided_by_id = %s, void_reason = %s, void_batch_id = %s
                    WHERE id = ANY(%s) AND voided_at IS NULL
                    RETURNING case_id, voter_id %% {TALLY_SHARDS} AS shard
                ), g AS (SELECT case_id, shard, COUNT(*) AS n FROM v GROUP BY case_id, shard)
                UPDATE voting_casetally t SET votes = t.votes - g.n FROM g
                WHERE t.case_id = g.case_id AND t.shard = g.shard
                RETURNING g.n
                """,
                [now, actor.pk, reason[:500], batch.pk, ids],
            )
            voided = sum(n for (n,) in cursor.fetchall())
        batch.ballot_count = voided
        batch.save(update_fields=["ballot_count"])
    rollup_vote_counts(campaign_id=campaign.pk)
    take_snapshot(campaign_id=campaign.pk, moment=now, replace=True)
    return batch
