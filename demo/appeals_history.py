"""Bulk history of appeals for the demo (a year, tens of thousands) and the
benchmark (a million): generated in Python with realistic distributions and
written with PostgreSQL COPY, never the ORM one row at a time.

Distributions (a mid-sized Chinese city's 12345 platform):
- volume: more on weekdays, a summer bump (noise, water, heat), a dip at the
  Spring Festival; day hours peak 9–11 and 14–17;
- categories: 城市管理, 市容环卫, 噪音, 住房物业 and 交通 take about half;
- areas: the central districts and the big manufacturing towns dominate;
- outcomes: ~1.5 % dispatched late, ~2 % returned once (not right first
  time), ~3 % resolved after the deadline, ~96 % get a reply; 75 % of
  resolved appeals are rated, 4 % of ratings are 1–2 stars, each opening a
  rectification (most on time, some late, a few reopened by the centre).
Appeals of the last days are still moving through the states.

Over 400 lines on purpose: one generator (``generate``) writes every table
of the history in one pass, so that an appeal's deadlines, replies, ratings,
rectifications and timeline agree; the helpers around it exist only for it.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection

from appeals import deadlines
from appeals.enums import AppealState, Channel, Moderation, PartRole, PartState, Urgency
from appeals.models import Item, Responsibility
from portal.timeutils import LOCAL_TZ

CATEGORY_WEIGHTS = {
    "CG": 14, "HW": 11, "ZS": 10, "JS": 12, "JT": 9, "SW": 7, "HJ": 5, "SC": 6, "RS": 6, "JY": 4, "WS": 3,
    "YB": 2, "GA": 4, "MZ": 2, "YJ": 3, "ZR": 1, "WL": 1, "ZW": 2, "SD": 3, "QT": 2,
}
BIG_AREAS = {"南城街道": 9, "东城街道": 9, "莞城街道": 5, "万江街道": 5, "虎门镇": 8, "长安镇": 8, "厚街镇": 6,
             "常平镇": 6, "塘厦镇": 6, "松山湖": 4, "寮步镇": 5, "大朗镇": 5, "凤岗镇": 5, "清溪镇": 4}
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 3, 6, 9, 11, 11, 9, 6, 7, 9, 10, 10, 8, 7, 7, 6, 5, 3, 2]

ROADS = ["鸿福路", "东城大道", "莞太路", "元美路", "体育路", "石竹路", "沿河路", "新城路", "宏图路", "振兴路"]
ESTATES = ["鸿福花园", "碧桂园", "万科城", "金地格林", "星河传说", "东湖花园", "御景湾", "城市花园", "翠园", "锦绣山庄"]
# Problems residents raise, per category: (title, description); {road}, {estate}, {no}, {bldg} are filled in.
PROBLEMS = {
    "CG": [("菜市场门口占道经营堵路", "{road}菜市场门口每天早上很多流动摊贩占道经营，车道被占，早高峰堵车，电动车都过不去。"),
           ("夜宵摊占用人行道", "{road}{no}号附近的夜宵大排档把桌椅摆满人行道，行人只能走马路，很危险。"),
           ("违规搭建铁皮房", "{estate}旁边空地有人违规搭建铁皮房，越搭越多，影响消防通道。")],
    "HW": [("垃圾站垃圾清运不及时", "{estate}垃圾站的垃圾好几天没人清运，臭气熏天，还有很多苍蝇。"),
           ("路边垃圾桶满溢", "{road}边的垃圾桶每天都满溢出来，垃圾散落一地，没人清理。")],
    "ZS": [("工地夜间打桩噪音扰民", "{road}附近工地凌晨一两点还在打桩施工，噪音太大，{estate}{bldg}栋的居民都睡不着。"),
           ("广场舞音响太吵", "{estate}旁边广场每天晚上广场舞音响开得很大声，一直到十点多，影响小孩学习。"),
           ("商铺高音喇叭", "{road}{no}号的商铺门口高音喇叭循环播放促销广告，吵得不行。")],
    "JS": [("小区电梯经常停运", "{estate}{bldg}栋电梯这个月已经停了好几次，老人上下楼很困难，物业一直拖着不修。"),
           ("物业不公开公共收益", "{estate}物业多年不公示电梯广告和停车费等公共收益，业主多次询问都不答复。"),
           ("楼上装修违规拆墙", "{estate}{bldg}栋{room}室楼上装修时拆改承重墙，我家天花板出现裂缝。")],
    "JT": [("路面破损坑洼", "{road}靠近{estate}的路段路面破损，坑洼很多，下雨积水，电动车经常摔倒。"),
           ("交通信号灯故障", "{road}与{road2}交叉口的红绿灯坏了好几天，车辆乱行，很危险。"),
           ("公交站台没有遮雨棚", "{road}公交站台没有遮雨棚，下雨天等车的人都淋湿了。")],
    "SW": [("小区停水没有通知", "{estate}从早上开始停水，没有收到任何停水通知，请问什么时候恢复。"),
           ("井盖缺失很危险", "{road}{no}号门口的井盖不见了，晚上电动车差点掉进去。"),
           ("下水道堵塞污水外溢", "{estate}门口下水道堵塞，污水外溢，很臭。")],
    "HJ": [("餐饮油烟扰民", "{road}{no}号的餐馆油烟直排，楼上住户窗户都不敢开。"),
           ("工厂排放异味", "{road}附近的工厂晚上排放刺鼻气味，{estate}居民闻到头晕。")],
    "SC": [("预付卡商家跑路", "{road}的健身房突然关门，办的预付卡没法退费，老板联系不上。"),
           ("超市价格欺诈", "{road}{no}号超市标价和结账价格不一致，多收钱。")],
    "RS": [("工厂拖欠工资", "在{road}附近的工厂打工，老板已经拖欠三个月工资，多次讨要没有结果。"),
           ("社保缴费基数不对", "单位给我按最低基数交社保，和实际工资不符。")],
    "JY": [("学位申请问题", "孩子今年上小学，积分入学的学位申请一直显示审核中，想了解进度。"),
           ("校门口交通拥堵", "{road}小学门口上下学时段车辆乱停，孩子过马路很危险。")],
    "WS": [("医院排队时间太长", "去{road}的医院看病，挂号排队两个多小时，希望增加窗口。")],
    "YB": [("医保报销进度", "上个月住院的医保报销一直没有到账，想了解进度。")],
    "GA": [("电动自行车上牌难", "电动自行车上牌预约一直约不上，请问怎么办理。"),
           ("路口治安隐患", "{road}与{road2}交叉口晚上路灯不亮，经常有人聚集，存在治安隐患。")],
    "MZ": [("养老服务补贴申请", "家里老人八十多岁，想申请居家养老服务补贴，请问需要什么材料。")],
    "YJ": [("消防通道被堵", "{estate}{bldg}栋楼下消防通道长期被车辆堵住，发生火灾消防车进不来。"),
           ("电动车楼道充电", "{estate}{bldg}栋有人在楼道里给电动车充电，存在火灾隐患。")],
    "ZR": [("违法占用农用地", "{road}附近有人占用农用地建厂房。")],
    "WL": [("体育公园设施损坏", "{road}体育公园的健身器材损坏很久没有维修。")],
    "ZW": [("窗口办事效率低", "在政务服务中心办理业务，窗口人员态度差，来回跑了三次。")],
    "SD": [("频繁停电", "{estate}这个月已经停电好几次，每次都没有通知。"),
           ("手机信号差", "{estate}{bldg}栋室内手机信号很差，打电话经常断。")],
    "QT": [("意见建议", "建议在{road}增设一处公共厕所，附近上班的人很多。")],
}
# The catalogue item each problem above is filed under (same order).
PROBLEM_ITEMS = {'CG': ['CG-01', 'CG-01', 'CG-05'], 'HW': ['HW-01', 'HW-04'], 'ZS': ['ZS-01', 'ZS-03', 'ZS-02'], 'JS': ['JS-02', 'JS-01', 'JS-05'], 'JT': ['JT-05', 'JT-06', 'JT-02'], 'SW': ['SW-01', 'SW-04', 'SW-05'], 'HJ': ['HJ-03', 'HJ-05'], 'SC': ['SC-07', 'SC-02'], 'RS': ['RS-01', 'RS-03'], 'JY': ['JY-01', 'JY-04'], 'WS': ['WS-02'], 'YB': ['YB-01'], 'GA': ['GA-05', 'GA-07'], 'MZ': ['MZ-02'], 'YJ': ['YJ-01', 'YJ-05'], 'ZR': ['ZR-01'], 'WL': ['WL-01'], 'ZW': ['ZW-03'], 'SD': ['SD-01', 'SD-04'], 'QT': ['QT-01']}
PROBLEMS_BY_ITEM: dict[str, list[tuple[str, str]]] = {}
for _code, _problems in PROBLEMS.items():
    for _item, _problem in zip(PROBLEM_ITEMS[_code], _problems):
        PROBLEMS_BY_ITEM.setdefault(_item, []).append(_problem)
# Share of a category's appeals filed under the items with a typical problem above.
TYPICAL_SHARE = 0.7

REPLIES = [
    "已安排执法人员到现场核查，责令相关责任人限期整改，我局将持续跟进。",
    "经现场核实，问题属实，已协调相关单位处理，预计三个工作日内完成。",
    "已约谈相关责任单位，要求其立即整改，并纳入日常巡查重点。",
    "已联系反映人了解情况，并安排工作人员现场处置。",
]
RESOLUTIONS = [
    "经复查，问题已整改到位，后续将加强巡查。",
    "已完成处置，现场恢复正常，已电话回访反映人。",
    "已督促责任单位整改完毕，相关设施已修复。",
]
BAD_COMMENTS = ["问题根本没有解决，只是来看了一下。", "处理太慢了，过了很多天才有人来。", "答复敷衍，没有实际行动。"]
RECTIFY_REPORTS = ["已再次到现场处置，问题已彻底解决，并与市民当面沟通。", "已安排专人跟进，整改完成，市民认可。"]


@dataclass
class Catalogue:
    items: list[tuple]  # (item_id, category_code, category_id, urgency, deadline_value, deadline_unit, publishable, name, code)
    weights: list[float]
    areas: list[tuple]  # (area_id, name)
    area_weights: list[float]
    routes: dict = field(default_factory=dict)  # (item_id, area_id | None) -> unit_id


def load_catalogue() -> Catalogue:
    from appeals.models import Area

    items = list(
        Item.objects.filter(active=True).select_related("category").values_list(
            "pk", "category__code", "category_id", "default_urgency", "deadline_value", "deadline_unit", "publishable", "name",
            "code",
        )
    )
    typical: dict[str, int] = {}
    plain: dict[str, int] = {}
    for item in items:
        bucket = typical if item[8] in PROBLEMS_BY_ITEM else plain
        bucket[item[1]] = bucket.get(item[1], 0) + 1

    def weight(item) -> float:
        total = CATEGORY_WEIGHTS.get(item[1], 1)
        if not typical.get(item[1]) or not plain.get(item[1]):
            return total / (typical.get(item[1], 0) + plain.get(item[1], 0))
        if item[8] in PROBLEMS_BY_ITEM:
            return total * TYPICAL_SHARE / typical[item[1]]
        return total * (1 - TYPICAL_SHARE) / plain[item[1]]

    weights = [weight(i) for i in items]
    areas = list(Area.objects.order_by("position").values_list("pk", "name"))
    area_weights = [BIG_AREAS.get(name, 2) for _pk, name in areas]
    routes = {(r.item_id, r.area_id): r.primary_unit_id for r in Responsibility.objects.all()}
    return Catalogue(items=items, weights=weights, areas=areas, area_weights=area_weights, routes=routes)


def _route(catalogue: Catalogue, item_id: int, area_id: int, default_unit: int) -> int:
    return catalogue.routes.get((item_id, area_id)) or catalogue.routes.get((item_id, None)) or default_unit


def _fill(template: str, rng: random.Random, masked: bool) -> str:
    values = {
        "road": rng.choice(ROADS), "road2": rng.choice(ROADS), "estate": rng.choice(ESTATES),
        "no": rng.randint(1, 300), "bldg": rng.randint(1, 30), "room": rng.randint(101, 2808),
    }
    public = dict(values, no="**", bldg="*", room="***")
    return template.format(**(public if masked else values))


@dataclass
class Written:
    appeals: int = 0
    work_orders: int = 0
    replies: int = 0
    events: int = 0
    ratings: int = 0
    rectifications: int = 0


CHUNK = 50_000  # rows buffered before a COPY (memory stays flat at a million)

APPEAL_COLUMNS = [
    "id", "tracking_number", "channel", "state", "resident_id", "submitted_by_id", "idempotency_key", "item_id", "area_id",
    "urgency", "title", "description", "address", "contact_name", "contact_phone", "publish_consent", "source_url",
    "submitted_at", "dispatch_due_at", "first_dispatched_at", "dispatched_at", "primary_unit_id", "handling_due_at",
    "first_reply_at", "resolved_at", "resolution", "return_count", "updated_at", "is_public", "public_hidden",
    "public_title", "public_description", "me_too_count", "category_id", "moderation", "moderation_reason",
]


def _reserve_ids(table: str, count: int) -> int:
    """Takes `count` ids from the table's sequence at once; returns the first."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        (sequence,) = cursor.fetchone()
        cursor.execute("SELECT nextval(%s)", [sequence])
        (first,) = cursor.fetchone()
        cursor.execute("SELECT setval(%s, %s)", [sequence, first + count])
    return first


def generate(
    *, count: int, first_day: dt.date, last_day: dt.date, now: dt.datetime, residents: list[int], prefix: str,
    seed: int = 2026, timeline: bool = True, progress: Callable[[str], None] | None = None,
    staff: dict | None = None, holidays: dict | None = None, first_number: int = 0,
) -> Written:
    """Writes `count` appeals submitted between first_day and last_day (local)."""
    rng = random.Random(seed)
    catalogue = load_catalogue()
    calendar = holidays if holidays is not None else deadlines.holiday_calendar(first_day - dt.timedelta(days=1), last_day + dt.timedelta(days=60))
    default_unit = next(iter(catalogue.routes.values()))
    days = []
    day = first_day
    while day <= last_day:
        weight = 1.0 if day.weekday() < 5 else 0.7
        weight *= 1.25 if day.month in (6, 7, 8) else 1.0
        weight *= 0.5 if day.month == 2 and 10 <= day.day <= 25 else 1.0
        days.append((day, weight))
        day += dt.timedelta(days=1)
    total_weight = sum(w for _d, w in days)
    per_day = [(d, w / total_weight) for d, w in days]
    cumulative = []
    running = 0.0
    for d, share in per_day:
        running += share
        cumulative.append(running)
    first_id = _reserve_ids("appeals_appeal", count)
    written = Written()
    item_choices = rng.choices(range(len(catalogue.items)), weights=catalogue.weights, k=count)
    area_choices = rng.choices(range(len(catalogue.areas)), weights=catalogue.area_weights, k=count)
    hour_choices = rng.choices(range(24), weights=HOUR_WEIGHTS, k=count)
    days_sorted = sorted(rng.random() for _ in range(count))
    step = 0

    appeal_rows, part_rows, reply_rows, event_rows, rating_rows, rect_rows = [], [], [], [], [], []
    staff = staff or {}
    part_id = _reserve_ids("appeals_assignment", count) if timeline else 0
    rating_id = _reserve_ids("appeals_rating", count)
    unit_names = dict(_unit_names())

    def flush() -> None:
        """Writes what is buffered (appeals first: the other rows point to them)."""
        _copy("appeals_appeal", APPEAL_COLUMNS, appeal_rows)
        written.appeals += len(appeal_rows)
        _copy("appeals_rating", ["id", "appeal_id", "unit_id", "resident_id", "round", "score", "comment", "automatic", "created_at"], rating_rows)
        _copy("appeals_rectification", ["appeal_id", "rating_id", "unit_id", "state", "created_at", "due_at", "report",
                                        "submitted_at", "checked_at", "check_note"], rect_rows)
        if timeline:
            _copy("appeals_assignment", ["id", "appeal_id", "unit_id", "role", "state", "instructions", "dispatched_at",
                                         "return_until", "due_soon_at", "due_at", "accepted_at", "replied_at", "finished_at",
                                         "return_reason"], part_rows)
            _copy("appeals_reply", ["appeal_id", "assignment_id", "unit_id", "author_id", "body", "created_at"], reply_rows)
            _copy("appeals_appealevent", ["appeal_id", "kind", "actor_label", "from_state", "to_state", "public_text",
                                          "created_at", "public", "reason", "actor_unit_id"],
                  [(a, k, label or unit_names.get(u, "承办单位"), f, t, text, at, True, "", u) for a, k, label, f, t, text, at, u in event_rows])
            written.events += len(event_rows)
        for rows in (appeal_rows, rating_rows, rect_rows, part_rows, reply_rows, event_rows):
            rows.clear()
        if progress:
            progress(f"{written.appeals:,} appeals written")

    for n in range(count):
        if len(appeal_rows) >= CHUNK:
            flush()
        position = days_sorted[n]
        while step < len(cumulative) - 1 and cumulative[step] < position:
            step += 1
        day = per_day[step][0]
        submitted = dt.datetime.combine(day, dt.time(hour_choices[n], rng.randint(0, 59), rng.randint(0, 59)), tzinfo=LOCAL_TZ)
        if submitted > now:
            submitted = now - dt.timedelta(minutes=rng.randint(5, 600))
        item_id, code, category_id, urgency, d_value, d_unit, publishable, item_name, item_code = catalogue.items[item_choices[n]]
        area_id, area_name = catalogue.areas[area_choices[n]]
        unit_id = _route(catalogue, item_id, area_id, default_unit)
        problems = PROBLEMS_BY_ITEM.get(item_code) or [
            (item_name, "{road}附近" + item_name + "的问题一直没有解决，请相关部门尽快处理。"),
            (item_name + "问题", "{estate}一带" + item_name + "的情况比较突出，希望有关部门关注。"),
        ]
        title, description = problems[rng.randrange(len(problems))]
        text_seed = rng.random()
        real = _fill(description, random.Random(text_seed), masked=False)
        public = _fill(description, random.Random(text_seed), masked=True)
        appeal_id = first_id + n
        resident = residents[n % len(residents)]
        dispatch_due = submitted + dt.timedelta(minutes=30 if urgency == Urgency.URGENT else 120)
        age = now - submitted
        state = AppealState.SUBMITTED
        first_dispatched = dispatched = handling_due = first_reply = resolved = None
        returned = 0
        resolution = ""
        late_dispatch = rng.random() < 0.015
        if age > dt.timedelta(minutes=rng.randint(10, 110)) or late_dispatch and age > dt.timedelta(hours=3):
            delay = dt.timedelta(minutes=rng.randint(3, 25 if urgency == Urgency.URGENT else 100))
            if late_dispatch:
                delay = dt.timedelta(minutes=rng.randint(125, 400))
            first_dispatched = submitted + delay
            dispatched = first_dispatched
            if rng.random() < 0.02 and age > dt.timedelta(days=2):
                returned = 1
                dispatched = first_dispatched + dt.timedelta(hours=rng.randint(3, 20))
            if d_unit == "hours":
                handling_due = dispatched + dt.timedelta(hours=d_value)
            else:
                handling_due = deadlines.add_working_days(dispatched, d_value, calendar=calendar)
            state = AppealState.ACCEPTED
            span = handling_due - dispatched
            replied_frac = rng.uniform(0.05, 0.5)
            if rng.random() < 0.96:
                first_reply = dispatched + span * replied_frac
            overdue = rng.random() < 0.03
            resolve_at = dispatched + span * (rng.uniform(1.05, 1.8) if overdue else rng.uniform(replied_frac + 0.05, 0.98))
            if first_reply is None and resolve_at <= now:
                # Only work still in hand may lack a reply: a resolution needs one.
                first_reply = dispatched + (resolve_at - dispatched) * 0.9
            if first_reply is not None and first_reply > now:
                first_reply = None
            if first_reply is not None:
                state = AppealState.REPLIED
            if first_reply is not None and resolve_at <= now:
                resolved = resolve_at
                state = AppealState.RESOLVED
                resolution = rng.choice(RESOLUTIONS)
        rated_score = None
        rating_at = None
        if resolved is not None:
            rated = rng.random() < 0.75
            rating_at = resolved + dt.timedelta(hours=rng.uniform(1, 24 * 6))
            if rated and rating_at <= now:
                roll = rng.random()
                rated_score = 5 if roll < 0.70 else 4 if roll < 0.90 else 3 if roll < 0.96 else 2 if roll < 0.985 else 1
                state = AppealState.CLOSED if rated_score >= 3 else AppealState.RATED
            elif resolved + dt.timedelta(days=7) <= now:
                state = AppealState.CLOSED
        if rated_score is not None:
            rating_rows.append((rating_id + written.ratings, appeal_id, unit_id, resident, 1, rated_score,
                                rng.choice(BAD_COMMENTS) if rated_score <= 2 else "", False, rating_at))
            written.ratings += 1
            if rated_score <= 2:
                due = deadlines.add_working_days(rating_at, 5, calendar=calendar)
                roll = rng.random()
                submit_at = rating_at + (due - rating_at) * (rng.uniform(0.2, 0.9) if roll < 0.92 else rng.uniform(1.1, 1.6))
                rect_state, checked_at = "open", None
                if submit_at <= now:
                    rect_state = "submitted"
                    checked_at = submit_at + dt.timedelta(hours=rng.uniform(2, 30))
                    if checked_at <= now:
                        rect_state = "verified" if rng.random() < 0.93 else "reopened"
                    else:
                        checked_at = None
                rect_rows.append((appeal_id, rating_id + written.ratings - 1, unit_id, rect_state, rating_at, due,
                                  rng.choice(RECTIFY_REPORTS) if rect_state != "open" else "",
                                  submit_at if rect_state != "open" else None, checked_at,
                                  "整改到位" if rect_state == "verified" else "未整改到位" if rect_state == "reopened" else ""))
                written.rectifications += 1
                if rect_state == "reopened":
                    state = AppealState.REOPENED
                elif rect_state == "verified":
                    second_at = checked_at + dt.timedelta(hours=rng.uniform(2, 48))
                    if second_at <= now and rng.random() < 0.7:
                        score = 5 if rng.random() < 0.6 else 4 if rng.random() < 0.8 else 3
                        rating_rows.append((rating_id + written.ratings, appeal_id, unit_id, resident, 2, score, "", False, second_at))
                        written.ratings += 1
                        state = AppealState.CLOSED
        consent = rng.random() < 0.8
        # Published history counts as moderated; about one in four hundred waits in the moderation queue.
        moderation = (Moderation.PENDING if (first_number + n) % 400 == 7 else Moderation.APPROVED) if consent and publishable else Moderation.NONE
        is_public = moderation == Moderation.APPROVED
        tracking = f"{prefix}-{submitted.year}-H{first_number + n + 1:07d}"
        updated = max(t for t in (submitted, first_dispatched, dispatched, first_reply, resolved, rating_at) if t is not None and t <= now)
        appeal_rows.append((
            appeal_id, tracking, Channel.WEB if rng.random() < 0.7 else Channel.HOTLINE, state, resident, resident,
            f"hist-{prefix}-{first_number + n}", item_id, area_id, urgency, title, real, f"{area_name}{_fill('{road}{no}号', random.Random(text_seed), False)}",
            "陈女士", f"138{rng.randint(10000000, 99999999)}", consent, "", submitted, dispatch_due, first_dispatched,
            dispatched, unit_id if dispatched else None, handling_due, first_reply, resolved, resolution, returned, updated,
            is_public, False, title, public, 0, category_id, moderation, "",
        ))
        if timeline and dispatched is not None:
            part_state = PartState.RESOLVED if resolved else PartState.REPLIED if first_reply else PartState.ACCEPTED
            pid = part_id + written.work_orders
            part_rows.append((pid, appeal_id, unit_id, PartRole.PRIMARY, part_state, "", dispatched,
                              dispatched + dt.timedelta(hours=24), handling_due - (handling_due - dispatched) / 4, handling_due,
                              dispatched + dt.timedelta(minutes=rng.randint(5, 120)), first_reply, resolved, ""))
            written.work_orders += 1
            author = staff.get(unit_id) or resident
            events = [(appeal_id, "transition", "市民", "", AppealState.SUBMITTED, f"诉求已提交，编号 {tracking}。", submitted, None)]
            events.append((appeal_id, "transition", "派单中心", AppealState.SUBMITTED, AppealState.DISPATCHED,
                           "已按责任清单派单办理。", dispatched, None))
            if first_reply is not None:
                body = rng.choice(REPLIES)
                reply_rows.append((appeal_id, pid, unit_id, author, body, first_reply))
                written.replies += 1
                events.append((appeal_id, "transition", "", AppealState.ACCEPTED, AppealState.REPLIED, body, first_reply, unit_id))
            if resolved is not None:
                events.append((appeal_id, "transition", "", AppealState.REPLIED, AppealState.RESOLVED, resolution, resolved, unit_id))
            if rated_score is not None:
                events.append((appeal_id, "transition", "市民", AppealState.RESOLVED, AppealState.RATED,
                               f"市民评价：{rated_score} 星", rating_at, None))
            for row in events:
                event_rows.append(row)
    flush()
    return written


def _unit_names():
    from portal.models import Unit

    return Unit.objects.values_list("pk", "name")


def _copy(table: str, columns: list[str], rows: list[tuple]) -> None:
    if not rows:
        return
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
