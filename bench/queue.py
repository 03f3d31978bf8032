"""The dispatch centre's search of its queue at a million appeals (issue 21, stumble 8).

On the `<db>_bench` database (name another database with DATABASE_URL to keep
your own: `DATABASE_URL=postgres://…/mine make bench BENCH_ARGS=queue` uses
`mine_bench`):
1. load `--count` appeals (default 1,000,000) with one INSERT … SELECT over
   generate_series (rows already loaded by an earlier run are kept): a year of
   hotline appeals over the demo's towns and catalogue, the newest `--waiting`
   of them (default 2 %, filed over the last four hours) still waiting for
   dispatch in the three waiting states, the rest dispatched or closed; titles
   and descriptions from everyday phrases; then VACUUM ANALYZE, as autovacuum
   leaves a table after a bulk load;
2. time each search the dispatch centre's page makes (appeals.selectors.queue:
   the count and the first page of 30 rows, as the page's paginator asks), best
   and median of `--repeats`, against a baseline measured in the same run: a
   plain primary-key lookup of one appeal. Figures are printed in ms and as a
   ratio to the baseline; the target is 300 ms for a search.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from bench import harness

TARGET_MS = 300.0
PAGE_SIZE = 30  # appeals.views.common.PAGE_SIZE

PHRASES = [
    "路灯不亮", "井盖缺失", "夜间施工噪音", "垃圾清运不及时", "占道经营", "道路积水", "电梯故障", "油烟扰民",
    "拖欠工资", "停水", "违法搭建", "共享单车乱停放", "小区停车难", "公交站台破损", "树木倒伏", "下水道堵塞",
]
PLACES = ["鸿福路", "元美路", "东城大道", "莞太路", "体育路", "运河东", "新城市场", "人民公园"]


def load(*, count: int, waiting: float) -> dict:
    """Inside Django (bench database)."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from appeals.models import Appeal, Area, Item
    from demo import appeals as appeals_demo
    from demo import portal as portal_demo
    from portal.models import User

    with transaction.atomic():
        units = portal_demo.seed_units()
        appeals_demo.seed_catalogue(units)
    clerk, _ = User.objects.get_or_create(email="bench-queue-clerk@example.cn", defaults={"password": make_password(None)})
    have = Appeal.objects.filter(idempotency_key__startswith="qb-").count()
    report: dict = {}
    if have < count:
        started = time.monotonic()
        areas = list(Area.objects.order_by("pk").values_list("pk", flat=True))
        items = list(Item.objects.order_by("pk").values_list("pk", "category_id"))
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO appeals_appeal (
                    tracking_number, channel, state, submitted_by_id, idempotency_key, item_id, category_id, area_id,
                    urgency, title, description, address, contact_name, contact_phone, publish_consent, source_url,
                    submitted_at, dispatch_due_at, resolution, return_count, updated_at, is_public, public_hidden,
                    public_title, public_description, moderation, moderation_reason, me_too_count)
                SELECT 'QB-2026-' || lpad(n::text, 7, '0'), 'hotline',
                       CASE WHEN w THEN (ARRAY['submitted','returned','reopened'])[1 + mod(n, 3)]
                            WHEN mod(n, 5) = 0 THEN 'dispatched' ELSE 'closed' END,
                       %(clerk)s, 'qb-' || n,
                       CASE WHEN w AND mod(n, 4) = 0 THEN NULL ELSE (%(items)s::int[])[1 + mod(n, %(n_items)s)] END,
                       CASE WHEN w AND mod(n, 4) = 0 THEN NULL ELSE (%(categories)s::int[])[1 + mod(n, %(n_items)s)] END,
                       (%(areas)s::int[])[1 + mod(n * 7, %(n_areas)s)],
                       CASE WHEN mod(n, 9) = 0 THEN 'urgent' ELSE 'general' END,
                       place || phrase, place || '附近' || phrase || '，已经好几天了，请尽快处理。第' || n || '号',
                       place || mod(n, 300) || '号', '陈女士', '13' || lpad(mod(n::bigint * 7919, 1000000000)::text, 9, '0'),
                       false, '', at, at + interval '2 hours',
                       '', 0, at, false, false, '', '', 'none', '', 0
                FROM (SELECT n, (n > %(count)s - %(waiting)s) AS w,
                             (%(phrases)s::text[])[1 + mod(n, %(n_phrases)s)] AS phrase,
                             (%(places)s::text[])[1 + mod(n / 7, %(n_places)s)] AS place,
                             -- Waiting appeals came in over the last four hours; the rest over a year.
                             CASE WHEN n > %(count)s - %(waiting)s THEN now() - interval '1 minute' * mod(n, 240)
                                  ELSE now() - interval '365 days' * ((%(count)s - n)::float / %(count)s) END AS at
                      FROM generate_series(%(first)s, %(count)s) AS n) AS g
                """,
                {
                    "clerk": clerk.pk, "items": [pk for pk, _c in items], "categories": [c for _pk, c in items],
                    "areas": areas, "phrases": PHRASES, "places": PLACES, "n_phrases": len(PHRASES),
                    "n_places": len(PLACES), "n_items": len(items), "n_areas": len(areas),
                    "waiting": round(count * waiting), "first": have + 1, "count": count,
                },
            )
        with connection.cursor() as cursor:
            # What autovacuum leaves after a bulk load: statistics and the visibility map (index-only counts).
            cursor.execute("VACUUM ANALYZE appeals_appeal")
        report["load_seconds"] = round(time.monotonic() - started, 1)
    report["appeals"] = Appeal.objects.count()
    report["waiting"] = Appeal.objects.filter(state__in=["submitted", "returned", "reopened"]).count()
    return report


def measure(*, repeats: int) -> dict:
    """Inside Django (bench database): best and median ms per search and of the baseline."""
    import random

    from django.core.paginator import Paginator
    from django.utils import timezone

    from appeals.models import Appeal, Area, Category
    from appeals.selectors.queue import QueueFilters, search_queue
    from portal.models import User

    dispatcher = User.objects.filter(email="dispatcher@demo.minxinbang.cn").first()
    if dispatcher is None:
        from demo import portal as portal_demo

        dispatcher = portal_demo.seed()["accounts"]["dispatcher@demo.minxinbang.cn"]
    waiting = Appeal.objects.filter(state__in=["submitted", "returned", "reopened"], idempotency_key__startswith="qb-")
    sample = waiting.order_by("pk")[waiting.count() // 2]
    area = Area.objects.order_by("pk")[3].pk
    category = Category.objects.order_by("pk")[1].pk
    ids = list(Appeal.objects.order_by("?").values_list("pk", flat=True)[:200])
    rng = random.Random(5)
    now = timezone.now()

    def lookup():
        Appeal.objects.filter(pk=rng.choice(ids)).first()

    def page(**filters):
        def run():
            paginator = Paginator(search_queue(actor=dispatcher, filters=QueueFilters(**filters), now=now), PAGE_SIZE)
            list(paginator.get_page(1).object_list)
            return paginator.count

        return run

    cases = {
        "baseline: one appeal by primary key": lookup,
        "queue, no search (first page and count)": page(),
        "tracking number": page(query=sample.tracking_number),
        "phone, last four digits": page(query=sample.contact_phone[-4:]),
        "words, two characters (路灯)": page(query="路灯"),
        "words, four characters (井盖缺失)": page(query="井盖缺失"),
        "words, two of them (鸿福路 积水)": page(query="鸿福路 积水"),
        "area (a town)": page(area_id=area),
        "category": page(category_id=category),
        "state returned + overdue": page(state="returned", due="overdue"),
        "due within 30 minutes": page(due="soon"),
        "words + area + category": page(query="噪音", area_id=area, category_id=category),
    }
    timings = {}
    for name, run in cases.items():
        run()  # warm: the plan and the pages in shared buffers
        samples = []
        for _ in range(repeats):
            began = time.perf_counter()
            run()
            samples.append((time.perf_counter() - began) * 1000)
        timings[name] = {"best": round(min(samples), 2), "median": round(statistics.median(samples), 2)}
    return timings


def _django(code: str) -> dict:
    return json.loads(harness.manage_shell(f"import json\n{code}"))


def run(*, count: int = 1_000_000, waiting: float = 0.02, repeats: int = 15) -> dict:
    harness.prepare_database()
    print(f"[queue] loading {count:,} appeals into the bench database …", flush=True)
    loaded = _django(f"from bench.queue import load\nprint(json.dumps(load(count={count}, waiting={waiting})))")
    print(f"[queue] {json.dumps(loaded, ensure_ascii=False)}", flush=True)
    timings = _django(f"from bench.queue import measure\nprint(json.dumps(measure(repeats={repeats})))")
    baseline = timings["baseline: one appeal by primary key"]["median"]
    print(f"\nDispatch queue search with {loaded['appeals']:,} appeals, {loaded['waiting']:,} waiting"
          + (f" (loaded in {loaded['load_seconds']}s)" if "load_seconds" in loaded else "")
          + f"; {repeats} runs each, in process (count + first page of {PAGE_SIZE})")
    print(f"{'search':<44}{'best ms':>9}{'median ms':>11}{'× baseline':>12}")
    for name, t in timings.items():
        flag = "" if t["median"] < TARGET_MS else "  > 300 ms"
        print(f"{name:<44}{t['best']:>9.2f}{t['median']:>11.2f}{t['median'] / baseline:>12.1f}{flag}")
    return {"loaded": loaded, "timings": timings}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--waiting", type=float, default=0.02, help="share of the appeals waiting for dispatch")
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args(argv)
    run(count=args.count, waiting=args.waiting, repeats=args.repeats)


if __name__ == "__main__":
    main()
