"""Demo data of public voting: the demo campaign's vote is open (demo.cases
puts today inside its voting phase) with a realistic history so far.

- 5,000 verified demo voters (voter0001@demo.minxinbang.cn …) who vote on
  some of the days so far, up to the daily quota, never twice for one case
  on one day, mostly for the five real top cases, in bursts after the
  evening "shares";
- a sign-up farm (40 new accounts, one IP, one user agent, ten minutes) for
  the fraud review page to find;
- snapshots every ten minutes for the chart;
- the demo resident (resident@demo.minxinbang.cn) has voted twice today and
  has votes left.

Re-runnable: on the same day it changes nothing; on a later day (the
timeline moved) the demo vote is generated afresh.
"""

from __future__ import annotations

import datetime as dt
import random
from bisect import bisect
from itertools import accumulate

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from cases.enums import EntryState, PhaseKind
from cases.models import Campaign, CaseEntry
from demo import cases as cases_demo
from demo import panel as demo_panel
from portal import timeutils
from portal.models import User
from voting import services
from voting.models import Ballot, CaseTally, VoidBatch, VoterDay, VoteRequest, VoteSnapshot, VotingRules

VOTERS = 5000
FARM_ACCOUNTS = 40
RESIDENT = "resident@demo.minxinbang.cn"
USER_AGENTS = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47",
    "Mozilla/5.0 (Linux; Android 14; V2307A) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 MicroMessenger/8.0.47",
    "Mozilla/5.0 (Linux; Android 13; 22081212C) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 12; HarmonyOS; NOH-AN00) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0 Safari/537.36",
    "Mozilla/5.0 (Linux; Android 13; PJD110) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 MicroMessenger/8.0.44",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Safari/605.1.15",
]
FARM_AGENT = "Mozilla/5.0 (Linux; Android 9; SM-G960F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/79.0 Mobile Safari/537.36"
FARM_IP = "27.38.105.77"
# Share of the day's votes per local hour: a morning peak, lunch, and the
# evening peak after the programme's WeChat posts.
HOUR_WEIGHTS = [1, 1, 0, 0, 0, 1, 2, 5, 9, 8, 6, 6, 9, 8, 5, 5, 6, 7, 9, 12, 16, 15, 9, 4]


def _voters(password: str) -> list[User]:
    emails = [f"voter{n:04d}@demo.minxinbang.cn" for n in range(1, VOTERS + 1)]
    existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
    joined = timeutils.now() - dt.timedelta(days=200)
    User.objects.bulk_create(
        # Each with a verified phone: the demo vote requires one (one person, one account).
        [User(email=email, display_name=f"市民{n:04d}", password=password, verified_at=joined, date_joined=joined,
              phone=f"+86139{n:08d}", phone_verified=True)
         for n, email in enumerate(emails, start=1) if email not in existing],
        batch_size=1000,
    )
    return list(User.objects.filter(email__in=emails).order_by("pk"))


def _farm(password: str, moment: dt.datetime) -> list[User]:
    emails = [f"farm{n:03d}@demo.minxinbang.cn" for n in range(1, FARM_ACCOUNTS + 1)]
    existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
    User.objects.bulk_create(
        [User(email=email, password=password, verified_at=moment - dt.timedelta(minutes=30),
              date_joined=moment - dt.timedelta(minutes=40 - n % 20), phone=f"+86170{n:08d}", phone_verified=True)
         for n, email in enumerate(emails) if email not in existing]
    )
    farm = list(User.objects.filter(email__in=emails).order_by("pk"))
    User.objects.filter(pk__in=[u.pk for u in farm]).update(
        date_joined=moment - dt.timedelta(minutes=40), verified_at=moment - dt.timedelta(minutes=30)
    )
    return farm


def _weights(entries: list[CaseEntry], rng: random.Random) -> list[float]:
    """The five real top cases lead (in their real order), the rest follow a
    long tail, as in 2021 (top case 345,366 of 3.3 M votes)."""
    top = {title: rank for rank, title in enumerate(cases_demo.TOP_CASE_TITLES)}
    weights = []
    for entry in entries:
        if entry.title in top:
            weights.append(10.0 - 1.2 * top[entry.title])
        else:
            weights.append(rng.uniform(0.3, 2.6))
    return weights


def _moment(day: dt.date, rng: random.Random, start: dt.datetime, end: dt.datetime) -> dt.datetime | None:
    hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
    moment = timeutils.local_midnight(day) + dt.timedelta(hours=hour, seconds=rng.randrange(3600))
    return moment if start <= moment < end else None


@transaction.atomic
def seed(*, stdout=None) -> Campaign | None:
    demo_panel.seed(stdout=stdout)  # the finished 2020 edition with its expert panel (issue 5)
    campaign = Campaign.objects.filter(slug=cases_demo.SLUG).prefetch_related("phases").first()
    if campaign is None:
        return None
    phase = campaign.phases.filter(kind=PhaseKind.VOTING).first()
    now = timeutils.now()
    if phase is None or not phase.contains(now):
        return campaign
    VotingRules.objects.get_or_create(campaign=campaign)
    today = timeutils.local_day(now)
    latest = VoteSnapshot.objects.filter(campaign=campaign).order_by("-minute").first()
    if latest is not None and timeutils.local_day(latest.minute) == today and \
            Ballot.objects.filter(campaign=campaign, cast_at__gte=phase.starts_at).exists():
        if stdout:
            stdout.write("  voting: demo vote already seeded today")
        return campaign
    _wipe(campaign)

    rng = random.Random(2021_11_26)
    password = make_password(None)
    voters = _voters(password)
    entries = list(CaseEntry.objects.filter(campaign=campaign, state=EntryState.ACCEPTED).order_by("pk"))
    cumulative = list(accumulate(_weights(entries, rng)))
    ballots: list[Ballot] = []
    start, day = phase.starts_at, timeutils.local_day(phase.starts_at)
    while day <= today:
        # Turnout grows after each day's shares; fewer people so far today.
        turnout = 0.35 + 0.1 * min(3, (day - timeutils.local_day(start)).days)
        if day == today:
            turnout *= max(0.1, (now - timeutils.local_midnight(day)).total_seconds() / 86400)
        for voter in voters:
            if rng.random() > turnout:
                continue
            wanted = min(10, max(1, int(rng.gauss(7, 3))))
            chosen: set[int] = set()
            for _n in range(wanted * 2):
                if len(chosen) == wanted:
                    break
                chosen.add(bisect(cumulative, rng.random() * cumulative[-1]))
            ip = f"113.{rng.randrange(64, 120)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
            agent = rng.choice(USER_AGENTS)
            first = _moment(day, rng, start, now)
            if first is None:
                continue
            for index, position in enumerate(sorted(chosen)):
                ballots.append(Ballot(campaign=campaign, case=entries[position], voter=voter, day=day, slot=1,
                                      cast_at=first + dt.timedelta(seconds=7 * index), ip=ip, user_agent=agent))
        day += dt.timedelta(days=1)

    # A sign-up farm: 40 fresh accounts, one IP and browser, ten minutes.
    farm_time = max(start, now - dt.timedelta(hours=5))
    farm_case = entries[-1]
    for n, account in enumerate(_farm(password, farm_time)):
        ballots.append(Ballot(campaign=campaign, case=farm_case, voter=account, day=timeutils.local_day(farm_time),
                              slot=1, cast_at=farm_time + dt.timedelta(seconds=15 * n), ip=FARM_IP,
                              user_agent=FARM_AGENT))

    resident = User.objects.filter(email=RESIDENT).first()
    if resident is not None:
        for offset, position in [(1, 0), (1, 1), (0, 0), (0, 3)]:
            moment = max(start, now - dt.timedelta(days=offset, minutes=20 - position))
            ballots.append(Ballot(campaign=campaign, case=entries[position], voter=resident,
                                  day=timeutils.local_day(moment), slot=1, cast_at=moment,
                                  ip="113.100.20.8", user_agent=USER_AGENTS[0]))

    Ballot.objects.bulk_create(ballots, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO voting_voterday (voter_id, campaign_id, day, used)"
            " SELECT voter_id, campaign_id, day, COUNT(*) FROM voting_ballot WHERE campaign_id = %s"
            " GROUP BY voter_id, campaign_id, day",
            [campaign.pk],
        )
    services.recount_tallies(campaign_id=campaign.pk)
    _snapshots(campaign, ballots, start, now)
    if stdout:
        stdout.write(f"  voting: {len(ballots):,} ballots from {len(voters) + FARM_ACCOUNTS:,} voters on the demo vote")
    return campaign


def _wipe(campaign: Campaign) -> None:
    """Demo only: clear the previous demo vote before generating it again."""
    VoteSnapshot.objects.filter(campaign=campaign).delete()
    Ballot.objects.filter(campaign=campaign).delete()
    VoidBatch.objects.filter(campaign=campaign).delete()
    CaseTally.objects.filter(campaign=campaign).delete()
    VoterDay.objects.filter(campaign=campaign).delete()
    VoteRequest.objects.filter(voter__email=RESIDENT).delete()
    CaseEntry.objects.filter(campaign=campaign).update(vote_count=0)


def _snapshots(campaign: Campaign, ballots: list[Ballot], start: dt.datetime, now: dt.datetime) -> None:
    """Every ten minutes from the opening: cumulative valid votes and voters."""
    ordered = sorted(ballots, key=lambda b: b.cast_at)
    rows, seen, index = [], set(), 0
    minute = start.replace(second=0, microsecond=0)
    while minute < now:
        while index < len(ordered) and ordered[index].cast_at < minute:
            seen.add(ordered[index].voter_id)
            index += 1
        rows.append(VoteSnapshot(campaign=campaign, minute=minute, total_votes=index, voters=len(seen)))
        minute += dt.timedelta(minutes=10)
    VoteSnapshot.objects.bulk_create(rows, batch_size=2000)
    services.take_snapshot(campaign_id=campaign.pk, moment=now, replace=True)
