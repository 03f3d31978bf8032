"""Demo data of the expert panel: a second, finished edition next to the open
one — 第二届东莞市民点赞榜 (2020): 40 cases on the board with their final valid
vote counts, 30 finalists chosen when voting closed, a panel of 7 reviewers
(the demo reviewer, reviewer@demo.minxinbang.cn, is one of them; their
affiliation with 东莞市教育局 keeps that unit's finalist out of their queue),
every mark submitted, and the results published.

The archived edition carries its final tallies (valid votes per case) and
the leaderboard's half-hourly snapshots (votes and voters over the week), not
its individual ballots. Re-runnable: nothing changes once the results exist.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction

from cases import services as case_services
from cases.enums import EntryState, PhaseKind
from cases.models import Campaign, CaseEntry, Phase
from demo import cases as cases_demo
from demo import portal as portal_demo
from portal import services as portal_services
from portal import timeutils
from portal.models import User
from voting.models import CaseTally, VoteSnapshot
from voting.panel import selectors as panel_selectors
from voting.panel import services as panel_services
from voting.panel.models import ResultVersion
from voting.panel.enums import ReviewerCategory

SLUG = "dongguan-2020"
TITLE = "第二届东莞市民点赞榜"
DESCRIPTION = "2020 年度全市“我为群众办实事”优秀案例评选：公众投票 7 天，得票前 30 名经专家评审后公布最终排名。"
CASES = 40
REVIEWERS = [
    # (email, name, title, category, affiliated unit)
    ("reviewer@demo.minxinbang.cn", "林志明", "市人大代表、东莞市教育局原副局长", ReviewerCategory.NPC_DEPUTY, "东莞市教育局"),
    ("npc2@demo.minxinbang.cn", "黄丽华", "市人大代表、社区党委书记", ReviewerCategory.NPC_DEPUTY, None),
    ("cppcc1@demo.minxinbang.cn", "陈建国", "市政协委员、律师", ReviewerCategory.CPPCC_MEMBER, None),
    ("cppcc2@demo.minxinbang.cn", "何敏", "市政协委员、东莞理工学院教授", ReviewerCategory.CPPCC_MEMBER, None),
    ("expert1@demo.minxinbang.cn", "梁文博", "公共管理学者", ReviewerCategory.DOMAIN_EXPERT, None),
    ("expert2@demo.minxinbang.cn", "周雅琴", "城市规划专家", ReviewerCategory.DOMAIN_EXPERT, "东莞市自然资源局"),
    ("resident-rep@demo.minxinbang.cn", "刘伟", "市民代表、网约车司机", ReviewerCategory.RESIDENT_REP, None),
]


def _timeline() -> dict[str, tuple]:
    at = timeutils.local_datetime
    return {
        PhaseKind.CALL: (at(2020, 10, 15), at(2020, 11, 4)),
        PhaseKind.SCREENING: (at(2020, 11, 4), at(2020, 11, 20)),
        PhaseKind.VOTING: (at(2020, 11, 20), at(2020, 11, 27, 12)),
        PhaseKind.REVIEW: (at(2020, 11, 27, 12), at(2020, 12, 10)),
        PhaseKind.RESULTS: (at(2020, 12, 10), at(2020, 12, 31)),
    }


def _cases(campaign: Campaign, rng: random.Random) -> list[CaseEntry]:
    units = portal_demo.seed_units()
    pool = [u for name, u in sorted(units.items()) if name != portal_demo.CITY]
    rng.shuffle(pool)
    track = campaign.tracks.order_by("position", "pk").first()
    domains = {d.name: d for d in campaign.domains.all()}
    ideas = [(domain, title, results) for domain, items in cases_demo.CASES_BY_DOMAIN.items()
             for title, results in items]
    rng.shuffle(ideas)
    organiser = User.objects.filter(email="organiser@demo.minxinbang.cn").first() or User.objects.first()
    moment = timeutils.local_datetime(2020, 11, 18)
    entries, slots = [], {}
    ideas = ideas[:CASES]
    # A finalist from the demo reviewer's own unit, which they must not score.
    education = next(n for n, idea in enumerate(ideas) if idea[0] == "教育")
    for n, (domain, title, results) in enumerate(ideas):
        if n == education:
            unit = units["东莞市教育局"]
        else:
            unit = min((u for u in pool if cases_demo.fits_domain(u, domain) and u.name != "东莞市教育局"),
                       key=lambda u: slots.get(u.pk, 0))
        slots[unit.pk] = slots.get(unit.pk, 0) + 1
        entries.append(CaseEntry(
            campaign=campaign, track=track, domain=domains[domain], unit=unit, slot=slots[unit.pk],
            title=title, summary=f"{title}：{results}", results=results,
            story=f"<p>{unit.name}聚焦群众急难愁盼，推出“{title}”。</p><p>{results}</p>",
            state=EntryState.ACCEPTED, created_by=organiser, submitted_at=moment, accepted_at=moment,
        ))
    entries = CaseEntry.objects.bulk_create(entries)
    # Final valid votes: a long tail under a few clear leaders (top 218,450).
    for rank, entry in enumerate(entries, start=1):
        entry.vote_count = int(218_450 / rank ** 0.9) + rng.randrange(0, 900)
    CaseEntry.objects.bulk_update(entries, ["vote_count"])
    CaseTally.objects.bulk_create(
        CaseTally(case=e, campaign=campaign, shard=0, votes=e.vote_count) for e in entries
    )
    return entries


VOTES_PER_VOTER = 13.8  # 3,335,896 votes from 241,814 voters in the 2021 week


def _snapshots(campaign: Campaign) -> int:
    """Every half hour of the voting week: cumulative votes reaching the final
    tallies, quiet at night, surging at lunch and in the evening after the
    day's shares, and the distinct voters behind them. Skipped when present."""
    if VoteSnapshot.objects.filter(campaign=campaign).exists():
        return 0
    rng = random.Random(2020_11_20)
    start, end = _timeline()[PhaseKind.VOTING]
    total = sum(CaseTally.objects.filter(campaign=campaign).values_list("votes", flat=True))
    hour_weight = [.15, .08, .05, .04, .04, .08, .3, .6, .9, 1, 1, 1.2, 1.6, 1.3, 1, .9, .9, 1, 1.2, 1.6, 2, 2, 1.5, .7]
    moments, weights = [], []
    moment = start
    while moment < end:
        local = moment.astimezone(timeutils.LOCAL_TZ)
        day = (moment - start).days
        weights.append(hour_weight[local.hour] * (1 + 0.15 * day) * rng.uniform(0.7, 1.3))
        moments.append(moment)
        moment += dt.timedelta(minutes=30)
    moments.append(end)
    weights.append(0)
    voters_final = round(total / VOTES_PER_VOTER)
    rows, running, scale = [], 0.0, total / sum(weights)
    for moment, weight in zip(moments, weights):
        votes = min(total, round(running))
        # Distinct voters grow slower than votes: people come back every day.
        rows.append(VoteSnapshot(campaign=campaign, minute=moment, total_votes=votes,
                                 voters=round(voters_final * (votes / total) ** 0.8) if total else 0))
        running += weight * scale
    rows[-1].total_votes, rows[-1].voters = total, voters_final
    VoteSnapshot.objects.bulk_create(rows)
    return len(rows)


def _review_running_now() -> dict[str, tuple]:
    """Back-to-back hours with the review phase around now (the other phases
    in their order), for replaying the 2020 reviews."""
    start = timeutils.now() - dt.timedelta(hours=4)
    spans = {}
    for kind in (PhaseKind.CALL, PhaseKind.SCREENING, PhaseKind.VOTING, PhaseKind.REVIEW, PhaseKind.RESULTS):
        spans[kind] = (start, start + dt.timedelta(hours=1 if kind != PhaseKind.REVIEW else 8))
        start = spans[kind][1]
    return spans


def _set_timeline(campaign: Campaign, spans: dict[str, tuple]) -> None:
    # Replaced whole (phases never overlap, so they cannot be moved one by one);
    # inside the seed's transaction, so nobody ever sees the replay timeline.
    Phase.objects.filter(campaign=campaign).delete()
    Phase.objects.bulk_create(Phase(campaign=campaign, kind=k, starts_at=s, ends_at=e) for k, (s, e) in spans.items())


def _half(value: float, top: Decimal) -> Decimal:
    mark = (Decimal(str(value)) * 2).quantize(Decimal(1), rounding=ROUND_HALF_UP) / 2
    return min(max(mark, Decimal(0)), top)


@transaction.atomic
def seed(*, stdout=None) -> Campaign | None:
    campaign = Campaign.objects.filter(slug=SLUG).first()
    if campaign is not None and ResultVersion.objects.filter(campaign=campaign).exists():
        _snapshots(campaign)  # demos seeded before the snapshots existed
        return campaign
    organiser = User.objects.filter(email="organiser@demo.minxinbang.cn").first()
    if organiser is None:
        return None  # demo.portal makes the organiser first
    rng = random.Random(2020)
    if campaign is None:
        campaign = case_services.create_campaign(
            actor=None, slug=SLUG, title=TITLE, year=2020, description=DESCRIPTION, phases=_timeline()
        )
        entries = _cases(campaign, rng)
        _snapshots(campaign)
    else:
        entries = list(CaseEntry.objects.filter(campaign=campaign))
    panel_services.select_finalists(actor=None, campaign=campaign)

    units = portal_demo.seed_units()
    reviewers = []
    for email, name, title, category, unit in REVIEWERS:
        profile = panel_services.invite_reviewer(
            actor=None, campaign=campaign, name=name, title=title, category=category, email=email,
            unit_ids=[units[unit].pk] if unit else [],
        )
        user = profile.user
        if not user.has_usable_password():
            user.set_password(portal_demo.DEMO_PASSWORD)
            user.save(update_fields=["password"])
        portal_services.mark_verified(user=user)
        reviewers.append(user)
    panel_services.assign_finalists(actor=None, campaign=campaign)

    # The panel saves marks only inside the review phase: the 2020 reviews are
    # replayed inside a review phase that runs now, then the 2020 timeline (its
    # results phase long started) comes back before the results are published.
    _set_timeline(campaign, _review_running_now())
    quality = {e.pk: rng.uniform(62, 92) for e in entries}
    leniency = {r.pk: rng.uniform(-5, 5) for r in reviewers}
    criteria = panel_selectors.criteria_of(campaign)
    for reviewer in reviewers:
        for item in panel_selectors.queue(reviewer, campaign):
            case_id = item.finalist.case_id
            total = min(max(quality[case_id] + leniency[reviewer.pk] + rng.gauss(0, 4), 30), 99)
            shares = [rng.uniform(0.9, 1.1) for _c in criteria]
            marks = {c.pk: _half(total / 100 * float(c.max_mark) * s, c.max_mark) for c, s in zip(criteria, shares)}
            comment = rng.choice(["", "成效数据扎实，可复制推广。", "群众获得感强。", "建议补充长效机制。", "创新点突出。"])
            panel_services.save_review(actor=reviewer, campaign=campaign, case_id=case_id, marks=marks,
                                       comment=comment, submit=True)
    _set_timeline(campaign, _timeline())
    panel_services.publish_results(actor=organiser, campaign=campaign)
    if stdout:
        stdout.write(f"  voting: {TITLE} finished — 30 finalists, {len(reviewers)} reviewers, results published")
    return campaign
